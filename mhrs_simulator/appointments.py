"""Appointments (operations 14-17) and exceptions (operation 13)."""

from datetime import timedelta

from .clock import local
from .codes import (
    ACTIONS,
    ACTIVE,
    APPROVED,
    ATTENDED,
    BOOKABLE_ACTIONS,
    CANCEL_EXCEPTION,
    CANCEL_INSTITUTION,
    CANCELLED,
    CHANNEL_HOSPITAL,
    NOT_ATTENDED,
    PENDING,
    REJECTED,
    SimError,
    message,
)
from .state import next_id
from .tckn import is_valid

STATUS_NAMES = {ATTENDED: "Geldi", NOT_ATTENDED: "Gelmedi"}


def _in_range(value, start, end):
    return start <= value < end


def _appointment_out(a):
    return {
        "RandevuHrn": a["hrn"],
        "TarihBilgileri": {"BaslangicZamani": a["start"], "BitisZamani": a["end"]},
        "KesinCetvelId": a["schedule"],
        "KlinikKodu": a["branch"],
        "AltKlinikKodu": a["clinic"],
        "HekimKodu": a["physician"],
        "HastaTCKimlikNo": a["tckn"],
        "HastaAdi": a["name"],
        "HastaSoyadi": a["surname"],
        "HastaDogumTarihi": a.get("birth"),
        "Cinsiyet": a.get("gender"),
        "TelefonNo": a.get("phone"),
        "KayitDurumKodu": a["record_status"],
        "DurumKodu": a["status"],
        "IptalEdenTipi": a.get("cancelled_by"),
        "RandevuTuru": a.get("type"),
        "RandevuNotu": a.get("note"),
        "EkleyenKullaniciTipi": a["channel"],
        "EklenmeZamani": a["created"],
        "GuncellenmeZamani": a["updated"],
    }


def _exception_out(e):
    return {
        "IstisnaId": e["id"],
        "HekimKodu": e["physician"],
        "KlinikKodu": e["branch"],
        "AltKlinikKodu": e["clinic"],
        "TarihBilgileri": {"BaslangicZamani": e["start"], "BitisZamani": e["end"]},
        "AksiyonKodu": e["action"],
        "Aciklama": e["description"],
        "IstisnaDurumKodu": e["status"],
        "RedNedeni": e.get("reason"),
    }


