"""Benchmark of the appointment sync (operation 14) for a large hospital, with a baseline from the same run.

Run by ``make bench`` (scripts/bench.sh) against a freshly installed throwaway database::

    python bench/bench_sync.py -c .odoo-bench.conf -d mhrs_bench [--physicians 300] [--per-physician 40]

It starts the MHRS simulator in-process on a free loopback port, seeds one hospital (N physicians, M booked
appointments each for tomorrow), points the company at it and measures, in one process on one machine:

1b. a full-day sync from empty in a database without the patients: every one of them is created (res.partner
   through the ORM) with its appointment;
1. then, appointments emptied and the patients kept (a hospital's registry), the full-day sync again (SOAP
   decode, patients matched, new appointments inserted in bulk);
2. the same sync again with nothing changed (must write no appointment row: 0 INSERT/UPDATE statements on
   mhrs_appointment), with the fast decoder and with zeep's;
3. a sync after 5% of the appointments changed or were cancelled at MHRS;
4. the status-update pass for the day (``_cron_status_update``);
5. the baseline, measured right after 2 (the full and the unchanged sync and the baseline run ``--runs``
   times each, the fastest of each side compared): the sync's own appointment queries on the same wire
   (captured from the connector's pure wire client and replayed byte for byte over the same HTTP, so the
   simulator's encoding and the transfer cost both sides alike), the answers read with bare lxml (G2) or
   json (REST) and upserted with one ``INSERT ... ON CONFLICT`` per query through psycopg2 into a scratch
   table; for 1b, from empty tables again, with a second statement per query upserting the patients (the
   same rows as 1b writes). The ratios are thus the cost of Odoo (wire client, ORM, patients, call log)
   over the raw wire.

Figures are printed and written as JSON to bench/results/<timestamp>.json for comparing commits.
"""

import argparse
import cProfile
import functools
import gc
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import psycopg2  # noqa: E402
import psycopg2.extras  # noqa: E402
import requests  # noqa: E402
from lxml import etree  # noqa: E402

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, api, sql_db  # noqa: E402

from mhrs_simulator.citizens import random_citizen  # noqa: E402
from mhrs_simulator.codes import CANCEL_CITIZEN  # noqa: E402
from mhrs_simulator.server import SimulatorServer  # noqa: E402

TZ = ZoneInfo("Europe/Istanbul")
INSTITUTION = {
    "code": 7654321,
    # Numeric: the real wires log in with a numeric user (REST kullaniciAdi, G2 KullaniciKodu).
    "username": "5544332",
    "user_code": "5544332",
    "password": "Bench-Pa55-XYZ",
    "name": "Bench Hastanesi",
}
RESPONSIBLE_TCKN = "10000000146"
SEED = 20261126


# ------------------------------------------------------------------------------------------------ helpers
def make_tckn(nine):
    digits = [int(c) for c in str(nine)]
    digits.append((7 * sum(digits[0:9:2]) - sum(digits[1:8:2])) % 10)
    digits.append(sum(digits) % 10)
    return "".join(str(d) for d in digits)


class StatementCounter:
    """Counts every SQL statement of the process (all cursors) and the writes per verb and table."""

    def __init__(self):
        self.writes = Counter()
        self._original = sql_db.Cursor.execute
        counter = self

        def execute(cursor, query, params=None, log_exceptions=True):
            text = getattr(query, "code", query)
            head = text.lstrip()[:80].split(None, 3)
            verb = head[0].upper() if head else ""
            if verb in ("INSERT", "UPDATE", "DELETE"):
                table = head[2] if verb in ("INSERT", "DELETE") and len(head) > 2 else head[1]
                counter.writes[f"{verb} {table.strip(chr(34))}"] += 1
            return counter._original(cursor, query, params, log_exceptions)

        sql_db.Cursor.execute = execute

    @staticmethod
    def total():
        return sql_db.sql_counter


def query_key(interface):
    """The simulator's call-count key of the appointment query over ``interface`` (rest or g2)."""
    from odoo.addons.mhrs_connector.wire.operations import OPERATIONS

    op = OPERATIONS["appointment_query"]
    return f"{interface}:hbys/{op.g3[1]}" if interface == "rest" else f"g2:{op.g2}"


class Phase:
    """Wall time, SQL statements, writes, MHRS calls and maxrss growth of one measured step."""

    def __init__(self, name, counter, server, interface="rest"):
        self.name, self.counter, self.server = name, counter, server
        # The simulator counts calls per "<wire>:<operation name>"; the sync's query on this wire:
        self.query_key = query_key(interface)
        self.result = {}

    def __enter__(self):
        gc.collect()
        self.server.app.calls.reset()
        self.writes = Counter(self.counter.writes)
        self.statements = self.counter.total()
        self.rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.began = time.perf_counter()
        return self

    def __exit__(self, *exc):
        elapsed = time.perf_counter() - self.began
        writes = Counter(self.counter.writes)
        writes.subtract(self.writes)
        self.result = {
            "seconds": round(elapsed, 3),
            "statements": self.counter.total() - self.statements,
            "writes": {key: value for key, value in sorted(writes.items()) if value},
            "mhrs_calls": self.server.app.calls.snapshot()["counts"].get(self.query_key, 0),
            "maxrss_growth_mib": round(
                (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self.rss) / 1024, 1
            ),
        }


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "?"
            )
    except OSError:
        pass
    ram = "?"
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            kib = int(next(line.split()[1] for line in handle if line.startswith("MemTotal")))
            ram = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    try:
        commit = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = "?"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "odoo": odoo.release.version,
        "commit": commit,
    }


