"""Demo data: the institution the addon's demo company talks to (no clinics: Odoo registers them)."""

from .codes import BRANCHES

DEMO_INSTITUTION = {
    "code": 1234567,
    "username": "demo",
    "password": "demo-password",
    "name": "Demo Devlet Hastanesi",
}
DEMO_BRANCHES = (157, 132, 171, 165)


def seed_demo(simulator):
    """Seed the demo institution; every branch of docs/mhrs-domain.md §4 stays known. Idempotent."""
    branches = [{"code": code, "name": BRANCHES[code]} for code in DEMO_BRANCHES]
    branches += [{"code": code, "name": name} for code, name in BRANCHES.items() if code not in DEMO_BRANCHES]
    return simulator.seed({"institution": dict(DEMO_INSTITUTION), "branches": branches})