class AppointmentOps:
    # -- booking primitives (also used by the citizens control) ----------------------------------------
    def _free_capacity(self, schedule, start, end):
        """Remaining places of the slot [start, end) of ``schedule``; 0 when it is no slot at all."""
        if not schedule["active"] or schedule["action"] not in BOOKABLE_ACTIONS:
            return 0
        step = timedelta(minutes=schedule["slot"])
        offset = start - schedule["start"]
        if offset < timedelta(0) or offset % step or end != start + step or end > schedule["end"]:
            return 0
        if self._closed(schedule, start, end):
            return 0
        return schedule["capacity"] - len(self._slot_index_get(schedule["id"]).get(start, ()))

    def book(self, schedule, start, end, citizen, channel, note=None):
        """Create an appointment in a slot already checked to be free; returns the record."""
        now = self.now()
        hrn = f"{local(start):%Y%m%d}{next_id(self.state, 'appointment'):08d}"
        birth = citizen.get("DogumTarihi")
        # "Onaylı randevu" (docs/mhrs-domain.md §6.3): booked within two days of the date = confirmed.
        confirmed = (local(start).date() - local(now).date()).days <= 2
        record = {
            "hrn": hrn,
            "institution": schedule["institution"],
            "schedule": schedule["id"],
            "physician": schedule["physician"],
            "branch": schedule["branch"],
            "clinic": schedule["clinic"],
            "start": start,
            "end": end,
            "tckn": citizen["TCKimlikNo"],
            "name": citizen["Ad"],
            "surname": citizen["Soyad"],
            "birth": birth.isoformat() if birth else None,
            "gender": citizen.get("Cinsiyet"),
            "phone": citizen.get("TelefonNo"),
            "email": citizen.get("Email"),
            "note": note,
            "record_status": ACTIVE,
            "status": 0,
            "cancelled_by": None,
            "type": None,
            "channel": channel,
            "created": now,
            "updated": now,
            "confirmed": confirmed,
        }
        self.state["appointments"][hrn] = record
        self._slot_index().setdefault(schedule["id"], {}).setdefault(start, set()).add(hrn)
        return record

    def cancel(self, appointment, by):
        appointment.update(record_status=CANCELLED, cancelled_by=by, updated=self.now())
        self._slot_index_get(appointment["schedule"]).get(appointment["start"], set()).discard(
            appointment["hrn"]
        )

    def _appointment(self, institution, hrn):
        appointment = self.state["appointments"].get(hrn or "")
        if not appointment or appointment["institution"] != institution:
            raise SimError("RND-002")
        return appointment

    # -- operations 14-17 --------------------------------------------------------------------------------
    def appointment_register(self, institution, p):
        citizen = p["VatandasBilgileri"]
        if not is_valid(citizen["TCKimlikNo"]):
            raise SimError("GEN-005")
        if not (citizen.get("TelefonNo") or "").strip():
            raise SimError("RND-004")
        when = p["RandevuZamanBilgisi"]
        start, end = when["RandevuBaslangicZamani"], when["RandevuBitisZamani"]
        if start <= self.now():
            raise SimError("RND-005")
        schedule = self.state["schedules"].get(str(p["KesinCetvelId"]))
        if (
            not schedule
            or schedule["institution"] != institution
            or self._free_capacity(schedule, start, end) < 1
        ):
            raise SimError("RND-001")
        record = self.book(schedule, start, end, citizen, CHANNEL_HOSPITAL, p.get("RandevuNotu"))
        return {"RandevuHrn": record["hrn"]}

    def appointment_cancel(self, institution, p):
        appointment = self._appointment(institution, p["RandevuHrn"])
        if appointment["record_status"] == CANCELLED:
            raise SimError("RND-003")
        if appointment["start"] <= self.now():
            raise SimError("RND-005")
        self.cancel(appointment, CANCEL_INSTITUTION)
        appointment["cancel_reason"] = p.get("IptalNedeni")
        return {"RandevuHrn": appointment["hrn"]}

    def appointment_query(self, institution, p):
        start, end = self._range(p["TarihBilgileri"])
        physicians = set(p.get("HekimKodu") or ())
        rows = []
        for a in self._appointments_of(institution, physicians):
            if a["institution"] != institution or not _in_range(a["start"], start, end):
                continue
            if physicians and a["physician"] not in physicians:
                continue
            wanted = (
                ("KlinikKodu", "branch"),
                ("AltKlinikKodu", "clinic"),
                ("KayitDurumKodu", "record_status"),
            )
            if all(p.get(field) in (None, a[key]) for field, key in wanted):
                rows.append(a)
        rows.sort(key=lambda a: (a["start"], a["hrn"]))
        return {"KurumRandevuBilgileri": [_appointment_out(a) for a in rows]}

    def _appointments_of(self, institution, physicians):
        """The appointments to look at for a query: those of the given physicians (all when none), from
        an index by (institution, physician). Appointments are only ever added, so the index is rebuilt
        when the collection is another one (a reset) or has grown; the records are the state's own."""
        appointments = self.state["appointments"]
        if not physicians:
            return list(appointments.values())
        cached = getattr(self, "_physician_index", None)
        if cached is None or cached[0] is not appointments or cached[1] != len(appointments):
            index = {}
            for a in appointments.values():
                index.setdefault((a["institution"], a["physician"]), []).append(a)
            cached = self._physician_index = (appointments, len(appointments), index)
        return [a for physician in physicians for a in cached[2].get((institution, physician), ())]

    def appointment_set_status(self, institution, p):
        return {"RandevuDurumSonuc": [self._set_status(institution, item) for item in p["RandevuBilgileri"]]}

    def _status_error(self, institution, item):  # noqa: PLR0911 - one return per RDG rule
        """The RDG code refusing this item, or None (checks in the order MHRS would need the data)."""
        hrn, code = item["RandevuHrn"], item["DurumKodu"]
        appointment = self.state["appointments"].get(hrn)
        if appointment is None:
            return "RDG-003", message("RDG-003", hrn)
        if appointment["institution"] != institution:
            return "RDG-004", message("RDG-004")
        if code not in STATUS_NAMES:
            return "RDG-001", message("RDG-001", code)
        if appointment["record_status"] == CANCELLED:
            return "RDG-007", message("RDG-007")
        if self.now() < appointment["start"]:
            return "RDG-006", message("RDG-006")
        if code == ATTENDED and item.get("GelisZamani") is None:
            return "RDG-002", message("RDG-002")
        if appointment["status"] == code:
            return "RDG-008", message("RDG-008", code)
        return None

    def _set_status(self, institution, item):
        error = self._status_error(institution, item)
        if error is None or error[0] == "RDG-008":
            # Times the hospital sent this appointment a status MHRS could take (a repeat is answered
            # RDG-008): a status sent twice shows in the state (bench/scale.py counts them).
            appointment = self.state["appointments"][item["RandevuHrn"]]
            appointment["status_sets"] = appointment.get("status_sets", 0) + 1
        if error:
            return {
                "RandevuHrn": item["RandevuHrn"],
                "GuncellemeBasarisi": False,
                "HataKodu": error[0],
                "Aciklama": error[1],
            }
        appointment = self.state["appointments"][item["RandevuHrn"]]
        appointment.update(
            status=item["DurumKodu"],
            arrived=item.get("GelisZamani"),
            realized=item.get("RandevuGerceklesmeZamani"),
            updated=self.now(),
        )
        return {"RandevuHrn": appointment["hrn"], "GuncellemeBasarisi": True}

    # -- exceptions (operation 13) -------------------------------------------------------------------------
    def appointment_exception(self, institution, p):
        if p.get("IstisnaEkleme") is not None:
            record = self._exception_add(institution, p["IstisnaEkleme"])
            return {"IstisnaDetayBilgileri": [_exception_out(record)]}
        return {
            "IstisnaDetayBilgileri": [
                _exception_out(e) for e in self._exception_query(institution, p["IstisnaSorgulama"])
            ]
        }

    def _exception_scope(self, institution, p):
        physician = self._physician(p["HekimKodu"])["tckn"]
        branch = self._branch(p["KlinikKodu"])
        clinic = p.get("AltKlinikKodu")
        if clinic is not None and self._clinic(institution, clinic)["branch"] != branch:
            raise SimError("KLN-002", "Alt klinik bu klinik koduna ait değil.")
        return physician, branch, clinic

    def _exception_add(self, institution, p):
        physician, branch, clinic = self._exception_scope(institution, p)
        start, end = self._range(p["TarihBilgileri"])
        action = p["AksiyonKodu"]
        # An exception closes a bookable period for a reason (leave, surgery...): a bookable or unknown
        # action, a period already over, or a period with nothing bookable in it is meaningless.
        closes_something = any(
            s["active"]
            and s["institution"] == institution
            and s["physician"] == physician
            and s["branch"] == branch
            and clinic in (None, s["clinic"])
            and s["action"] in BOOKABLE_ACTIONS
            and s["start"] < end
            and start < s["end"]
            for s in self.state["schedules"].values()
        )
        if action not in ACTIONS or action in BOOKABLE_ACTIONS or end <= self.now() or not closes_something:
            raise SimError("IST-002")
        document = p.get("IstisnaDokumanBilgileri") or {}
        exception_id = next_id(self.state, "exception")
        record = {
            "id": exception_id,
            "institution": institution,
            "physician": physician,
            "branch": branch,
            "clinic": clinic,
            "start": start,
            "end": end,
            "action": action,
            "description": p["Aciklama"],
            "email": p.get("Email"),
            "phone": p.get("TelefonNo"),
            "document": document.get("IstisnaDokumanAdi"),
            "status": PENDING,
            "reason": None,
            "created": self.now(),
            "cancelled_appointments": [],
        }
        self.state["exceptions"][str(exception_id)] = record
        auto = self.state["settings"].get("auto_approve_exceptions")
        if auto is not None:
            self._decide(record, bool(auto), None if auto else "Otomatik red (simülatör ayarı).")
        return record

    def _exception_query(self, institution, p):
        start, end = self._range(p["TarihBilgileri"])
        if p.get("IstisnaId") is not None:
            record = self.state["exceptions"].get(str(p["IstisnaId"]))
            if not record or record["institution"] != institution:
                raise SimError("IST-001")
            rows = [record]
        else:
            rows = [
                e
                for e in self.state["exceptions"].values()
                if e["institution"] == institution and e["start"] < end and start < e["end"]
            ]
        if p.get("HekimKodu"):
            rows = [e for e in rows if e["physician"] == p["HekimKodu"]]
        return sorted(rows, key=lambda e: e["id"])

    def decide_exception(self, exception_id, approve, reason=None):
        """The Ministry's decision (control interface). Approval cancels the period's appointments."""
        with self.lock:
            record = self.state["exceptions"].get(str(exception_id))
            if record is None:
                raise SimError("IST-001")
            if record["status"] != PENDING:
                raise SimError("IST-002", "İstisna zaten sonuçlandırılmış.")
            self._decide(record, approve, reason)
        self.changed()
        return record

    def _decide(self, record, approve, reason):
        record.update(
            status=APPROVED if approve else REJECTED, reason=None if approve else reason, decided=self.now()
        )
        if not approve:
            return
        self.state["closures"].append(
            {key: record[key] for key in ("institution", "physician", "branch", "clinic", "start", "end")}
        )
        now = self.now()
        for a in list(self.state["appointments"].values()):
            if (
                a["record_status"] == ACTIVE
                and a["physician"] == record["physician"]
                and a["branch"] == record["branch"]
                and record["clinic"] in (None, a["clinic"])
                and a["start"] < record["end"]
                and record["start"] < a["end"]
                and a["start"] >= now
            ):
                self.cancel(a, CANCEL_EXCEPTION)
                record["cancelled_appointments"].append(a["hrn"])