def appointment_writes(result):
    """INSERT / UPDATE statements on mhrs_appointment during a phase (an unchanged sync must have 0)."""
    return sum(count for key, count in result["writes"].items() if key.split()[1] == "mhrs_appointment")


# ------------------------------------------------------------------------------------------------ seeding
def seed_simulator(server, physicians, per_physician, day):
    """Physicians, one clinic and one schedule block each for ``day`` (08:00 on, 15-minute slots),
    every slot booked by a random citizen; through the simulator's Python API for speed."""
    sim = server.simulator
    rng = random.Random(SEED)
    tckns = [make_tckn(200000000 + 7919 * i) for i in range(physicians)]
    out = sim.seed(
        {
            "institution": INSTITUTION,
            "physicians": [{"tckn": t, "name": f"Hekim {i}"} for i, t in enumerate(tckns)],
            "clinics": [{"branch": 157, "name": "Dahiliye Bench"}],
        }
    )
    clinic_code = out["clinics"][0]
    book_days(sim, tckns, clinic_code, [day], per_physician, lambda: random_citizen(rng), rng)
    return tckns, clinic_code


def book_days(sim, tckns, clinic_code, days, per_physician, citizen, rng):
    """One schedule block per physician and day (08:00 on, 15-minute slots), every slot booked by
    ``citizen()``; returns the number of blocks."""
    items = []
    for day in days:
        start = datetime.combine(day, datetime.min.time(), TZ).replace(hour=8)
        items += [
            {
                "physician": t,
                "branch": 157,
                "clinic": clinic_code,
                "action": 1,
                "start": start,
                "end": start + timedelta(minutes=15 * per_physician),
                "slot_minutes": 15,
                "capacity": 1,
            }
            for t in tckns
        ]
    schedules = sim.seed({"institution_code": INSTITUTION["code"], "schedules": items})["schedules"]
    with sim.lock:
        for schedule_id in schedules:
            schedule = sim.state["schedules"][str(schedule_id)]
            for begin, finish in sim._slot_times(schedule):
                sim.book(schedule, begin, finish, citizen(), rng.choice([2, 3]), None)
    return len(schedules)


def seed_horizon(server, tckns, clinic_code, day, days, per_physician):
    """The days after ``day`` up to ``days`` in all, booked like ``day`` by its patients (known to Odoo
    by then): the periodic job's window of a hospital whose horizon is fully booked."""
    sim = server.simulator
    rng = random.Random(SEED + 2)
    with sim.lock:
        citizens = [
            {
                "TCKimlikNo": a["tckn"],
                "Ad": a["name"],
                "Soyad": a["surname"],
                "Cinsiyet": a["gender"],
                "TelefonNo": a["phone"],
                "DogumTarihi": None,
            }
            for a in sim.state["appointments"].values()
        ]
    extra = [day + timedelta(days=offset) for offset in range(1, days)]
    schedules = book_days(sim, tckns, clinic_code, extra, per_physician, lambda: rng.choice(citizens), rng)
    return schedules * per_physician


