"""Fixtures for the simulator's tests (plain pytest, no Odoo), over the real wires the simulator serves.

- ``sim_server`` (session): a ``SimulatorServer`` on a free loopback port, started once, validating its own
  G2 answers against its copy of the G2 schema (``check_responses``). Use ``sim_server.base_url`` (REST
  under ``/api/rs/``), ``sim_server.g2_url``, ``sim_server.control_url`` and ``sim_server.simulator``
  (the in-process ``Simulator``).
- ``sim_reset`` (per test): resets state, faults, request log and clock of ``sim_server`` and fails the test
  if the simulator produced a G2 answer that does not match the schema.
- ``sim`` (per test): ``sim_reset`` + the demo institution (1234567, user code 1234567, password
  demo-password) seeded, the clock frozen at ``NOW`` (2026-11-26 10:00 Istanbul); returns ``sim_server``.
- ``rest`` (per test): a ``Rest`` client of the demo institution (plain ``requests``, JSON in and out).
- ``g2`` (per test): a ``G2`` client of the demo institution (requests written with the simulator's G2
  schema model, answers decoded with it).
- ``logic`` (per test): ``logic(method, payload)`` runs a ``Simulator`` operation in-process for the demo
  institution (the rules no real wire reaches: templates, the edit in place of a final block...).
- ``control`` (per test): ``control(name, body=None)`` POSTs JSON (GET when body is None) to /_control/name.
- ``world`` (per test): the demo institution's branch 157 with PHYSICIAN and PHYSICIAN_2 linked, one clinic
  and one final bookable block of PHYSICIAN tomorrow 09:00-10:00 (4 slots of 15 min).
"""

import json
import urllib.request

import pytest
import requests
from _simhelpers import NOW, PHYSICIAN, PHYSICIAN_2, at, g2_block, g2_range, rest_dt
from lxml import etree

from mhrs_simulator import g2codec, pytest_fixtures, wire_g2
from mhrs_simulator.demo import DEMO_INSTITUTION, seed_demo

INSTITUTION = DEMO_INSTITUTION["code"]
PASSWORD = DEMO_INSTITUTION["password"]
REST_PREFIX = "/api/rs/"

# The session's simulator and the shadow of pytest-odoo's registry, shared with the other suite.
load_registry = pytest_fixtures.load_registry
sim_server = pytest_fixtures.sim_server


@pytest.fixture
def sim_reset(sim_server):
    control_call(sim_server, "reset", {})
    yield sim_server
    errors = list(sim_server.app.response_errors)
    sim_server.app.response_errors.clear()
    assert not errors, f"simulator answered off-schema: {errors}"


@pytest.fixture
def sim(sim_reset):
    seed_demo(sim_reset.simulator)
    sim_reset.simulator.clock.set(NOW)
    return sim_reset


