"""``MhrsClient``: one method per MHRS operation, plain Python values in and out, whichever wire.

    client = MhrsClient(WireConfig(interface="rest", base_url=..., ...), on_call=record)
    clinic_id = client.clinic_register(branch=157, name="Dahiliye 1")

Conventions (identical on both wires):
- datetimes in: naive (taken as wall-clock time of ``config.tz``, Europe/Istanbul by default) or aware
  (converted to ``config.tz``); datetimes out: naive wall-clock time of ``config.tz``;
- branch codes (KlinikKodu), clinic ids (AltKlinikKodu / muayeneYeriId), schedule ids: ``int``;
  TCKNs and HRNs: ``str``;
- every HTTP exchange reaches ``on_call`` as a ``CallRecord`` with masked texts;
- failures raise the typed errors of ``errors.py``; an operation the chosen wire does not have raises
  ``MhrsNotAvailable``. Templates (Table 1 rows 5-8) exist on neither wire: there are no methods.

Block (draft_add, schedule_update): ``{"branch", "physician" (TCKN or None for a unit schedule),
"clinic" (id or None), "action", "start", "end", "slot_minutes", "capacity", "ref"?}``.
Exception (exception_add): ``{"branch", "physician", "clinic"?, "action", "start", "end",
"description", "email"?, "phone"?, "document"? (name, bytes)}``.
Patient (appointment_book): ``{"tckn", "name", "surname", "phone", "phone_type"?, "gender"?,
"birth_date"?}``; the slot is one of ``slot_query``'s dicts.
"""

from .common import WireConfig
from .errors import MhrsError
from .g2 import G2Wire
from .rest import RestWire

WIRES = {"rest": RestWire, "g2": G2Wire}


class MhrsClient:
    def __init__(self, config, on_call=None, on_send=None):
        if not isinstance(config, WireConfig):
            raise TypeError("config must be a WireConfig")
        if config.interface not in WIRES:
            raise MhrsError(f"unknown MHRS interface {config.interface!r} (rest or g2)", code="CONFIG")
        config.check()
        self.config = config
        self.on_call = on_call
        # Called with the record (request built, no answer yet) just before it is sent; what it returns
        # is kept in the record's ``ref`` and handed back with ``on_call`` (e.g. a log row to complete).
        self.on_send = on_send
        self.wire = WIRES[config.interface](self)

    @property
    def interface(self):
        return self.config.interface

    def extra_secrets(self):
        """The current JWT (REST), so that it is masked wherever it could appear."""
        token = self.wire.current_token() if hasattr(self.wire, "current_token") else None
        return [token] if token else []

    # -- connection -----------------------------------------------------------------------------------
    def test_connection(self):
        """REST: a fresh login and the action list; G2: the branch query. Returns a short summary."""
        return self.wire.test_connection()

    # -- branches, physicians, action codes ------------------------------------------------------------
    def branch_register(self, branch):
        return self.wire.branch_register(int(branch))

    def branch_query(self):
        return self.wire.branch_query()

    def physician_link(self, branch, physician, temporary=False):
        return self.wire.physician_link(int(branch), str(physician), bool(temporary))

    def action_codes(self):
        return self.wire.action_codes()

    # -- clinics (rows 1-4) -------------------------------------------------------------------------------
    def clinic_register(self, branch, name):
        return self.wire.clinic_register(int(branch), str(name).strip())

    def clinic_update(self, clinic_id, name, no_location_change=False):
        return self.wire.clinic_update(int(clinic_id), str(name).strip(), bool(no_location_change))

    def clinic_query(self, branch):
        return self.wire.clinic_query(int(branch))

    def clinic_delete(self, clinic_id):
        return self.wire.clinic_delete(int(clinic_id))

    # -- schedules (rows 9-12) -------------------------------------------------------------------------
    def draft_add(self, block):
        """Row 9, first half: one draft block; returns the draft ids."""
        return self.wire.draft_add(dict(block))

    def draft_delete(self, draft_id):
        return self.wire.draft_delete(int(draft_id))

    def draft_finalise(self, branch, start, end, physician=None, clinic=None):
        """Row 9, second half: the drafts of the period become final; returns
        ``[{"draft_id", "final_id"}]`` (``draft_id`` is None over REST, which does not map them)."""
        return self.wire.draft_finalise(int(branch), start, end, physician, clinic)

    def schedule_query(self, branch, start, end, physician=None, clinic=None):
        return self.wire.schedule_query(int(branch), start, end, physician, clinic)

    def schedule_update(self, final_id, block):
        """Row 10; returns the final id of the changed block (a new id over REST)."""
        return self.wire.schedule_update(int(final_id), dict(block))

    def schedule_cancel(self, final_ids, branch, start, end, physician=None, clinic=None):
        """Row 12; the period and place are what REST's plan change needs to find the blocks."""
        return self.wire.schedule_cancel(
            [int(i) for i in final_ids], int(branch), start, end, physician, clinic
        )

    # -- exceptions (row 13) ---------------------------------------------------------------------------
    def exception_add(self, exception):
        return self.wire.exception_add(dict(exception))

    def exception_query(self, start, end, branch=None, physician=None):
        return self.wire.exception_query(start, end, branch, physician)

    def exception_delete(self, exception_id):
        return self.wire.exception_delete(int(exception_id))

    # -- appointments (rows 14-18) ---------------------------------------------------------------------
    def appointment_query(self, branch, start, end, physician=None, clinic=None, record_status=None):
        """Row 14: one branch per call, one physician or all."""
        return self.wire.appointment_query(int(branch), start, end, physician, clinic, record_status)

    def appointment_set_status(self, items):
        """Row 15: ``[{"hrn", "attended": bool, "arrived"?, "realized"?}]`` ->
        ``[{"hrn", "ok", "code", "text"}]``."""
        return self.wire.appointment_set_status([dict(i) for i in items])

    def appointment_book(self, slot, patient, note=None):
        """Row 16; returns the HRN."""
        return self.wire.appointment_book(dict(slot), dict(patient), note)

    def appointment_cancel(self, hrn):
        return self.wire.appointment_cancel(str(hrn))

    def slot_query(self, branch, physician, start, end, clinic=None, patient_tckn=None, action=1):
        """Row 18: the slots of one physician in a period, free or taken (``free``)."""
        return self.wire.slot_query(int(branch), str(physician), start, end, clinic, patient_tckn, action)