def horizon_cycle(env, server, counter, company, physicians, day, days, per_physician, seeding):
    """6. The periodic job's cycle over the company's horizon, fully booked: the first load of the days
    after tomorrow, then a cycle with nothing changed (timed, then again under tracemalloc)."""
    from odoo.addons.mhrs_connector.engines.appointment_sync import AppointmentSync

    Appointment, cr = env["mhrs.appointment"], env.cr
    added = seed_horizon(server, *seeding, day, days, per_physician)
    start = Appointment._mhrs_local_day_bounds(company, day)[0]
    end = Appointment._mhrs_local_day_bounds(company, day + timedelta(days=days - 1))[1]
    result = {"days": days, "appointments": added + len(physicians) * per_physician}
    for name in ("load", "unchanged"):
        env.invalidate_all()
        with Phase(name, counter, server, company.mhrs_interface) as phase:
            run = Appointment._mhrs_sync_window(company, start, end, physicians, kind="periodic")
            cr.commit()
        phase.result.update(fetched=run.fetched_count, created=run.created_count, updated=run.updated_count)
        result[name] = phase.result
    assert result["load"]["created"] == added and result["unchanged"]["created"] == 0, result
    result["units"] = AppointmentSync(Appointment).query_units(company, start, end, physicians)
    env.invalidate_all()
    gc.collect()
    tracemalloc.start()
    Appointment._mhrs_sync_window(company, start, end, physicians, kind="periodic")
    cr.commit()
    result["unchanged"]["tracemalloc_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    tracemalloc.stop()
    return result


def change_share(server, share, day):
    """``share`` of the day's appointments change at MHRS: half cancelled by the citizen, half with a new
    phone number and note (as a correction at the call centre would)."""
    sim = server.simulator
    rng = random.Random(SEED + 1)
    with sim.lock:
        hrns = sorted(
            h for h, a in sim.state["appointments"].items() if a["start"].astimezone(TZ).date() == day
        )
        chosen = rng.sample(hrns, int(len(hrns) * share))
        half = len(chosen) // 2
        for hrn in chosen[:half]:
            sim.cancel(sim.state["appointments"][hrn], CANCEL_CITIZEN)
        for hrn in chosen[half:]:
            appointment = sim.state["appointments"][hrn]
            appointment.update(
                phone=f"05{rng.randint(30, 59)}{rng.randint(0, 9999999):07d}",
                note="Kontrol randevusu",
                updated=sim.now(),
            )
    return {"cancelled": half, "changed": len(chosen) - half}


def configure_odoo(env, server, tckns, clinic_code, interface="rest"):
    """The company talks to the simulator over ``interface`` (REST MHRS V2 or SOAP G2)."""
    company = env.company
    company.partner_id.tz = "Europe/Istanbul"
    company.write(
        {
            "mhrs_interface": interface,
            "mhrs_base_url": server.base_url,
            "mhrs_institution_code": str(INSTITUTION["code"]),
            "mhrs_vendor_code": "ODOO-BENCH",
            "mhrs_username": INSTITUTION["username"],
            "mhrs_password": INSTITUTION["password"],
            "mhrs_app_code": "ODOO-BENCH",
            "mhrs_g2_user_code": INSTITUTION["user_code"],
            "mhrs_g2_password": INSTITUTION["password"],
            "mhrs_g2_user_type": 2,
            "mhrs_responsible_tckn": RESPONSIBLE_TCKN,
            "mhrs_timeout": 60,
        }
    )
    env["mhrs.physician"].search([]).write({"mhrs_sync": False})
    env["mhrs.clinic"].create(
        {
            "name": "Dahiliye Bench",
            "mhrs_branch_id": env.ref("mhrs_connector.mhrs_branch_157").id,
            "mhrs_clinic_code": clinic_code,
            "state": "registered",
            "company_id": company.id,
        }
    )
    physicians = env["mhrs.physician"].create(
        [
            {"name": f"Hekim {i}", "tckn": t, "company_id": company.id, "mhrs_sync": True}
            for i, t in enumerate(tckns)
        ]
    )
    return company, physicians


@contextmanager
def patient_timer(registry):
    """Seconds spent finding and creating patients (the sync's ``find_partners``, with the
    partners' stored computes flushed inside it so that they count there)."""
    from odoo.addons.mhrs_connector.engines.appointment_sync import AppointmentSync

    model = AppointmentSync
    original = model.find_partners
    spent = [0.0]

    def timed(self, rows):
        began = time.perf_counter()
        try:
            partners = original(self, rows)
            self.env["res.partner"].flush_model()
            return partners
        finally:
            spent[0] += time.perf_counter() - began

    model.find_partners = timed
    try:
        yield spent
    finally:
        model.find_partners = original


def wire_client(server, interface):
    """The connector's pure wire client (no Odoo) with the bench company's settings."""
    from odoo.addons.mhrs_connector.wire import MhrsClient, WireConfig

    return MhrsClient(
        WireConfig(
            interface=interface,
            base_url=server.base_url,
            institution_code=INSTITUTION["code"],
            acting_tckn=RESPONSIBLE_TCKN,
            username=INSTITUTION["username"],
            password=INSTITUTION["password"],
            app_code="ODOO-BENCH",
            user_code=INSTITUTION["user_code"],
            user_password=INSTITUTION["password"],
            user_type=2,
            sender_unit="ODOO-BENCH",
            timeout=60,
        )
    )


def query_units(sync_units):
    """The wire queries of the sync's units ``(number, branch, physicians, start, end)``: (branch,
    physician TCKN when the unit has one physician, else None, aware start, aware end), as
    ``_mhrs_sync_batch`` asks them."""
    from odoo.addons.mhrs_connector.tools.dates import to_aware

    return [
        (branch, batch.tckn if len(batch) == 1 else None, to_aware(part_start), to_aware(part_end))
        for _number, branch, batch, part_start, part_end in sync_units
    ]


def capture_queries(client, units):
    """The appointment queries of ``units`` ((branch, physician TCKN or None, start, end)), sent once
    through the connector's wire client as the sync asks them: [(method, url, headers, body, answer)]
    per query (the login, over REST, is not one of them), replayed byte for byte by the baseline."""
    captured = []

    def keep(response, *_args, **_kwargs):
        request = response.request
        if not request.url.endswith("/login"):
            captured.append((request.method, request.url, dict(request.headers), request.body, response))

    client.wire.session.hooks["response"].append(keep)
    try:
        for branch, physician, start, end in units:
            client.appointment_query(branch, start, end, physician=physician)
    finally:
        client.wire.session.hooks["response"].remove(keep)
    return [(method, url, headers, body) for method, url, headers, body, _response in captured]


def replay(session, queries):
    """The captured queries sent again over plain HTTP: yields each answer's bytes."""
    for method, url, headers, body in queries:
        response = session.request(method, url, headers=headers, data=body, timeout=120)
        response.raise_for_status()
        yield response.content


# ------------------------------------------------------------------------------------------------ baseline
SCRATCH_COLUMNS = (
    "hrn",
    "schedule_ref",
    "clinic_code",
    "physician_tckn",
    "patient_tckn",
    "patient_name",
    "patient_phone",
    "date_start",
    "date_end",
    "record_status",
    "status",
    "appointment_type",
    "note",
    "channel",
    "booked_at",
)


def _utc_of(local_text):
    """Wall-clock text of either wire ("YYYY-MM-DD HH:MM:SS" or "DD.MM.YYYY HH:MM:SS") -> naive UTC."""
    if not local_text:
        return None
    if local_text[2] == ".":
        local_text = f"{local_text[6:10]}-{local_text[3:5]}-{local_text[:2]}{local_text[10:]}"
    moment = datetime.fromisoformat(local_text).replace(tzinfo=TZ)
    return moment.astimezone(UTC).replace(tzinfo=None)


def _integer(value):
    value = value.get("val") if isinstance(value, dict) else value
    return int(value) if value not in (None, "") else None


def rows_of_g2(content, utc):
    """Bare lxml: the scratch rows of one G2 ``KurumRandevuSorgulamaObjCevap`` (children read by tag,
    texts once per row)."""
    root = etree.fromstring(content)
    answer = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]
    ns = answer.tag[: answer.tag.index("}") + 1]
    row_tag, dates_tag, phone_tag = (
        f"{ns}{n}" for n in ("KurumRandevuBilgileri", "TarihBilgileri", "TelefonNo")
    )
    start_tag, end_tag, phones_tag = (
        f"{ns}{n}" for n in ("BaslangicTarihi", "BitisTarihi", "VatandasTelefonBilgileri")
    )
    names = (
        "RandevuHrn",
        "AltKlinikKodu",
        "HekimKodu",
        "HastaTCKimlikNo",
        "HastaAdi",
        "HastaSoyadi",
        "KayitDurumKodu",
        "DurumKodu",
        "RandevuTuru",
        "RandevuNotu",
        "EkleyenKullaniciTipi",
        "EklenmeZamani",
    )
    tags = [f"{ns}{n}" for n in names]
    rows = []
    for item in answer.iterchildren(row_tag):
        text = {child.tag: child.text for child in item}
        hrn, clinic, physician, patient, name, surname, record, status, kind, note, channel, booked = (
            text.get(tag) for tag in tags
        )
        dates = item.find(dates_tag)
        phones = item.find(phones_tag)
        rows.append(
            (
                hrn,
                None,
                _integer(clinic),
                physician,
                patient,
                f"{name} {surname}",
                phones.findtext(phone_tag) if phones is not None else None,
                utc(dates.findtext(start_tag)),
                utc(dates.findtext(end_tag)),
                _integer(record),
                _integer(status),
                _integer(kind),
                note,
                _integer(channel),
                utc(booked),
            )
        )
    return rows