def control_call(server, name, body=None, timeout=10):
    """POST (or GET when body is None) JSON to the control interface; returns (status, decoded JSON)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the loopback test server
        f"{server.control_url}/{name}",
        data=data,
        headers={"Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback test URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def control(sim_server):
    def call(name, body=None):
        status, payload = control_call(sim_server, name, body)
        assert status == 200, payload
        return payload

    return call


# -- REST MHRS V2 ------------------------------------------------------------------------------------------
class Rest:
    """MHRS V2 over plain HTTP: ``login`` then ``call(method, path, body)`` -> (HTTP status, envelope)."""

    def __init__(self, server, user=str(INSTITUTION), password=PASSWORD, institution=INSTITUTION):
        self.server, self.user, self.password, self.institution = server, user, password, institution
        self.token = None

    def login(self, **overrides):
        body = {
            "kullaniciAdi": self.user,
            "parola": self.password,
            "kurumKodu": self.institution,
            "uygulamaKodu": "SIM-TEST",
        }
        body.update(overrides)
        answer = requests.post(self.server.base_url + REST_PREFIX + "login", json=body, timeout=5)
        if answer.status_code == 200:
            self.token = answer.json()["data"]["jwt"]
        return answer.status_code, answer.json()

    def call(self, method, path, body=None, token=None):
        if self.token is None and token is None:
            assert self.login()[0] == 200
        answer = requests.request(
            method,
            self.server.base_url + REST_PREFIX + path,
            json=body,
            headers={"Authorization": f"Bearer {token or self.token}"},
            timeout=5,
        )
        return answer.status_code, answer.json()

    def ok(self, path, body=None, method="POST"):
        """The ``data`` of a successful answer."""
        status, answer = self.call(method, path, body)
        assert status == 200 and (answer.get("success") or answer.get("valid")), answer
        return answer["data"]

    def refusal(self, path, body=None, method="POST"):
        """(HTTP status, first MHRS error code) of a refused call."""
        status, answer = self.call(method, path, body)
        errors = answer.get("errors") or answer.get("errorList") or []
        assert status != 200 and errors, answer
        return status, errors[0]["kodu"]

    # the calls the tests make often
    def slots(self, start, end, physician=PHYSICIAN, branch=157):
        body = {
            "klinikKodu": branch,
            "hekimTcKimlikNo": int(physician),
            "strBaslangicZamani": rest_dt(start),
            "strBitisZamani": rest_dt(end),
        }
        return self.ok("hbys/randevu/detay-sorgula", body)

    def book(self, slot_id, tckn="10000000382", phone="05321234567"):
        return self.call(
            "POST",
            "hbys/randevu/randevu-ekle",
            {"slotID": slot_id, "hastaTCKimlikNo": int(tckn), "telefonNo": phone},
        )

    def appointments(self, start, end, branch=157, **extra):
        body = {"klinikKodu": branch, "strBaslangicZamani": rest_dt(start), "strBitisZamani": rest_dt(end)}
        body.update(extra)
        return self.ok("hbys/randevu/kurum-randevulari-sorgula", body)


@pytest.fixture
def rest(sim):
    return Rest(sim)


# -- SOAP G2 ------------------------------------------------------------------------------------------------
class G2:
    """G2 over plain HTTP: ``call(operation, values)`` -> the decoded answer (``TemelCevapBilgileri`` in it).

    Requests are written with the simulator's G2 schema model and validated by the server against the XSD,
    so a request this helper got wrong is refused (GEN-002), never silently accepted."""

    def __init__(self, server, user=INSTITUTION, password=PASSWORD, institution=INSTITUTION):
        self.server, self.user, self.password, self.institution = server, user, password, institution

    @property
    def namespace(self):
        return self.server.app.g2_namespace

    def envelope(self, operation, values):
        element = (
            "KurumRandevuSorgulamaTalep" if operation == "KurumRandevuSorgulamaObj" else f"{operation}Talep"
        )
        _, elements = g2codec.schema_model()
        request = {
            "YetkilendirmeGirisBilgileri": {
                "KullaniciKodu": self.user,
                "KullaniciSifre": self.password,
                "KulaniciTuru": 2,
            },
            "KurumBilgileri": {"KurumKodu": self.institution, "IslemYapanKisiTCNo": int(PHYSICIAN)},
        }
        request.update(values)
        text = g2codec.encode_text("m", element, elements[element], request)
        return (
            f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{wire_g2.SOAP_ENV}" '
            f'xmlns:m="{self.namespace}"><soap:Body>{text}</soap:Body></soap:Envelope>'
        ).encode()

    def post(self, data, timeout=5):
        return requests.post(
            self.server.g2_url,
            data=data,
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=timeout,
        )

    def call(self, operation, values=None, timeout=5):
        answer = self.post(self.envelope(operation, values or {}), timeout=timeout)
        assert answer.status_code == 200, answer.content
        element = etree.fromstring(answer.content, g2codec.safe_parser()).find(f"{{{wire_g2.SOAP_ENV}}}Body")[
            0
        ]
        assert etree.QName(element).localname == f"{operation}Cevap"
        return g2codec.decode(element, f"{operation}CevapType")

    def ok(self, operation, values=None):
        answer = self.call(operation, values)
        assert answer["TemelCevapBilgileri"]["ServisBasarisi"], answer["TemelCevapBilgileri"]
        return answer

    def refusal(self, operation, values=None):
        """The MHRS error code of a refused call (``Aciklama`` is "<code>: <text>")."""
        base = self.call(operation, values)["TemelCevapBilgileri"]
        assert not base["ServisBasarisi"], base
        return base["Aciklama"].split(":")[0]

    # the calls the tests make often
    def clinic(self, name="Dahiliye 1", branch=157):
        return self.call("KurumAltKlinikEkleme", {"KlinikKodu": branch, "AltKlinikAdi": name})

    def drafts(self, *blocks):
        """Per-item answers (ReferansNo, draft id or None, error code or None) of KurumTaslakCetvelEkleme."""
        items = [{"ReferansNo": ref, "CetvelDetayBilgileri": detail} for ref, detail in blocks]
        rows = self.ok("KurumTaslakCetvelEkleme", {"TaslakCetvelBilgileri": items})["TaslakCetvelCevap"]
        return [
            (
                r["ReferansNo"],
                (r["TaslakCetvelId"] or [None])[0],
                r["Aciklama"].split(":")[0] if r["Aciklama"] else None,
            )
            for r in rows
        ]

    def finalise(self, day, branch=157, physician=None):
        values = {
            "TarihBilgileri": g2_range(day.replace(hour=0), day.replace(hour=23, minute=59)),
            "KlinikKodu": branch,
        }
        if physician:
            values["HekimBilgileri"] = {"HekimKodu": physician}
        rows = self.ok("KurumTaslakCetvelKesinlestirme", values)["taslakKesinMap"]
        return [r["KesinCetvelId"] for r in rows]

    def appointments(self, start, end, branch=157, **extra):
        values = {"KlinikKodu": branch, "TarihBilgileri": g2_range(start, end)}
        values.update(extra)
        return self.ok("KurumRandevuSorgulamaObj", values)["KurumRandevuBilgileri"]


@pytest.fixture
def g2(sim):
    return G2(sim)


# -- in-process logic ---------------------------------------------------------------------------------------
@pytest.fixture
def logic(sim):
    def call(method, payload, institution=INSTITUTION):
        return sim.simulator.call(method, institution, payload)

    return call


# -- a place to book ----------------------------------------------------------------------------------------
def open_branch(g2, branch=157, physicians=(PHYSICIAN, PHYSICIAN_2)):
    """The real workflow's first steps: the branch registered, the physicians linked to it."""
    g2.ok("KurumKlinikEkleme", {"KlinikKodu": branch})
    for physician in physicians:
        g2.ok("KurumHekimEkleme", {"KlinikKodu": branch, "HekimKodu": physician, "GeciciGorevli": False})


@pytest.fixture
def world(sim, g2, rest):
    """A clinic (157) and one final bookable block of PHYSICIAN tomorrow 09:00-10:00 (4 slots of 15 min)."""
    open_branch(g2)
    clinic = g2.clinic()["AltKlinikKodu"]
    [(_ref, draft, error)] = g2.drafts(("R1", g2_block(clinic, at(9), at(10))))
    assert draft and error is None
    [schedule] = g2.finalise(at(0), physician=PHYSICIAN)

    def slot_id(start=None):
        start = start or at(9)
        [row] = [s for s in rest.slots(at(0), at(23, 59)) if s["baslangicZamani"] == rest_dt(start)]
        return row["slotId"]

    def book(start=None, tckn="10000000382", phone="05321234567"):
        """(HTTP status, answer) of a REST booking of the slot starting at ``start`` (default 09:00)."""
        return rest.book(slot_id(start), tckn, phone)

    def hrn(start=None):
        status, answer = book(start)
        assert status == 200, answer
        return answer["data"]["hastaRandevuNumarasi"]

    return {"clinic": clinic, "schedule": schedule, "book": book, "hrn": hrn, "server": sim}
