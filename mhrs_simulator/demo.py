"""Demo data: the institution the addon's demo company talks to (no clinics: Odoo registers them)."""

from .codes import BRANCHES

DEMO_INSTITUTION = {
    "code": 1234567,
    "username": "demo",
    "password": "demo-password",
    "name": "Demo Devlet Hastanesi",
}
# The second demo hospital of the addon (SOAP G2); its user code is its institution code.
DEMO_INSTITUTION_G2 = {
    "code": 1234568,
    "username": "demo-g2",
    "password": "demo-g2-password",
    "name": "Demo Eğitim ve Araştırma Hastanesi",
}
DEMO_BRANCHES = (157, 132, 171, 165)


def seed_demo(simulator):
    """Seed the demo institution; every branch of docs/mhrs-domain.md §4 stays known. Idempotent."""
    branches = [{"code": code, "name": BRANCHES[code]} for code in DEMO_BRANCHES]
    branches += [{"code": code, "name": name} for code, name in BRANCHES.items() if code not in DEMO_BRANCHES]
    simulator.seed({"institution": dict(DEMO_INSTITUTION_G2)})
    return simulator.seed({"institution": dict(DEMO_INSTITUTION), "branches": branches})