def rows_of_rest(content, utc):
    """Bare json: the scratch rows of one MHRS V2 appointment answer."""
    rows = []
    for a in json.loads(content)["data"]:
        phones = a.get("vatandasTelefonList") or []
        rows.append(
            (
                str(a["hrn"]),
                a.get("cetvelId"),
                a.get("muayeneYeriId"),
                str(a["hekimTcKimlikNo"]),
                str(a["vatandasTcKimlikNo"]),
                f"{a.get('vatandasAdi')} {a.get('vatandasSoyadi')}",
                phones[0].get("telefonNumarasi") if phones else None,
                utc(a.get("baslangicZamani")),
                utc(a.get("bitisZamani")),
                _integer(a.get("randevuKayitDurumu")),
                _integer(a.get("gerceklesmeDurumu")),
                _integer(a.get("randevuTuru")),
                a.get("randevuNotu"),
                _integer(a.get("randevuKanali")),
                utc(a.get("randevuAlinmaZamani")),
            )
        )
    return rows


def baseline(dsn, server, interface, units, labels=("full", "unchanged", "full_with_patients"), runs=1):
    """The practical limit: the sync's own queries (captured from the connector's wire client, replayed
    byte for byte over the same HTTP to the same simulator, so the simulator's encoding and the transfer
    are paid alike), the answers read with bare lxml (G2) or json (REST), one upsert statement per query.

    "full" and "unchanged" upsert the appointment rows (the sync's rows when its patients are known);
    "full_with_patients" starts from empty tables again and also upserts the patient rows (one more
    statement per query, the appointments then carry the patient's id): the rows of a sync whose
    patients are all new."""
    queries = capture_queries(wire_client(server, interface), units)
    rows_of = rows_of_g2 if interface == "g2" else rows_of_rest
    session = requests.Session()
    connection = psycopg2.connect(**dsn)
    cursor = connection.cursor()

    def create_tables():
        cursor.execute("DROP TABLE IF EXISTS bench_scratch_appointment, bench_scratch_patient")
        cursor.execute(
            "CREATE TABLE bench_scratch_appointment (hrn varchar PRIMARY KEY, schedule_ref varchar,"
            " clinic_code int, physician_tckn varchar, patient_tckn varchar, patient_name varchar,"
            " patient_phone varchar, date_start timestamp, date_end timestamp, record_status int,"
            " status int, appointment_type int, note text, channel int, booked_at timestamp, patient_id int)"
        )
        cursor.execute(
            "CREATE TABLE bench_scratch_patient (id serial PRIMARY KEY, tckn varchar UNIQUE, name varchar,"
            " phone varchar)"
        )
        connection.commit()

    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in SCRATCH_COLUMNS[1:])
    changed = " OR ".join(
        f"bench_scratch_appointment.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in SCRATCH_COLUMNS[1:]
    )
    insert = (
        f"INSERT INTO bench_scratch_appointment ({', '.join(SCRATCH_COLUMNS)}) VALUES %s "
        f"ON CONFLICT (hrn) DO UPDATE SET {updates} WHERE {changed}"
    )
    with_patient = (
        f"INSERT INTO bench_scratch_appointment ({', '.join(SCRATCH_COLUMNS)}, patient_id) VALUES %s "
        f"ON CONFLICT (hrn) DO UPDATE SET {updates}, patient_id = EXCLUDED.patient_id WHERE {changed}"
    )
    # The patient's name and phone are kept up to date as the sync does; RETURNING gives the ids of
    # the new and of the existing ones (DO UPDATE returns the row even when nothing changed).
    patients = (
        "INSERT INTO bench_scratch_patient (tckn, name, phone) VALUES %s ON CONFLICT (tckn) DO UPDATE"
        " SET name = EXCLUDED.name RETURNING tckn, id"
    )

    def run(patient_rows=False):
        # Wall-clock texts repeat across a day's rows: each converted once, as the wire client does.
        utc = functools.lru_cache(maxsize=4096)(_utc_of)
        calls = rows_total = 0
        for content in replay(session, queries):
            calls += 1
            rows = rows_of(content, utc)
            if rows and patient_rows:
                people = {row[4]: (row[4], row[5], row[6]) for row in rows if row[4]}
                ids = dict(
                    psycopg2.extras.execute_values(
                        cursor, patients, list(people.values()), page_size=len(people), fetch=True
                    )
                )
                rows = [(*row, ids.get(row[4])) for row in rows]
                psycopg2.extras.execute_values(cursor, with_patient, rows, page_size=len(rows))
            elif rows:
                psycopg2.extras.execute_values(cursor, insert, rows, page_size=len(rows))
            connection.commit()
            rows_total += len(rows)
        return calls, rows_total

    results = {}
    for label in labels:
        seconds = []
        for _run in range(runs if label in ("full", "unchanged") else 1):
            if label != "unchanged":  # "unchanged" upserts over the rows of "full"
                create_tables()
            began = time.perf_counter()
            calls, rows = run(patient_rows=label == "full_with_patients")
            seconds.append(round(time.perf_counter() - began, 3))
        results[label] = {"seconds": min(seconds), "runs": seconds, "mhrs_calls": calls, "rows": rows}
    cursor.execute("DROP TABLE bench_scratch_appointment, bench_scratch_patient")
    connection.commit()
    connection.close()
    return results


