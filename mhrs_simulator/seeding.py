"""Seeding through the control interface (and demo.py): the same checks as the operations."""

from datetime import time

from .clock import parse_datetime
from .codes import SimError
from .state import next_id
from .tckn import is_valid


def _dt(value):
    return parse_datetime(value) if isinstance(value, str) else value


class SeedOps:
    def seed(self, data):
        """Add (or update) an institution and its master data; returns the ids, in the order given."""
        with self.lock:
            result = self._seed(data)
        self.changed()
        return result

    def _seed(self, data):
        out = {}
        if data.get("institution"):
            out["institution"] = self._seed_institution(data["institution"])
        for branch in data.get("branches", []):
            self.state["branches"][str(int(branch["code"]))] = branch.get("name") or str(branch["code"])
        out["branches"] = [int(b["code"]) for b in data.get("branches", [])]
        out["physicians"] = [self._seed_physician(p) for p in data.get("physicians", [])]
        institution = out.get("institution") or data.get("institution_code") or self._default_institution()
        out["clinics"] = [self._seed_clinic(institution, c) for c in data.get("clinics", [])]
        out["templates"] = [self._seed_template(institution, t) for t in data.get("templates", [])]
        out["schedules"] = [self._seed_schedule(institution, s) for s in data.get("schedules", [])]
        if "settings" in data:
            self.state["settings"].update(data["settings"])
        return out

    def _default_institution(self):
        codes = sorted(int(code) for code in self.state["institutions"])
        return codes[0] if codes else None

    def _seed_institution(self, inst):
        code = int(inst["code"])
        self.state["institutions"][str(code)] = {
            "code": code,
            "username": inst["username"],
            "password": inst["password"],
            "name": inst.get("name") or str(code),
            # the new wires log in with a numeric user code (REST kullaniciAdi, G2 KullaniciKodu)
            "user_code": str(inst.get("user_code") or code),
        }
        return code

    def _seed_physician(self, p):
        if not is_valid(p["tckn"]):
            raise SimError("GEN-005", f"Geçersiz T.C. kimlik numarası: {p['tckn']}")
        self.state["physicians"][p["tckn"]] = {
            "tckn": p["tckn"],
            "name": p.get("name", ""),
            "surname": p.get("surname", ""),
        }
        return p["tckn"]

    def _seed_clinic(self, institution, c):
        # Idempotent: seeding the same clinic twice returns the existing AltKlinikKodu.
        for clinic in self.state["clinics"].values():
            if (
                clinic["institution"] == institution
                and clinic["branch"] == int(c["branch"])
                and clinic["active"]
                and clinic["name"].casefold() == c["name"].strip().casefold()
            ):
                return clinic["id"]
        payload = {
            "KlinikKodu": int(c["branch"]),
            "AltKlinikAdi": c["name"],
            "GoruntuluRandevu": c.get("video"),
        }
        return self.clinic_register(institution, payload)["AltKlinikKodu"]

    def _seed_template(self, institution, t):
        lines = [
            {
                "BaslangicSaati": time.fromisoformat(line["start"]),
                "BitisSaati": time.fromisoformat(line["end"]),
                "AksiyonKodu": int(line.get("action", 1)),
                "TedaviSuresi": line.get("slot_minutes"),
                "SlotBasinaDusenHastaSayisi": line.get("capacity"),
            }
            for line in t["lines"]
        ]
        return self.template_register(institution, {"SablonAdi": t["name"], "SablonSatiri": lines})[
            "SablonId"
        ]

    def _seed_schedule(self, institution, s):
        detail = {
            "HekimKodu": s["physician"],
            "KlinikKodu": int(s["branch"]),
            "AltKlinikKodu": int(s["clinic"]),
            "SablonId": s.get("template"),
            "AksiyonKodu": int(s.get("action", 1)),
            "TedaviSuresi": s.get("slot_minutes"),
            "SlotBasinaDusenHastaSayisi": s.get("capacity"),
            "TarihBilgileri": {"BaslangicZamani": _dt(s["start"]), "BitisZamani": _dt(s["end"])},
        }
        fields = self._block(institution, detail)
        schedule_id = next_id(self.state, "schedule")
        self.state["schedules"][str(schedule_id)] = dict(
            fields, id=schedule_id, institution=institution, ref=s.get("ref"), active=True, created=self.now()
        )
        return schedule_id
