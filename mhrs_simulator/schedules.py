"""Schedules (KesinCetvel, operations 9-12) and the slots they open (operation 18)."""

from datetime import timedelta

from .clock import local
from .codes import ACTIVE, BOOKABLE_ACTIONS, SimError, block_is_valid
from .state import next_id


def _overlaps(a_start, a_end, b_start, b_end):
    return a_start < b_end and b_start < a_end


def _one_day(start, end):
    """A block is one time range of one day (contract.md); ending at the next midnight is allowed."""
    start, end = local(start), local(end)
    if end.date() == start.date():
        return True
    return end.date() == start.date() + timedelta(days=1) and end.time() == end.time().min


def _detail(schedule):
    return {
        "HekimKodu": schedule["physician"],
        "KlinikKodu": schedule["branch"],
        "AltKlinikKodu": schedule["clinic"],
        "SablonId": schedule["template"],
        "AksiyonKodu": schedule["action"],
        "TedaviSuresi": schedule["slot"],
        "SlotBasinaDusenHastaSayisi": schedule["capacity"],
        "TarihBilgileri": {"BaslangicZamani": schedule["start"], "BitisZamani": schedule["end"]},
    }


class ScheduleOps:
    # -- validation ----------------------------------------------------------------------------------
    def _schedule(self, institution, schedule_id):
        schedule = self.state["schedules"].get(str(schedule_id))
        if not schedule or schedule["institution"] != institution or not schedule["active"]:
            raise SimError("CTV-002")
        return schedule

    def _slot_settings(self, institution, d, start):
        """Slot length and capacity from the block, else from the template line covering the block."""
        slot, capacity, template_id = (
            d.get("TedaviSuresi"),
            d.get("SlotBasinaDusenHastaSayisi"),
            d.get("SablonId"),
        )
        if template_id is None:
            return slot, capacity
        template = self._template(institution, template_id)
        if not template["active"]:
            raise SimError("SBL-001")
        begin = local(start).strftime("%H:%M:%S")
        for line in template["lines"]:
            if (
                line["AksiyonKodu"] == d["AksiyonKodu"]
                and line["BaslangicSaati"] <= begin < line["BitisSaati"]
            ):
                return (slot or line["TedaviSuresi"], capacity or line["SlotBasinaDusenHastaSayisi"])
        return slot, capacity

    def _block(self, institution, d, exclude=None):
        """Validate one CetvelDetayBilgileri and return the schedule fields, or raise the first error."""
        physician = self._physician(d["HekimKodu"])["tckn"]
        branch = self._branch(d["KlinikKodu"])
        clinic = self._clinic(institution, d["AltKlinikKodu"], active=True)
        if clinic["branch"] != branch:
            raise SimError("KLN-002", "Alt klinik bu klinik koduna ait değil.")
        start, end = self._range(d["TarihBilgileri"])
        slot, capacity = self._slot_settings(institution, d, start)
        minutes = (end - start).total_seconds() / 60
        if not _one_day(start, end) or not block_is_valid(d["AksiyonKodu"], slot, capacity, minutes):
            raise SimError("CTV-004")
        self._check_conflict(physician, start, end, exclude)
        return {
            "physician": physician,
            "branch": branch,
            "clinic": clinic["id"],
            "template": d.get("SablonId"),
            "action": d["AksiyonKodu"],
            "slot": slot,
            "capacity": capacity,
            "start": start,
            "end": end,
        }

    def _check_conflict(self, physician, start, end, exclude):
        # A physician is in one place at a time: blocks conflict across every clinic and institution.
        for other in self.state["schedules"].values():
            if (
                other["active"]
                and other["physician"] == physician
                and other["id"] != exclude
                and _overlaps(start, end, other["start"], other["end"])
            ):
                raise SimError("CTV-001", f"{other['id']} numaralı cetvel ile çakışıyor.")

    def _has_bookings(self, schedule):
        return any(self._slot_index_get(schedule["id"]).values())

    # -- operations ----------------------------------------------------------------------------------
    def schedule_register(self, institution, p):
        answers = []
        for item in p["CetvelBilgileri"]:
            ref = item.get("ReferansNo")
            try:
                fields = self._block(institution, item["CetvelDetayBilgileri"])
            except SimError as error:
                answers.append({"ReferansNo": ref, "HataKodu": error.code, "Aciklama": error.text})
                continue
            schedule_id = next_id(self.state, "schedule")
            self.state["schedules"][str(schedule_id)] = dict(
                fields, id=schedule_id, institution=institution, ref=ref, active=True, created=self.now()
            )
            answers.append({"ReferansNo": ref, "KesinCetvelId": schedule_id})
        return {"CetvelCevap": answers}

    def schedule_update(self, institution, p):
        schedule = self._schedule(institution, p["KesinCetvelId"])
        if self._has_bookings(schedule):
            raise SimError("CTV-003")
        schedule.update(self._block(institution, p["CetvelDetayBilgileri"], exclude=schedule["id"]))
        return {"KesinCetvelId": schedule["id"]}

    def schedule_query(self, institution, p):
        start, end = self._range(p["TarihBilgileri"])
        rows = []
        for s in self.state["schedules"].values():
            if not (
                s["institution"] == institution
                and s["active"]
                and _overlaps(start, end, s["start"], s["end"])
            ):
                continue
            wanted = (
                ("KlinikKodu", "branch"),
                ("AltKlinikKodu", "clinic"),
                ("HekimKodu", "physician"),
                ("AksiyonKodu", "action"),
            )
            if all(p.get(field) in (None, s[key]) for field, key in wanted):
                rows.append(s)
        rows.sort(key=lambda s: (s["start"], s["id"]))
        return {
            "CetvelBilgileri": [
                {"KesinCetvelId": s["id"], "ReferansNo": s.get("ref"), "CetvelDetayBilgileri": _detail(s)}
                for s in rows
            ]
        }

    def schedule_cancel(self, institution, p):
        # All or nothing: a batch with one bad id changes nothing, so the caller can simply resend.
        schedules = [self._schedule(institution, sid) for sid in p["KesinCetvelId"]]
        for schedule in schedules:
            if self._has_bookings(schedule):
                raise SimError("CTV-003", f"{schedule['id']} numaralı cetvelde alınmış randevular var.")
        for schedule in schedules:
            schedule.update(active=False, cancelled=self.now())
        return {"KesinCetvelId": [s["id"] for s in schedules]}

    # -- slots -----------------------------------------------------------------------------------------
    def _slot_index(self):
        """(schedule id, slot start) -> set of active HRNs; rebuilt lazily after reset/load."""
        if self._slot_index_cache is None:
            index = {}
            for a in self.state["appointments"].values():
                if a["record_status"] == ACTIVE:
                    index.setdefault(a["schedule"], {}).setdefault(a["start"], set()).add(a["hrn"])
            self._slot_index_cache = index
        return self._slot_index_cache

    def _slot_index_get(self, schedule_id):
        return self._slot_index().get(schedule_id, {})

    def _slot_times(self, schedule):
        if not schedule["active"] or schedule["action"] not in BOOKABLE_ACTIONS:
            return
        step = timedelta(minutes=schedule["slot"])
        begin = schedule["start"]
        while begin + step <= schedule["end"]:
            yield begin, begin + step
            begin += step

    def _closed(self, schedule, start, end):
        for c in self.state["closures"]:
            if (
                c["physician"] == schedule["physician"]
                and c["branch"] == schedule["branch"]
                and c.get("clinic") in (None, schedule["clinic"])
                and _overlaps(start, end, c["start"], c["end"])
            ):
                return True
        return False

    def iter_slots(self, start, end, institution=None, match=None):
        """Open (not closed) slots starting in [start, end): dicts with the schedule and the booked HRNs."""
        for s in sorted(self.state["schedules"].values(), key=lambda s: (s["start"], s["id"])):
            if institution not in (None, s["institution"]) or not _overlaps(start, end, s["start"], s["end"]):
                continue
            if match and not match(s):
                continue
            booked = self._slot_index_get(s["id"])
            for begin, finish in self._slot_times(s):
                if start <= begin < end and not self._closed(s, begin, finish):
                    yield {"schedule": s, "start": begin, "end": finish, "booked": booked.get(begin, set())}

    def slot_query(self, institution, p):
        branch = self._branch(p["KlinikKodu"])
        start, end = self._range(p["TarihBilgileri"])

        def match(s):
            return (
                s["branch"] == branch
                and p.get("AltKlinikKodu") in (None, s["clinic"])
                and p.get("HekimKodu") in (None, s["physician"])
            )

        return {
            "Slot": [
                {
                    "KesinCetvelId": slot["schedule"]["id"],
                    "HekimKodu": slot["schedule"]["physician"],
                    "KlinikKodu": branch,
                    "AltKlinikKodu": slot["schedule"]["clinic"],
                    "BaslangicZamani": slot["start"],
                    "BitisZamani": slot["end"],
                    "Kapasite": slot["schedule"]["capacity"],
                    "DoluSayisi": len(slot["booked"]),
                }
                for slot in self.iter_slots(start, end, institution, match)
            ]
        }