# ------------------------------------------------------------------------------------------------ decoders
def decoder_micro(server, interface, units):
    """Decode only (G2): the answers of one cycle decoded by the wire's zeep path and by its lxml fast
    path (same dicts); None over REST (json, no alternative decoder)."""
    if interface != "g2":
        return {"zeep": None, "lxml": None, "equal": None}
    from odoo.addons.mhrs_connector.wire import g2_fast

    client = wire_client(server, interface)
    answers = list(replay(requests.Session(), capture_queries(client, units)))
    out, decoded = {}, {}
    saved = dict(g2_fast.FAST_ANSWERS)
    for label in ("zeep", "lxml"):
        if label == "zeep":
            g2_fast.FAST_ANSWERS.clear()
        try:
            began = time.perf_counter()
            decoded[label] = [client.wire._decode("KurumRandevuSorgulamaObj", 200, raw) for raw in answers]
            out[label] = round(time.perf_counter() - began, 3)
        finally:
            g2_fast.FAST_ANSWERS.update(saved)
    out["equal"] = decoded["lxml"] == decoded["zeep"]
    return out


# ------------------------------------------------------------------------------------------------ status
def status_pass(env, server, counter, company, day, start, end):
    """The day's final status pass (23:45 local): the attended half and the no-show half of the day's
    booked appointments are sent to MHRS in batches (operation 15); MHRS's clock is set to the same time."""
    Appointment = env["mhrs.appointment"]
    booked = Appointment.search(
        [("company_id", "=", company.id), ("date_start", ">=", start), ("date_start", "<", end)], order="id"
    ).filtered(lambda a: a.state == "booked")
    half = len(booked) // 2
    quiet = Appointment.with_context(tracking_disable=True)
    quiet.browse(booked[:half].ids).write({"state": "attended"})
    for appointment in quiet.browse(booked[:half].ids):
        appointment.checked_in_at = appointment.date_start
    quiet.browse(booked[half:].ids).write({"state": "no_show"})
    env.cr.commit()
    env.invalidate_all()
    when = datetime.combine(day, datetime.min.time(), TZ).replace(hour=23, minute=45)
    server.simulator.clock.set(when, frozen=True)
    try:
        with Phase("status_update", counter, server, company.mhrs_interface) as phase:
            Appointment._cron_status_update(now=when.astimezone(UTC).replace(tzinfo=None))
            env.cr.commit()
    finally:
        server.simulator.clock.release()
    counts = server.app.calls.snapshot()["counts"]
    phase.result["mhrs_calls"] = sum(counts.values())
    phase.result["sent"] = len(booked)
    env.invalidate_all()
    phase.result["statuses"] = dict(Counter(Appointment.browse(booked.ids).mapped("mhrs_status")))
    return phase.result


