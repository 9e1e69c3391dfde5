"""The appointment sync engine: brings MHRS's appointments (operation 14) into Odoo.

Role: for a company and a window, cut the window into MHRS queries (one branch per query, parts of at most
SYNC_PHYSICIAN_DAYS physician-days, too-large answers split again), query through the company's client,
decode each answer into record values, upsert by HRN writing only what changed (``diff``), flag what MHRS
no longer returns, and record the whole in an ``mhrs.sync.run``. It also decides when the periodic and
end-of-day runs are due and what window they take. A plain class, not a model: the crons
(mhrs.appointment ``_cron_*``), the query wizard and the exception model call it.
"""

import logging
import time
from collections import defaultdict, deque
from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import CacheMiss, UserError

from ..tools import can_commit, is_valid_tckn, try_company_lock
from ..tools.bulk_insert import insert_records
from ..tools.dates import (
    company_tz,
    from_wire,
    local_day_bounds,
    local_now,
    to_aware,
    to_utc_naive,
    today_bounds,
)
from ..wire import errors
from .appointment_codes import (
    CHANNEL_CODES,
    DAY_ENDED_LOOKBACK,
    QUIET_CREATE,
    STATUS_ATTENDED,
    STATUS_NOT_ATTENDED,
    SYNC_FIELDS,
    mhrs_status_of,
)

_logger = logging.getLogger(__name__)

SYNC_BATCH_SIZE = 50
# Physician-days asked for in one appointment query (see query_units).
SYNC_PHYSICIAN_DAYS = 50
SYNC_LOCK_KEY = "mhrs_appointment_sync"
# A periodic run looks back to the start of the last successful one, at most this far.
MAX_LOOKBACK = timedelta(days=7)
# A periodic run is due this much before its cadence has passed (half the cadence at most): the cron
# workers poll about once a minute, so a run that started late must not push the next one a whole
# cadence away.
DUE_TOLERANCE = timedelta(seconds=90)
# After failed or partial periodic runs in a row the next one waits the cadence doubled per failure,
# at most this long (and never less than the cadence).
MAX_BACKOFF = timedelta(minutes=30)
# The periodic query asks for the near days (today and the next two, local) every cadence; the rest of the
# horizon, where little changes, once in FAR_REFRESH (and the end-of-day query takes the next day in full).
NEAR_DAYS = 3
FAR_REFRESH = timedelta(hours=1)


def same_phone(first, second):
    """Two spellings of one phone number (spaces, dashes, leading zeros or country code aside)."""
    digits = ["".join(c for c in (text or "") if c.isdigit()).lstrip("0") for text in (first, second)]
    return bool(digits[0]) and digits[0][-10:] == digits[1][-10:]


