"""What the real MHRS (G2 SOAP and MHRS V2 REST) adds to the simulator's logic, on the same state:
institution branches, physician-branch links, draft blocks and their finalisation, slot ids.

The real workflow is enforced for the new wires: a branch is registered before its examination places
(clinics), a physician is linked to the branch before a block of theirs is accepted, a block is a draft
until it is finalised, and only final blocks open slots (issue #14).
"""

from datetime import timedelta

from .codes import PENDING, SimError
from .state import next_id

SLOT_FACTOR = 100000  # slotId = final block id * SLOT_FACTOR + slot index within the block


def _key(value):
    return str(value)


class RealWireOps:
    # -- accounts ------------------------------------------------------------------------------------
    def authenticate_user(self, user_code, password, institution_code=None):
        """The new wires log in with a numeric user code (seeded ``user_code``, else the institution code)
        and the institution's password; returns the institution code."""
        for inst in self.state["institutions"].values():
            if institution_code is not None and int(inst["code"]) != int(institution_code):
                continue
            if str(inst.get("user_code") or inst["code"]) == str(user_code) and inst["password"] == password:
                return inst["code"]
        raise SimError("GEN-001")

    # -- branches and physicians -----------------------------------------------------------------------
    def _inst_branches(self, institution):
        return self.state.setdefault("inst_branches", {}).setdefault(_key(institution), [])

    def branch_register(self, institution, branch):
        branch = self._branch(branch)
        with self.lock:
            registered = self._inst_branches(institution)
            if branch not in registered:
                registered.append(branch)
        self.changed()
        return branch

    def branch_query(self, institution):
        return [
            (b, self.state["branches"].get(_key(b), "")) for b in sorted(self._inst_branches(institution))
        ]

    def _registered_branch(self, institution, branch):
        branch = self._branch(branch)
        if branch not in self._inst_branches(institution):
            raise SimError("KLN-001", "Klinik kurumda tanımlı değil (önce kurum klinik ekleme).")
        return branch

    def physician_link(self, institution, branch, tckn, temporary=False):
        branch = self._registered_branch(institution, branch)
        physician = self._physician(str(tckn))["tckn"]
        with self.lock:
            links = self.state.setdefault("links", {}).setdefault(f"{institution}:{branch}", [])
            if physician not in links:
                links.append(physician)
        self.changed()

    def _check_link(self, institution, branch, tckn):
        if tckn not in self.state.setdefault("links", {}).get(f"{institution}:{branch}", []):
            raise SimError("CTV-004", "Hekim bu klinikte tanımlı değil (önce klinik hekim ekleme).")

    def clinic_register_real(self, institution, branch, name):
        self._registered_branch(institution, branch)
        return self.call("clinic_register", institution, {"KlinikKodu": branch, "AltKlinikAdi": name})[
            "AltKlinikKodu"
        ]

    # -- drafts ------------------------------------------------------------------------------------------
    def draft_add(self, institution, detail):
        """Validate one block as a schedule would be and keep it as a draft; returns the draft id."""
        with self.lock:
            if detail.get("AltKlinikKodu") is None:
                raise SimError("CTV-004", "Muayene yeri zorunludur.")
            self._registered_branch(institution, detail["KlinikKodu"])
            self._check_link(institution, int(detail["KlinikKodu"]), detail["HekimKodu"])
            fields = self._block(institution, detail)
            for other in self.state.setdefault("drafts", {}).values():
                if (
                    other["physician"] == fields["physician"]
                    and other["start"] < fields["end"]
                    and fields["start"] < other["end"]
                ):
                    raise SimError("CTV-001", f"{other['id']} numaralı taslak cetvel ile çakışıyor.")
            draft_id = next_id_default(self.state, "draft", 500000)
            self.state["drafts"][_key(draft_id)] = dict(fields, id=draft_id, institution=institution)
        self.changed()
        return draft_id

    def draft_delete(self, institution, draft_ids):
        with self.lock:
            drafts = self.state.setdefault("drafts", {})
            for draft_id in draft_ids:
                draft = drafts.get(_key(draft_id))
                if not draft or draft["institution"] != institution:
                    raise SimError("CTV-002", f"{draft_id} numaralı taslak cetvel bulunamadı.")
            for draft_id in draft_ids:
                del drafts[_key(draft_id)]
        self.changed()
        return list(draft_ids)

    def draft_finalise(self, institution, branch, start, end, physician=None, clinic=None):
        """The drafts of the branch (and physician / place) starting in [start, end] become final blocks;
        returns [(draft id, final id)]."""
        done = []
        with self.lock:
            drafts = self.state.setdefault("drafts", {})
            chosen = sorted(
                (
                    d
                    for d in drafts.values()
                    if d["institution"] == institution
                    and d["branch"] == int(branch)
                    and physician in (None, d["physician"])
                    and clinic in (None, -1, d["clinic"])
                    and start <= d["start"]
                    and d["start"] <= end
                ),
                key=lambda d: (d["start"], d["id"]),
            )
            for draft in chosen:
                self._check_conflict(draft["physician"], draft["start"], draft["end"], None)
            for draft in chosen:
                fields = {k: v for k, v in draft.items() if k not in ("id", "institution")}
                final_id = next_id(self.state, "schedule")
                self.state["schedules"][_key(final_id)] = dict(
                    fields,
                    id=final_id,
                    institution=institution,
                    ref=None,
                    active=True,
                    created=self.now(),
                    draft=draft["id"],
                )
                del drafts[_key(draft["id"])]
                done.append((draft["id"], final_id))
        self.changed()
        return done

    def final_add(self, institution, detail):
        """A block added to the final plan directly (REST plan change)."""
        with self.lock:
            self._check_link(institution, int(detail["KlinikKodu"]), detail["HekimKodu"])
            fields = self._block(institution, detail)
            final_id = next_id(self.state, "schedule")
            self.state["schedules"][_key(final_id)] = dict(
                fields, id=final_id, institution=institution, ref=None, active=True, created=self.now()
            )
        self.changed()
        return final_id

    # -- slots ---------------------------------------------------------------------------------------------
    def slot_rows(self, institution, branch, physician, start, end, clinic=None):
        """Every slot (free or full) of the physician's final blocks in [start, end)."""

        def match(s):
            return (
                s["branch"] == int(branch)
                and s["physician"] == str(physician)
                and clinic in (None, -1, s["clinic"])
            )

        rows = []
        with self.lock:
            for slot in self.iter_slots(start, end, institution, match):
                schedule = slot["schedule"]
                index = int((slot["start"] - schedule["start"]) / timedelta(minutes=schedule["slot"]))
                rows.append(
                    {
                        "slot_id": schedule["id"] * SLOT_FACTOR + index,
                        "schedule": schedule,
                        "start": slot["start"],
                        "end": slot["end"],
                        "free": len(slot["booked"]) < schedule["capacity"],
                    }
                )
        return rows

    def slot_by_id(self, institution, slot_id):
        schedule = self.state["schedules"].get(_key(int(slot_id) // SLOT_FACTOR))
        if not schedule or schedule["institution"] != institution:
            raise SimError("RND-001")
        step = timedelta(minutes=schedule["slot"] or 0)
        start = schedule["start"] + step * (int(slot_id) % SLOT_FACTOR)
        return schedule, start, start + step

    # -- exceptions -------------------------------------------------------------------------------------
    def exception_delete(self, institution, exception_id):
        """A pending exception may be withdrawn; a decided one stays (its appointments are cancelled)."""
        with self.lock:
            record = self.state["exceptions"].get(_key(exception_id))
            if not record or record["institution"] != institution:
                raise SimError("IST-001")
            if record["status"] != PENDING:
                raise SimError("IST-002", "Sonuçlanmış istisna silinemez.")
            del self.state["exceptions"][_key(exception_id)]
        self.changed()
        return int(exception_id)


def next_id_default(state, kind, start):
    state["seq"].setdefault(kind, start)
    return next_id(state, kind)