# ------------------------------------------------------------------------------------------------ main
def main():  # noqa: PLR0915 - one linear script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--physicians", type=int, default=300)
    parser.add_argument("--per-physician", type=int, default=40)
    parser.add_argument("--change-share", type=float, default=0.05)
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="runs of the full and the unchanged sync and of their baseline; the fastest of each is compared",
    )
    parser.add_argument(
        "--horizon-days",
        type=int,
        default=15,
        help="days of the periodic cycle measured last (the company default horizon); 0 skips it",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile each sync into <results>/<phase>.prof"
    )
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    parser.add_argument(
        "--interface",
        choices=("rest", "g2"),
        default="rest",
        help="the MHRS interface the company syncs over: REST (MHRS V2) or SOAP (G2)",
    )
    args = parser.parse_args()

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.database)
    from odoo.addons.mhrs_connector.engines.appointment_sync import AppointmentSync
    from odoo.addons.mhrs_connector.wire import g2_fast

    counter = StatementCounter()
    server = SimulatorServer(host="127.0.0.1", port=0).start()
    day = datetime.now(TZ).date() + timedelta(days=1)
    report = {"machine": machine(), "started": datetime.now(UTC).isoformat(timespec="seconds"), "phases": {}}
    phases = report["phases"]
    total = args.physicians * args.per_physician
    print(
        f"Seeding the simulator: {args.physicians} physicians x {args.per_physician} appointments = {total}"
    )
    began = time.perf_counter()
    tckns, clinic_code = seed_simulator(server, args.physicians, args.per_physician, day)
    print(f"  seeded in {time.perf_counter() - began:.1f}s; simulator at {server.base_url}")
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company, physicians = configure_odoo(env, server, tckns, clinic_code, args.interface)
            cr.commit()
            Appointment = env["mhrs.appointment"]
            start, end = Appointment._mhrs_local_day_bounds(company, day)

            def sync(name):
                profiler = cProfile.Profile() if args.profile else None
                with Phase(name, counter, server, args.interface) as phase:
                    if profiler:
                        profiler.enable()
                    run = Appointment._mhrs_sync_window(company, start, end, physicians, kind="manual")
                    cr.commit()
                    if profiler:
                        profiler.disable()
                if profiler:
                    os.makedirs(args.results, exist_ok=True)
                    profiler.dump_stats(os.path.join(args.results, f"{name}.prof"))
                phase.result.update(
                    {
                        key: run[f"{key}_count"]
                        for key in ("fetched", "created", "updated", "cancelled", "missing", "error")
                    }
                )
                phase.result["state"] = run.state
                phases[name] = phase.result
                env.invalidate_all()
                return phase.result

            def write_dates():
                cr.execute("SELECT count(*), max(write_date) FROM mhrs_appointment")
                return cr.fetchone()

            print(f"Day {day}: {total} appointments of {args.physicians} physicians")
            # 1b. The first sync of a hospital whose patients are not in Odoo yet: every patient is new.
            with patient_timer(registry) as patients_seconds:
                full_new = sync("full_new_patients")
            full_new["patients_seconds"] = round(patients_seconds[0], 3)
            assert full_new["fetched"] == total and full_new["created"] == total, full_new
            cr.execute("SELECT count(*) FROM res_partner WHERE tckn IS NOT NULL")
            full_new["patients_created"] = cr.fetchone()[0]
            # 1. From empty again with the patients known (a hospital's registry): the same 12,000 rows.
            cr.execute("DELETE FROM mhrs_appointment")
            cr.commit()
            env.invalidate_all()
            full = sync("full")
            assert full["fetched"] == total and full["created"] == total, full
            # The machine is shared: the full and the unchanged sync run ``--runs`` times each, as does
            # their baseline right after them; each side's fastest run is the one compared (the least
            # disturbed), every run's seconds are kept.
            full["runs"] = [full["seconds"]]
            for _run in range(1, args.runs):
                cr.execute("DELETE FROM mhrs_appointment")
                cr.commit()
                env.invalidate_all()
                full["runs"].append(sync("full_again")["seconds"])
            phases.pop("full_again", None)
            before = write_dates()
            unchanged = sync("unchanged")
            assert unchanged["created"] == unchanged["updated"] == unchanged["cancelled"] == 0, unchanged
            unchanged["runs"] = [unchanged["seconds"]] + [
                sync("unchanged_again")["seconds"] for _run in range(1, args.runs)
            ]
            phases.pop("unchanged_again", None)
            unchanged["business_writes"] = 0 if write_dates() == before else "write_date changed"
            unchanged["appointment_row_writes"] = appointment_writes(unchanged)
            # The same unchanged cycle with zeep decoding every G2 answer (the fast decoder off; on
            # REST nothing changes: the same cycle again).
            saved = dict(g2_fast.FAST_ANSWERS)
            g2_fast.FAST_ANSWERS.clear()
            try:
                sync("unchanged_zeep")
            finally:
                g2_fast.FAST_ANSWERS.update(saved)
            # The baseline and the decoder figures send the sync's own queries (same wire, same bytes).
            units = query_units(AppointmentSync(Appointment).query_units(company, start, end, physicians))
            dsn = sql_db.connection_info_for(args.database)[1]
            phases["baseline"] = baseline(dsn, server, args.interface, units, runs=args.runs)
            phases["baseline"]["queries"] = [list(map(str, unit)) for unit in units]
            phases["decode_only"] = decoder_micro(server, args.interface, units)
            changed = change_share(server, args.change_share, day)
            five = sync("changed_5pct")
            five["changed_at_mhrs"] = changed
            assert five["cancelled"] == changed["cancelled"] and five["updated"] == changed["changed"], five
            # 4. status update pass.
            phases["status_update"] = status_pass(env, server, counter, company, day, start, end)
            # Memory: tracemalloc peak of a sync of a third of the physicians and of all of them, unchanged
            # and from empty (patients known).
            memory = {"unchanged": {}, "from_empty": {}}
            for kind in ("unchanged", "from_empty"):
                for share in (3, 1):
                    subset = physicians[: len(physicians) // share]
                    if kind == "from_empty":
                        cr.execute("DELETE FROM mhrs_appointment")
                        cr.commit()
                    env.invalidate_all()
                    gc.collect()
                    tracemalloc.start()
                    run = Appointment._mhrs_sync_window(company, start, end, subset, kind="manual")
                    cr.commit()
                    peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
                    expected = len(subset) * args.per_physician if kind == "from_empty" else 0
                    assert run.created_count == expected, (kind, run.created_count)
                    memory[kind][len(subset) * args.per_physician] = round(peak / 2**20, 1)
            report["memory_peak_mib_by_appointments"] = memory
        if args.horizon_days > 1:
            print(f"Periodic cycle over a fully booked horizon of {args.horizon_days} days ...")
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                horizon = phases["horizon"] = horizon_cycle(
                    env,
                    server,
                    counter,
                    env.company,
                    env["mhrs.physician"].browse(physicians.ids),
                    day,
                    args.horizon_days,
                    args.per_physician,
                    (tckns, clinic_code),
                )
                # The same queries (branches x parts of the window) for the baseline.
                units = query_units(horizon.pop("units"))
            horizon["baseline"] = baseline(dsn, server, args.interface, units, labels=("full", "unchanged"))
    finally:
        server.stop()

    base_full = phases["baseline"]["full"]["seconds"]
    base_unchanged = phases["baseline"]["unchanged"]["seconds"]
    best_full, best_unchanged = min(phases["full"]["runs"]), min(phases["unchanged"]["runs"])
    report["summary"] = {
        "appointments": total,
        "interface": args.interface,
        "physicians": args.physicians,
        "batches": len(phases["baseline"]["queries"]),
        "full_over_baseline": round(best_full / base_full, 2),
        "runs": args.runs,
        "full_new_patients_over_baseline": round(
            phases["full_new_patients"]["seconds"] / phases["baseline"]["full_with_patients"]["seconds"], 2
        ),
        "unchanged_over_baseline": round(best_unchanged / base_unchanged, 2),
        "statements_per_appointment": {
            name: round(phases[name]["statements"] / total, 3)
            for name in ("full", "full_new_patients", "unchanged", "unchanged_zeep", "changed_5pct")
        },
        "mhrs_calls_per_cycle": phases["unchanged"]["mhrs_calls"],
        "unchanged_appointment_row_writes": phases["unchanged"]["appointment_row_writes"],
        "horizon_unchanged_over_baseline": round(
            phases["horizon"]["unchanged"]["seconds"] / phases["horizon"]["baseline"]["unchanged"]["seconds"],
            2,
        )
        if phases.get("horizon")
        else None,
    }
    print_report(report)
    os.makedirs(args.results, exist_ok=True)
    path = os.path.join(args.results, datetime.now().strftime("%Y%m%d-%H%M%S") + ".json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1, default=str)
    print(f"\nResults written to {os.path.relpath(path, ROOT)}")


def print_report(report):
    m, p, s = report["machine"], report["phases"], report["summary"]
    print(
        f"\nMachine: {m['nproc']} CPU(s), {m['cpu']}, {m['ram']} RAM; Python {m['python']}, Odoo {m['odoo']}"
    )
    print(
        f"{s['appointments']} appointments, {s['physicians']} physicians, {s['batches']} queries per cycle\n"
    )
    row = "{:<34} {:>9} {:>11} {:>10} {:>8} {:>10}"
    print(row.format("phase", "seconds", "statements", "stmt/appt", "MHRS", "rss+ MiB"))
    labels = {
        "full": "1. full-day sync from empty",
        "full_new_patients": "1b. the same, every patient new",
        "unchanged": "2. unchanged sync",
        "unchanged_zeep": "2b. unchanged, G2 fast decoder off",
        "changed_5pct": "3. sync after 5% changed",
        "status_update": "4. status update pass",
    }
    for key, label in labels.items():
        result = p.get(key)
        if not isinstance(result, dict):
            print(f"{label:<34} {'n/a':>9}")
            continue
        print(
            row.format(
                label,
                f"{result['seconds']:.2f}",
                result["statements"],
                f"{result['statements'] / s['appointments']:.3f}",
                result["mhrs_calls"],
                result["maxrss_growth_mib"],
            )
        )
    for label, text in (
        ("full", "5. baseline (full)"),
        ("unchanged", "5. baseline (unchanged)"),
        ("full_with_patients", "5b. baseline (full, new patients)"),
    ):
        b = p["baseline"][label]
        statements = b["mhrs_calls"] * (2 if label == "full_with_patients" else 1)
        print(row.format(text, f"{b['seconds']:.2f}", statements, "", b["mhrs_calls"], ""))
    d = p["decode_only"]
    if d["zeep"] is None:
        print("\nDecode only: n/a over REST (json)")
    else:
        print(f"\nDecode only (G2), one cycle: zeep {d['zeep']:.2f}s, lxml {d['lxml']:.2f}s", end="")
        print(f" (same dicts: {d['equal']})")
    print(
        f"Writes of the unchanged sync: {p['unchanged']['writes']} "
        f"(appointment INSERT/UPDATE statements: {p['unchanged']['appointment_row_writes']})"
    )
    print(f"Writes of the 5% sync: {p['changed_5pct']['writes']}")
    if isinstance(p.get("status_update"), dict):
        print(f"Status pass: {p['status_update']['sent']} appointments -> {p['status_update']['statuses']}")
        print(f"Writes of the status pass: {p['status_update']['writes']}")
    memory = report["memory_peak_mib_by_appointments"]
    print(
        "Memory (tracemalloc peak, MiB by appointments synced): "
        f"unchanged sync {memory['unchanged']}, sync from empty {memory['from_empty']}"
    )
    new = p["full_new_patients"]
    print(
        f"Patients created by 1b (res.partner through the ORM): {new['patients_created']}, "
        f"{new['patients_seconds']:.2f}s of its {new['seconds']:.2f}s "
        f"({new['patients_seconds'] / max(new['patients_created'], 1) * 1000:.2f} ms a patient)"
    )
    print(
        f"\nRatios: full sync / baseline = {s['full_over_baseline']}x (target <= 2x); "
        f"unchanged sync / baseline = {s['unchanged_over_baseline']}x; "
        f"full sync, every patient new / baseline with patients = {s['full_new_patients_over_baseline']}x"
    )
    print(
        f"Fastest of {s['runs']} run(s) each, seconds: full sync {p['full']['runs']}, baseline "
        f"{p['baseline']['full']['runs']}; unchanged sync {p['unchanged']['runs']}, baseline "
        f"{p['baseline']['unchanged']['runs']}"
    )
    print(f"MHRS calls per cycle: {s['mhrs_calls_per_cycle']} (= the sync's queries: {s['batches']})")
    h = p.get("horizon")
    if h:
        print(
            f"\n6. Periodic cycle over a fully booked horizon of {h['days']} days ({h['appointments']} "
            f"appointments): first load of the new days {h['load']['seconds']:.1f}s "
            f"({h['load']['created']} created, {h['load']['statements']} statements); "
            f"unchanged cycle {h['unchanged']['seconds']:.1f}s, {h['unchanged']['statements']} statements, "
            f"{h['unchanged']['mhrs_calls']} MHRS calls, tracemalloc peak "
            f"{h['unchanged']['tracemalloc_peak_mib']} MiB; baseline of the same queries: unchanged "
            f"{h['baseline']['unchanged']['seconds']:.1f}s -> ratio {s['horizon_unchanged_over_baseline']}x"
        )


if __name__ == "__main__":
    main()