class AppointmentSync:
    """The sync of one caller's environment (user, company, context such as ``mhrs_trigger``)."""

    def __init__(self, appointments):
        self.model = appointments.browse()
        self.env = appointments.env
        self._utc = {}  # wire time -> UTC (from_wire)

    def synced_physicians(self, company):
        return self.env["mhrs.physician"].search([("company_id", "=", company.id), ("mhrs_sync", "=", True)])

    def lock(self, company):
        """Company-level transaction lock: two workers never sync the same company at once. Taken
        again after every commit (a transaction lock ends with the transaction)."""
        return try_company_lock(self.env.cr, SYNC_LOCK_KEY, company.id)

    def sync_window(self, company, start, end, physicians=None, kind="manual", covered_date=None):
        """Query MHRS for [start, end) per batch of physicians and upsert by HRN; returns the sync run.

        One failing batch does not stop the others: the run is then 'partial' ('failed' if none worked).
        """
        company.ensure_one()
        physicians = physicians if physicians is not None else self.synced_physicians(company)
        physicians = physicians.filtered(lambda p: p.company_id == company)
        run = (
            self.env["mhrs.sync.run"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "kind": kind,
                    "window_start": start,
                    "window_end": end,
                    "covered_date": covered_date,
                    "physician_ids": [(6, 0, physicians.ids)],
                }
            )
        )
        began = time.monotonic()
        counts = dict.fromkeys(("fetched", "created", "updated", "cancelled", "missing"), 0)
        failures, failed = [], self.env["mhrs.physician"]
        pending = deque(self.query_units(company, start, end, physicians))
        queries = 0
        while pending:
            number, branch, batch, part_start, part_end = unit = pending.popleft()
            # A scheduled run is committed before its first query too: it shows as running, and if its
            # worker dies it is closed as failed (mhrs.sync.run._mhrs_close_orphans).
            if (queries or self.env.context.get("mhrs_trigger") == "cron") and can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit
                if not self.lock(company):
                    failures.append(self.env._("Another worker took over this company; stopped."))
                    for rest in (unit, *pending):
                        failed |= rest[2]
                    break
            queries += 1
            try:
                with self.env.cr.savepoint():
                    self.query_batch(company, part_start, part_end, batch, counts, branch=branch)
            except (errors.MhrsError, UserError) as exc:
                halves = self.split_unit(unit) if getattr(exc, "code", None) == "MALFORMED-SIZE" else None
                if halves:
                    # Denser than SYNC_PHYSICIAN_DAYS foresees: ask again in two halves.
                    _logger.info("MHRS appointment sync: answer too large for batch %s, split in two", number)
                    pending.extendleft(reversed(halves))
                    continue
                message = exc.args[0] if isinstance(exc, UserError) else self.error_text(exc)
                _logger.warning(
                    "MHRS appointment sync: batch %s of %s failed: %s", number, company.name, message
                )
                failures.append(self.batch_failure(company, number, batch, (part_start, part_end), message))
                failed |= batch
            self.env["ir.cron"]._notify_progress(done=queries, remaining=len(pending))
        if not failed:
            state = "done"
        elif not physicians - failed:
            state = "failed"
        else:
            state = "partial"
        run.write(
            {
                "state": state,
                "ended_at": fields.Datetime.now(),
                "duration": round(time.monotonic() - began, 3),
                "fetched_count": counts["fetched"],
                "created_count": counts["created"],
                "updated_count": counts["updated"],
                "cancelled_count": counts["cancelled"],
                "missing_count": counts["missing"],
                "batch_count": queries,
                "error_count": len(failures),
                "error_text": "\n".join(failures) or False,
                "failed_physician_ids": [(6, 0, failed.ids)],
            }
        )
        if run.state == "failed":
            # What MHRS answered is written: the managers' to-do cannot undo it.
            self.model._mhrs_followup(run._mhrs_notify_failure)
        return run

    def branches(self, company, physicians):
        """{branch code: physicians} to query: MHRS answers one branch per query (all its physicians,
        or one). A physician is asked in the branches of their clinics; one without a clinic here in
        every branch of the company's clinics."""
        clinics = self.env["mhrs.clinic"].search(
            [("company_id", "=", company.id), ("state", "=", "registered")]
        )
        every = sorted(set(clinics.mapped("mhrs_branch_code")))
        by_branch = defaultdict(lambda: self.env["mhrs.physician"])
        for physician in physicians:
            codes = set(physician.clinic_ids.mapped("mhrs_branch_code")) or every
            for code in codes:
                by_branch[code] |= physician
        return dict(sorted(by_branch.items()))

    def query_units(self, company, start, end, physicians):
        """The MHRS queries of a sync: (number, branch, physicians, start, end) per branch and part of
        the window. The window is cut at local midnights so that one answer holds at most
        SYNC_PHYSICIAN_DAYS physician-days (about 2,000 appointments, 1.7 MiB, for days of 40): a
        fully booked horizon of a large hospital stays far below the client's 20 MiB answer limit."""
        tz = company_tz(company)
        units, number = [], 0
        for branch, batch in self.branches(company, physicians).items():
            days = max(1, SYNC_PHYSICIAN_DAYS // max(1, min(len(batch), SYNC_BATCH_SIZE)))
            cut = datetime.combine(to_aware(start).astimezone(tz).date(), datetime.min.time()).replace(
                tzinfo=tz
            )
            part_start = start
            number += 1
            while part_start < end:
                # Aware datetime + timedelta moves the wall clock: the next local midnight, DST or not.
                cut += timedelta(days=days)
                part_end = min(end, to_utc_naive(cut))
                units.append((number, branch, batch, part_start, part_end))
                part_start = part_end
        return units

    @staticmethod
    def split_unit(unit):
        """Smaller queries for one whose answer went over the client's size limit: one per physician
        (MHRS answers a whole branch or one physician), or for a single physician half the period
        (down to an hour); None when it cannot be split."""
        number, branch, batch, part_start, part_end = unit
        if len(batch) > 1:
            return [(number, branch, physician, part_start, part_end) for physician in batch]
        if part_end - part_start > timedelta(hours=1):
            middle = (part_start + (part_end - part_start) / 2).replace(second=0, microsecond=0)
            return [(number, branch, batch, part_start, middle), (number, branch, batch, middle, part_end)]
        return None

    def batch_failure(self, company, number, batch, part, message):
        """The line of the run's error text for a failed query, naming its physicians and period."""
        period = " – ".join(f"{local_now(company, moment):%d.%m.%Y %H:%M}" for moment in part)
        return self.env._(
            "Batch %(batch)s (%(names)s), %(period)s: %(error)s",
            batch=number,
            names=", ".join(batch.mapped("name")),
            period=period,
            error=message,
        )

    def error_text(self, exc):
        return self.env["mhrs.client"]._mhrs_error_message(exc)

    def query_batch(self, company, start, end, physicians, counts, branch=None):
        """One MHRS query (one branch: all its physicians, or one) and one search / create per batch;
        writes only what really changed."""
        if branch is None:
            branches = self.branches(company, physicians)
            for code, batch in branches.items():
                self.query_batch(company, start, end, batch, counts, branch=code)
            return
        rows = self.env["mhrs.client"]._mhrs_call(
            "appointment_query",
            company=company,
            branch=branch,
            start=to_aware(start),
            end=to_aware(end),
            physician=physicians.tckn if len(physicians) == 1 else None,
        )
        wanted = set(physicians.mapped("tckn"))
        rows = [row for row in rows if row.get("physician") in wanted]
        counts["fetched"] += len(rows)
        hrns = [row["hrn"] for row in rows]
        existing = self.model.with_context(active_test=False).search(
            [
                ("company_id", "=", company.id),
                "|",
                ("mhrs_hrn", "in", hrns),
                "&",
                "&",
                "&",
                ("physician_id", "in", physicians.ids),
                ("date_start", ">=", start),
                ("date_start", "<", end),
                "|",
                ("clinic_id", "=", False),
                ("clinic_id.mhrs_branch_code", "=", branch),
            ]
        )
        # One read of the whole batch (the first access fetches every column of ``existing``).
        by_hrn = dict(zip(existing.mapped("mhrs_hrn"), existing, strict=True))
        current = self.cached_values(existing)
        partners = self.find_partners(rows)
        physician_by_tckn = {p.tckn: p for p in physicians}
        clinic_codes = {row.get("clinic") for row in rows if row.get("clinic")}
        clinics = (
            self.env["mhrs.clinic"]
            .with_context(active_test=False)
            .search([("company_id", "=", company.id), ("mhrs_clinic_code", "in", list(clinic_codes))])
        )
        clinic_by_code = {c.mhrs_clinic_code: c for c in clinics}
        line_by_ref = self.schedule_lines(company, rows)

        to_create, changes = [], {}
        for row in rows:
            appointment = by_hrn.get(row["hrn"])
            vals = self.row_vals(row, partners, physician_by_tckn, clinic_by_code, appointment, current)
            if "mhrs_schedule_ref" in vals:
                vals["schedule_line_id"] = line_by_ref.get(vals["mhrs_schedule_ref"], False)
            if not appointment:
                to_create.append(dict(vals, mhrs_hrn=row["hrn"], company_id=company.id))
                continue
            diff = self.diff(appointment, vals, current)
            _logger.debug("MHRS sync: %s changed %s", appointment.mhrs_hrn, diff)
            if diff:
                if diff.get("state") == "cancelled":
                    counts["cancelled"] += 1
                else:
                    counts["updated"] += 1
                key = tuple(sorted(diff.items()))
                changes[key] = changes.get(key, self.model.browse()) | appointment
        for key, appointments in changes.items():
            appointments.with_context(mhrs_sync_write=True).write(dict(key))
        if to_create:
            created = self.create_synced(to_create)
            counts["created"] += len(created)
            counts["cancelled"] += sum(1 for vals in to_create if vals["state"] == "cancelled")
        # Appointments Odoo has in the window that MHRS no longer returns: flag, never delete.
        returned = set(hrns)
        missing = existing.filtered(
            lambda a: a.mhrs_hrn not in returned
            and not a.missing_from_mhrs
            and a.physician_id in physicians
            and start <= a.date_start < end
            and (not a.clinic_id or a.clinic_id.mhrs_branch_code == branch)
        )
        if missing:
            missing.write({"missing_from_mhrs": True})
            counts["missing"] += len(missing)
        # Nothing else is written: "last seen" is derived from the runs (see _compute_last_seen_at).

    def create_synced(self, vals_list):
        """New appointments brought by the sync: no chatter, tracking or followers. One INSERT per
        thousand rows (tools/bulk_insert.py); through create() when another module added columns."""
        # MHRS holds what the sync brings: the record is in step with it from the start.
        vals_list = [{"mhrs_status_code": False, **vals, "mhrs_sync_state": "synced"} for vals in vals_list]
        created = insert_records(
            self.model,
            vals_list,
            lambda vals: {
                "mhrs_status": mhrs_status_of(vals["state"], vals["mhrs_status_code"], False),
            },
        )
        if created is None:
            created = self.model.with_context(**QUIET_CREATE).create(vals_list)
        return created

    def schedule_lines(self, company, rows):
        """Local schedule blocks by MHRS schedule id (KesinCetvelId), in one search."""
        refs = list({str(row["schedule_id"]) for row in rows if row.get("schedule_id")})
        if not refs:
            return {}
        lines = self.env["mhrs.schedule.line"].search(
            [("company_id", "=", company.id), ("mhrs_schedule_id", "in", refs)]
        )
        return {line.mhrs_schedule_id: line.id for line in lines}

    def find_partners(self, rows):
        """Patients by TCKN: one search for the batch, the unknown ones created in one call."""
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        wanted = {}
        for row in rows:
            tckn = (row.get("patient_tckn") or "").strip()
            if is_valid_tckn(tckn) and tckn not in wanted:
                wanted[tckn] = row
        found = {}
        # Only the TCKN is read: a plain search would prefetch every column of thousands of partners.
        partners = Partner.search_fetch([("tckn", "in", list(wanted))], ["tckn"], order="id")
        # The TCKNs read from the cache in one go (one field access per record costs more than the query).
        for partner, tckn in zip(partners, partners.mapped("tckn"), strict=True):
            found.setdefault(tckn, partner)
        missing = [tckn for tckn in wanted if tckn not in found]
        if missing:
            # A person without parent: the values the computes would find (salesperson, company type)
            # are given, so they are not computed per record; no chatter, tracking or follower.
            created = Partner.with_context(**QUIET_CREATE).create(
                [
                    {
                        "name": self.patient_name(wanted[tckn]) or tckn,
                        "tckn": tckn,
                        "phone": wanted[tckn].get("phone") or False,
                        "type": "contact",
                        "is_company": False,
                        "user_id": False,
                    }
                    for tckn in missing
                ]
            )
            found.update(zip(missing, created, strict=True))
        return found

    def from_wire(self, value):
        """tools.dates.from_wire, once per distinct time: a day's 12,000 appointments start and end at
        a few dozen times (a datetime is immutable, so one is shared by many rows)."""
        try:
            return self._utc[value]
        except KeyError:
            if len(self._utc) > 10000:  # a long window: start afresh rather than grow
                self._utc.clear()
            self._utc[value] = utc = from_wire(value)
            return utc
        except TypeError:
            return from_wire(value)

    @staticmethod
    def patient_name(row):
        return " ".join(part for part in (row.get("patient_name"), row.get("patient_surname")) if part)

    def row_vals(self, row, partners, physician_by_tckn, clinic_by_code, appointment=None, current=None):
        """The record values of one facade appointment row (wire/client.py, appointment_query);
        ``current`` is what ``cached_values`` gave for the batch, if it did."""
        tckn = (row.get("patient_tckn") or "").strip()
        channel = str(row.get("channel") or "")
        if row.get("record_status") == 2:
            state = "cancelled"
            # Neither G2 nor MHRS V2 says who cancelled: what Odoo knew is kept; a cancellation Odoo did
            # not make is taken as the patient's (an approved exception relabels its own).
            cancelled_by = self.stored(appointment, "cancelled_by", current) or "patient_mhrs"
        else:
            state = {1: "attended", 2: "no_show"}.get(row.get("status"), "booked")
            cancelled_by = False
            if state == "booked" and self.stored(appointment, "state", current) in ("attended", "no_show"):
                # Checked in here, status not yet sent to MHRS: keep the local status.
                state = appointment.state
        physician = physician_by_tckn.get(row.get("physician"))
        vals = {
            "partner_id": partners[tckn].id if tckn in partners else False,
            "patient_tckn": tckn or False,
            "patient_name": self.patient_name(row) or False,
            "patient_phone": row.get("phone") or False,
            "physician_id": physician.id if physician else False,
            "physician_tckn": row.get("physician") or False,
            "clinic_id": clinic_by_code[row["clinic"]].id if row.get("clinic") in clinic_by_code else False,
            "mhrs_schedule_ref": str(row["schedule_id"]) if row.get("schedule_id") else False,
            "date_start": self.from_wire(row.get("start")),
            "date_end": self.from_wire(row.get("end")),
            "mhrs_channel": channel if channel in CHANNEL_CODES else False,
            "note": row.get("note") or False,
            "state": state,
            "cancelled_by": cancelled_by,
            "missing_from_mhrs": False,
            "mhrs_booked_at": from_wire(row.get("created")),
        }
        # What an interface does not return is kept (MHRS V2 may leave out the name); the same phone
        # written without its leading zero or with spaces is the same phone.
        for name in ("patient_name", "mhrs_schedule_ref"):  # G2 does not return the schedule id
            if appointment and not vals[name]:
                del vals[name]
        phone = vals["patient_phone"]
        if appointment and (
            not phone
            or phone == (known := self.stored(appointment, "patient_phone", current))
            or same_phone(phone, known)
        ):
            del vals["patient_phone"]
        # A status MHRS already holds is recorded as sent.
        code = str(row.get("status") or "")
        if row.get("record_status") != 2 and code in (STATUS_ATTENDED, STATUS_NOT_ATTENDED):
            vals["mhrs_status_code"] = code
        return vals

    def cached_values(self, records):
        """{field name: {record id: raw cached value}} of the SYNC_FIELDS the cache holds for every one
        of ``records`` (filled by the batch's first read): ``diff`` then looks a value up in a dict
        instead of asking the cache, 18 fields of thousands of records per batch."""
        cache, values = self.env.cache, {}
        for name in SYNC_FIELDS:
            cached = cache.get_until_miss(records, records._fields[name])
            if len(cached) == len(records):
                values[name] = dict(zip(records._ids, cached, strict=True))
        return values

    @staticmethod
    def stored(appointment, name, current=None):
        """The value of a SYNC_FIELDS scalar of ``appointment`` (False for none), from ``current``
        (cached_values) when it has it: no record read per row."""
        if not appointment:
            return False
        try:
            return current[name][appointment.id] or False
        except (KeyError, TypeError):
            return appointment[name]

    def diff(self, appointment, vals, current_values=None):
        """The values of ``vals`` that differ from the record (an unchanged sync writes nothing);
        ``current_values`` is what ``cached_values`` gave for the batch, if it did."""
        appointment.ensure_one()
        diff = {}
        cache = self.env.cache
        current_values = current_values or {}
        for name in SYNC_FIELDS:
            if name not in vals:
                continue
            field = appointment._fields[name]
            try:
                # The raw cached value (a many2one as its id): thousands of records per batch, so no
                # record is built per field; the batch's first read filled the cache for all of them.
                current = current_values[name][appointment.id]
            except KeyError:
                try:
                    current = cache.get(appointment, field)
                except CacheMiss:
                    current = appointment[name]
                    current = current.id if field.type == "many2one" else current
            current = current or (0 if field.type == "integer" else False)
            new = vals[name]
            if name == "mhrs_booked_at" and (not new or current):
                # Only filled in once: the booking time never changes at MHRS.
                continue
            if current != new:
                diff[name] = new
        code = vals.get("mhrs_status_code")
        if code and code != appointment.mhrs_status_code:
            diff["mhrs_status_code"] = code
            diff["mhrs_status_error"] = False
        return diff

    def last_periodic_run(self, company):
        return (
            self.env["mhrs.sync.run"]
            .sudo()
            .search(
                [("company_id", "=", company.id), ("kind", "=", "periodic"), ("state", "=", "done")],
                order="started_at desc, id desc",
                limit=1,
            )
        )

    def periodic_window(self, company, now):
        """From the start of the last successful periodic run (so an outage leaves no gap), or from
        the local start of today for the first run, to now + the horizon; only to the end of the near
        days when a successful run covered the whole horizon less than FAR_REFRESH ago."""
        last = self.last_periodic_run(company)
        if last:
            start = max(min(last.started_at, now), now - MAX_LOOKBACK)
        else:
            start = today_bounds(company, now)[0]
        end = now + timedelta(days=company.mhrs_sync_horizon_days or 1)
        today = local_now(company, now).date()
        near_end = local_day_bounds(company, today + timedelta(days=NEAR_DAYS - 1))[1]
        far_fresh = near_end < end and self.env["mhrs.sync.run"].sudo().search_count(
            [
                ("company_id", "=", company.id),
                ("kind", "=", "periodic"),
                ("state", "=", "done"),
                ("window_end", ">", end - FAR_REFRESH),
            ],
            limit=1,
        )
        return start, near_end if far_fresh else end

    def periodic_due(self, company, now):
        """Due when the cadence (shortest appointment duration, less a small tolerance) has passed since
        the last periodic attempt; after failed or partial attempts in a row (MHRS down), the cadence
        doubled per failure up to MAX_BACKOFF, so an outage is not hammered every minute. The window
        still starts at the last success (periodic_window)."""
        cadence = timedelta(minutes=company.mhrs_shortest_duration or 10)
        attempts = (
            self.env["mhrs.sync.run"]
            .sudo()
            .search_fetch(
                [("company_id", "=", company.id), ("kind", "=", "periodic")],
                ["started_at", "state"],
                order="started_at desc, id desc",
                limit=8,
            )
        )
        if not attempts:
            return True
        failures = 0
        for attempt in attempts:
            if attempt.state == "done":
                break
            failures += 1
        wait = cadence
        if failures:
            wait = max(cadence, min(cadence * 2 ** (failures - 1), MAX_BACKOFF))
        return now >= attempts[0].started_at + wait - min(DUE_TOLERANCE, cadence / 2)

    def eod_target(self, company, now):
        """The local day an end-of-day run must cover now, or None. After the end-of-day time: tomorrow.
        Before it: today, when yesterday's end-of-day run is missing (catch-up)."""
        local = local_now(company, now)
        hours = local.hour + local.minute / 60
        today = local.date()
        target = today + timedelta(days=1) if hours >= (company.mhrs_eod_sync_time or 0) else today
        done = (
            self.env["mhrs.sync.run"]
            .sudo()
            .search_count(
                [
                    ("company_id", "=", company.id),
                    ("kind", "=", "end_of_day"),
                    ("state", "=", "done"),
                    ("covered_date", "=", target),
                ]
            )
        )
        return None if done else target

    def check_failed_statuses(self, company, now):
        """Once a day, with the end-of-day sync: the appointments of the last days whose status failed
        (refused, or the day ended while MHRS was unreachable) are queried again, per day, for their
        physicians. A status MHRS did take, its answer lost before an outage, is then recorded as sent
        (tracked in the chatter); the others stay failed and reported."""
        today = today_bounds(company, now)[0]
        failed = self.model.search(
            [
                ("company_id", "=", company.id),
                ("mhrs_status", "=", "failed"),
                ("date_start", "<", today),
                ("date_start", ">=", today - DAY_ENDED_LOOKBACK),
            ]
        )
        by_day = defaultdict(self.model.browse)
        for appointment in failed:
            by_day[appointment._mhrs_local_day()] |= appointment
        runs = self.env["mhrs.sync.run"]
        for day, of_day in sorted(by_day.items()):
            start, end = local_day_bounds(company, day)
            runs |= self.sync_window(
                company, start, end, of_day.physician_id, kind="status_check", covered_date=day
            )
        return runs
