"""What citizens and MHRS itself do between the hospital's calls: bookings, cancellations, 20:00 rule."""

import random
from datetime import timedelta

from .clock import local
from .codes import ACTIVE, CANCEL_AUTOMATIC, CANCEL_CITIZEN
from .tckn import generate

FIRST_NAMES = [
    "Ayşe",
    "Fatma",
    "Emine",
    "Hatice",
    "Zeynep",
    "Elif",
    "Mehmet",
    "Mustafa",
    "Ahmet",
    "Ali",
    "Hüseyin",
    "Hasan",
    "İbrahim",
    "Murat",
    "Can",
    "Deniz",
    "Özge",
    "Şule",
    "Çağrı",
    "Gül",
]
SURNAMES = [
    "Yılmaz",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "Yıldız",
    "Yıldırım",
    "Öztürk",
    "Aydın",
    "Özdemir",
    "Arslan",
    "Doğan",
    "Kılıç",
    "Aslan",
    "Çetin",
    "Kara",
    "Koç",
    "Kurt",
    "Özkan",
    "Şimşek",
]


def random_citizen(rng):
    return {
        "TCKimlikNo": generate(rng),
        "Ad": rng.choice(FIRST_NAMES),
        "Soyad": rng.choice(SURNAMES),
        "Cinsiyet": rng.choice([1, 2]),
        "TelefonNo": f"05{rng.randint(30, 59)}{rng.randint(0, 9999999):07d}",
        "DogumTarihi": None,
    }


class CitizenOps:
    def citizens(self, bookings=0, cancellations=0, seed=None, window=None, institution=None):
        """N random bookings in free future slots and M random citizen cancellations of active
        future appointments; returns the HRNs so tests can look for exactly these in the addon."""
        rng = random.Random(seed)
        with self.lock:
            now = self.now()
            start, end = (
                (window or {}).get("start") or now,
                (window or {}).get("end") or now + timedelta(days=14),
            )
            booked = self._random_bookings(rng, bookings, max(start, now), end, institution)
            cancelled = self._random_cancellations(rng, cancellations, now, booked, institution)
        self.changed()
        return {"booked": booked, "cancelled": cancelled}

    def _random_bookings(self, rng, count, start, end, institution):
        places = []  # one entry per free place, so a slot of capacity 3 can be drawn three times
        for slot in self.iter_slots(start, end, institution):
            if slot["start"] > start:
                places += [slot] * (slot["schedule"]["capacity"] - len(slot["booked"]))
        booked = []
        for slot in rng.sample(places, min(count, len(places))):
            record = self.book(
                slot["schedule"], slot["start"], slot["end"], random_citizen(rng), rng.choice([2, 3])
            )
            booked.append(record["hrn"])
        return booked

    def _random_cancellations(self, rng, count, now, exclude, institution):
        candidates = sorted(
            a["hrn"]
            for a in self.state["appointments"].values()
            if a["record_status"] == ACTIVE
            and a["start"] > now
            and a["hrn"] not in exclude
            and institution in (None, a["institution"])
        )
        cancelled = rng.sample(candidates, min(count, len(candidates)))
        for hrn in cancelled:
            self.cancel(self.state["appointments"][hrn], CANCEL_CITIZEN)
        return cancelled

    def auto_cancel(self, share=1.0, seed=None):
        """The 20:00 rule (docs/mhrs-domain.md §6.3): MHRS cancels tomorrow's unconfirmed appointments.
        ``share`` < 1 cancels only that random part of them (the others are taken as confirmed now)."""
        rng = random.Random(seed)
        with self.lock:
            tomorrow = local(self.now()).date() + timedelta(days=1)
            due = sorted(
                a["hrn"]
                for a in self.state["appointments"].values()
                if a["record_status"] == ACTIVE
                and not a.get("confirmed")
                and local(a["start"]).date() == tomorrow
            )
            cancelled = [hrn for hrn in due if rng.random() < share]
            for hrn in due:
                if hrn in cancelled:
                    self.cancel(self.state["appointments"][hrn], CANCEL_AUTOMATIC)
                else:
                    self.state["appointments"][hrn]["confirmed"] = True
        self.changed()
        return {"cancelled": cancelled}
