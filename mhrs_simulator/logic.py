"""The Simulator: state + MHRS behaviour, no HTTP. One method per operation of the directive's Table 1.

Every operation method takes the authenticated institution code and the request as a dict with Table 1's
field names (what wire_rest.py and wire_g2.py translate each wire's request into) and returns the answer as a
dict. Refusals raise ``SimError``.
"""

import itertools
import threading
from datetime import datetime, time

from .appointments import AppointmentOps
from .citizens import CitizenOps
from .clock import Clock
from .codes import SimError, block_is_valid
from .realwire import RealWireOps
from .schedules import ScheduleOps
from .seeding import SeedOps
from .state import empty_state, next_id
from .tckn import is_valid

# Table 1 operation (method) -> whether it changes state.
OPERATIONS = {
    "clinic_register": True,
    "clinic_update": True,
    "clinic_query": False,
    "clinic_cancel": True,
    "template_register": True,
    "template_update": True,
    "template_set_state": True,
    "template_query": False,
    "schedule_register": True,
    "schedule_update": True,
    "schedule_query": False,
    "schedule_cancel": True,
    "appointment_exception": True,
    "appointment_query": False,
    "appointment_set_status": True,
    "appointment_register": True,
    "appointment_cancel": True,
    "slot_query": False,
}


def _key(value):
    # JSON object keys are strings; every collection is keyed by str(id).
    return str(value)


def _same_name(a, b):
    return (a or "").strip().casefold() == (b or "").strip().casefold()


def _minutes(line):
    start, end = (
        datetime.combine(datetime.min, time.fromisoformat(line[k])) for k in ("BaslangicSaati", "BitisSaati")
    )
    return (end - start).total_seconds() / 60


class Simulator(ScheduleOps, AppointmentOps, CitizenOps, SeedOps, RealWireOps):
    """Thread-safe: every public operation runs under one re-entrant lock."""

    def __init__(self, state=None, clock=None, on_change=None):
        self.state = state if state is not None else empty_state()
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self.on_change = on_change  # called after every change (the server saves --state with it)
        self._slot_index_cache = None

    # -- infrastructure ------------------------------------------------------------------------------
    def now(self):
        return self.clock.now()

    def changed(self):
        if self.on_change:
            self.on_change(self)

    def reset(self):
        with self.lock:
            self.state.clear()
            self.state.update(empty_state())
            self._slot_index_cache = None
        self.changed()

    def replace_state(self, state):
        with self.lock:
            self.state = state
            self._slot_index_cache = None

    def call(self, operation, institution, payload):
        """Run one operation by its name (``OPERATIONS``); returns the answer as a dict."""
        mutating = OPERATIONS[operation]
        with self.lock:
            result = getattr(self, operation)(institution, payload or {})
        if mutating:
            self.changed()
        return result

    # -- shared look-ups -----------------------------------------------------------------------------
    def _branch(self, code):
        if _key(code) not in self.state["branches"]:
            raise SimError("KLN-001")
        return int(code)

    def _clinic(self, institution, code, active=False):
        clinic = self.state["clinics"].get(_key(code))
        if not clinic or clinic["institution"] != institution:
            raise SimError("KLN-002")
        if active and not clinic["active"]:
            raise SimError("KLN-005")
        return clinic

    def _physician(self, tckn):
        """Physicians are registered on first use, as MHRS knows every physician from its own registry."""
        if not is_valid(tckn):
            raise SimError("GEN-005")
        return self.state["physicians"].setdefault(tckn, {"tckn": tckn, "name": "", "surname": ""})

    def _range(self, tarih):
        start, end = tarih["BaslangicZamani"], tarih["BitisZamani"]
        if end <= start:
            raise SimError("GEN-006")
        return start, end

    # -- clinics (operations 1-4) --------------------------------------------------------------------
    def _check_clinic_name(self, institution, branch, name, exclude=None):
        for clinic in self.state["clinics"].values():
            if (
                clinic["institution"] == institution
                and clinic["branch"] == branch
                and clinic["active"]
                and clinic["id"] != exclude
                and _same_name(clinic["name"], name)
            ):
                raise SimError("KLN-003")

    def clinic_register(self, institution, p):
        branch = self._branch(p["KlinikKodu"])
        self._check_clinic_name(institution, branch, p["AltKlinikAdi"])
        code = next_id(self.state, "clinic")
        self.state["clinics"][_key(code)] = {
            "id": code,
            "institution": institution,
            "branch": branch,
            "name": p["AltKlinikAdi"].strip(),
            "video": bool(p.get("GoruntuluRandevu")),
            "active": True,
            "no_location_change": False,
        }
        return {"AltKlinikKodu": code}

    def clinic_update(self, institution, p):
        clinic = self._clinic(institution, p["AltKlinikKodu"], active=True)
        self._check_clinic_name(institution, clinic["branch"], p["AltKlinikAdi"], exclude=clinic["id"])
        clinic["name"] = p["AltKlinikAdi"].strip()
        if p.get("GoruntuluRandevu") is not None:
            clinic["video"] = p["GoruntuluRandevu"]
        if p.get("LokasyonDegisikligineDusurme") is not None:
            clinic["no_location_change"] = p["LokasyonDegisikligineDusurme"]
        return {"AltKlinikKodu": clinic["id"]}

    def clinic_query(self, institution, p):
        branch = p.get("KlinikKodu")
        if branch is not None:
            self._branch(branch)
        rows = [
            c
            for c in self.state["clinics"].values()
            if c["institution"] == institution and branch in (None, c["branch"])
        ]
        return {
            "AltKlinikBilgileri": [
                {
                    "KlinikKodu": c["branch"],
                    "AltKlinikKodu": c["id"],
                    "AltKlinikAdi": c["name"],
                    "GoruntuluRandevu": c["video"],
                    "AktifMi": c["active"],
                }
                for c in sorted(rows, key=lambda c: c["id"])
            ]
        }

    def clinic_cancel(self, institution, p):
        clinic = self._clinic(institution, p["AltKlinikKodu"], active=True)
        now = self.now()
        # Past schedules and appointments do not block: only what patients could still come to does.
        busy = any(
            s["clinic"] == clinic["id"] and s["active"] and s["end"] > now
            for s in self.state["schedules"].values()
        )
        busy = busy or any(
            a["clinic"] == clinic["id"] and a["record_status"] == 1 and a["start"] > now
            for a in self.state["appointments"].values()
        )
        if busy:
            raise SimError("KLN-004")
        clinic["active"] = False
        return {"AltKlinikKodu": clinic["id"]}

    # -- templates (operations 5-8) ------------------------------------------------------------------
    def _template(self, institution, template_id):
        template = self.state["templates"].get(_key(template_id))
        if not template or template["institution"] != institution:
            raise SimError("SBL-001")
        return template

    def _template_lines(self, lines):
        normalised = []
        for line in lines:
            row = {
                "BaslangicSaati": line["BaslangicSaati"].strftime("%H:%M:%S"),
                "BitisSaati": line["BitisSaati"].strftime("%H:%M:%S"),
                "AksiyonKodu": line["AksiyonKodu"],
                "TedaviSuresi": line.get("TedaviSuresi"),
                "SlotBasinaDusenHastaSayisi": line.get("SlotBasinaDusenHastaSayisi"),
            }
            if not block_is_valid(
                row["AksiyonKodu"], row["TedaviSuresi"], row["SlotBasinaDusenHastaSayisi"], _minutes(row)
            ):
                raise SimError("SBL-002")
            normalised.append(row)
        normalised.sort(key=lambda r: r["BaslangicSaati"])
        for before, after in itertools.pairwise(normalised):
            if after["BaslangicSaati"] < before["BitisSaati"]:
                raise SimError("SBL-002")
        return normalised

    def _check_template_name(self, institution, name, exclude=None):
        for template in self.state["templates"].values():
            if (
                template["institution"] == institution
                and template["id"] != exclude
                and _same_name(template["name"], name)
            ):
                raise SimError("SBL-003")

    def template_register(self, institution, p):
        lines = self._template_lines(p["SablonSatiri"])
        self._check_template_name(institution, p["SablonAdi"])
        template_id = next_id(self.state, "template")
        self.state["templates"][_key(template_id)] = {
            "id": template_id,
            "institution": institution,
            "name": p["SablonAdi"].strip(),
            "active": True,
            "lines": lines,
        }
        return {"SablonId": template_id}

    def template_update(self, institution, p):
        template = self._template(institution, p["SablonId"])
        lines = self._template_lines(p["SablonSatiri"])
        self._check_template_name(institution, p["SablonAdi"], exclude=template["id"])
        template.update(name=p["SablonAdi"].strip(), lines=lines)
        return {"SablonId": template["id"]}

    def template_set_state(self, institution, p):
        template = self._template(institution, p["SablonId"])
        template["active"] = bool(p["AktifMi"])
        return {"SablonId": template["id"], "AktifMi": template["active"]}

    def template_query(self, institution, p):
        if p.get("SablonId") is not None:
            rows = [self._template(institution, p["SablonId"])]
        else:
            rows = [t for t in self.state["templates"].values() if t["institution"] == institution]
        if p.get("AktifMi") is not None:
            rows = [t for t in rows if t["active"] == p["AktifMi"]]
        return {
            "SablonBilgileri": [
                {
                    "SablonId": t["id"],
                    "SablonAdi": t["name"],
                    "AktifMi": t["active"],
                    "SablonSatiri": [dict(line) for line in t["lines"]],
                }
                for t in sorted(rows, key=lambda t: t["id"])
            ]
        }
