"""The sync scales: statements per batch, not per appointment, and the lxml fast decoder equals zeep.

No timings here (bench/bench_sync.py measures them); only counts that must not grow with the data.
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from unittest.mock import patch

from lxml import etree

from odoo import sql_db

from ..soap import MhrsClient
from ..soap import client as client_module
from .appointment_common import TZ, AppointmentCase, make_tckn, utc_naive

QUERY_CODE = "QUSC_IN001001TR01"
STATUS_CODE = "PRSC_IN001009TR01"


@contextmanager
def sql_writes(table):
    """The INSERT / UPDATE / DELETE statements on ``table`` run meanwhile (any cursor, ORM or raw)."""
    original = sql_db.Cursor.execute
    statements = []

    def execute(cursor, query, params=None, log_exceptions=True):
        text = str(getattr(query, "code", query)).lstrip()
        head = text[:120].split(None, 3)
        verb = head[0].upper() if head else ""
        if verb in ("INSERT", "DELETE") and len(head) > 2:
            target = head[2]
        elif verb == "UPDATE" and len(head) > 1:
            target = head[1]
        else:
            target = None
        if target and target.strip('"') == table:
            statements.append(text[:120])
        return original(cursor, query, params, log_exceptions)

    with patch.object(sql_db.Cursor, "execute", execute):
        yield statements


class TestSyncQueries(AppointmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.day2 = cls.day + timedelta(days=1)

    def setUp(self):
        super().setUp()
        # Day + 3, 08:00-18:00, 10-minute slots: 60 places per physician.
        self.big = self._register_schedules(self.day2, time(8), time(18), slot=10)

    def _book_citizens(self, count, seed):
        window = {
            "start": datetime.combine(self.day2, time(0), TZ).isoformat(),
            "end": datetime.combine(self.day2 + timedelta(days=1), time(0), TZ).isoformat(),
        }
        booked = self.sim.post("citizens", {"bookings": count, "seed": seed, "window": window})["booked"]
        self.assertEqual(len(booked), count)
        return booked

    def _counted_sync(self):
        """(SQL statements, MHRS calls, run) of one sync, from a cold cache as in a fresh cron run."""
        self.env.invalidate_all()
        self.sim.post("requests/reset")
        before = sql_db.sql_counter
        run = self._sync_all()
        return sql_db.sql_counter - before, self.sim.calls(QUERY_CODE), run

    @contextmanager
    def _spy_writes(self):
        """The ORM writes made on appointments meanwhile: [(ids, vals)]."""
        model = self.registry["mhrs.appointment"]
        original = model.write
        writes = []

        def write(records, vals):
            writes.append((records.ids, dict(vals)))
            return original(records, vals)

        with patch.object(model, "write", write):
            yield writes

    def test_unchanged_sync_statements_do_not_grow_with_appointments(self):
        counts = {}
        for total, seed in ((20, 1), (60, 2)):
            self._book_citizens(total - len(self._appointments()), seed)
            _statements, _calls, run = self._counted_sync()
            self.assertEqual(run.fetched_count, total)
            messages = self.env["mail.message"].search_count([("model", "=", "mhrs.appointment")])
            with self._spy_writes() as writes, sql_writes("mhrs_appointment") as rows:
                statements, calls, run = self._counted_sync()
            self.assertEqual(
                (run.state, run.fetched_count, run.created_count, run.updated_count), ("done", total, 0, 0)
            )
            # An unchanged sync writes nothing (no ORM write on an appointment, not even a bookkeeping
            # UPDATE: "last seen" is derived from the runs; no chatter) ...
            self.assertEqual(writes, [])
            self.assertEqual(rows, [])
            self.assertEqual(set(self._appointments().mapped("last_seen_at")), {run.ended_at})
            self.assertEqual(
                self.env["mail.message"].search_count([("model", "=", "mhrs.appointment")]), messages
            )
            # ... and asks MHRS once per batch of physicians, never per appointment.
            self.assertEqual(calls, run.batch_count)
            counts[total] = statements
        # O(batches), not O(appointments): three times the appointments, the same statements.
        self.assertEqual(counts[20], counts[60], counts)

    def test_created_statements_do_not_grow_with_appointments(self):
        """Creating 20 or 60 appointments (and their new patients) costs the same statements; what the
        sync creates gets no chatter, tracking or followers."""
        self._book_citizens(10, 3)
        self._counted_sync()  # so that both measured runs also have existing appointments to compare
        created = {}
        for count, seed in ((20, 4), (60, 5)):
            self._book_citizens(count, seed)
            created[count], calls, run = self._counted_sync()
            self.assertEqual((run.created_count, calls), (count, run.batch_count))
        self.assertEqual(created[20], created[60], created)
        appointments = self._appointments()
        self.assertEqual(len(appointments), 90)
        self.assertFalse(appointments.message_follower_ids)
        self.assertFalse(appointments.message_ids)
        self.assertFalse(appointments.partner_id.message_ids)
        # Changes still write (and track) as before: a citizen cancellation reaches the chatter.
        self.sim.post("citizens", {"cancellations": 3, "seed": 6})
        with self._spy_writes() as writes:
            run = self._counted_sync()[2]
        self.assertEqual(run.cancelled_count, 3)
        self.assertEqual(writes, [(writes[0][0], {"state": "cancelled", "cancelled_by": "patient_mhrs"})])
        self.assertEqual(len(writes[0][0]), 3)  # one write for the three identical changes
        cancelled = self._appointments([("state", "=", "cancelled")])
        self.assertEqual(len(cancelled), 3)
        self.assertEqual(set(cancelled.mapped("cancelled_by")), {"patient_mhrs"})

    # ---------------------------------------------------------------------------------- status pass
    def test_status_pass_statements_do_not_grow_with_appointments(self):
        """The status pass (operation 15) for 20 or 60 appointments costs the same statements: one
        search, one MHRS call, grouped writes and one chatter create per batch; per-record chatter only
        for what MHRS refused."""
        Appointment = self.env["mhrs.appointment"]
        self.company.mhrs_status_grace = 0
        # 19:00 on the day: every appointment (08:00-18:00) has ended; not yet the final pass.
        when = datetime.combine(self.day2, time(19), TZ)
        now = when.astimezone(UTC).replace(tzinfo=None)
        counts = {}
        for total, seed in ((20, 11), (60, 12)):
            self._book_citizens(total - len(self._appointments()), seed)
            self._counted_sync()
            appointments = self._appointments().sorted("id")
            self.assertEqual(len(appointments), total)
            # The 20 of the first pass are due again locally: MHRS answers "already set" (RDG-008),
            # which is also a success.
            quiet = appointments.with_context(tracking_disable=True)
            quiet.write(
                {
                    "state": "booked",
                    "checked_in_at": False,
                    "mhrs_status_code": False,
                    "mhrs_status_sent_at": False,
                    "mhrs_status_error": False,
                }
            )
            # Half checked in (attended), the rest left undecided (not attended); one MHRS does not know.
            for appointment in quiet[: total // 2]:
                appointment.write({"state": "attended", "checked_in_at": appointment.date_start})
            unknown = quiet[-1]
            real_hrn = unknown.mhrs_hrn
            unknown.with_context(mhrs_sync_write=True).mhrs_hrn = f"2099010100{total:04d}"
            quiet.flush_recordset()  # recomputed without tracking, as the job does
            self.env.invalidate_all()
            self.sim.post("clock", {"set": when.isoformat(), "frozen": True})
            self.sim.post("requests/reset")
            messages = self.env["mail.message"].search_count([("model", "=", "mhrs.appointment")])
            before = sql_db.sql_counter
            try:
                Appointment._cron_status_update(now=now)
                # What a commit would still write (tracking messages are created at commit).
                self.env.flush_all()
                self.env.cr.precommit.run()
                counts[total] = sql_db.sql_counter - before
            finally:
                self.sim.post("clock", {"release": True})
            run = self.env["mhrs.sync.run"].search([("kind", "=", "status")], limit=1)
            self.assertEqual(
                (run.status_sent_count, run.status_failed_count, run.batch_count, run.state),
                (total - 1, 1, 1, "partial"),
            )
            self.assertEqual(self.sim.calls(STATUS_CODE), 1)
            self.assertEqual(set((appointments - unknown).mapped("mhrs_status")), {"sent"})
            self.assertEqual(unknown.mhrs_status, "failed")
            # The normal path writes no chatter: only the refused appointment gets a line.
            self.assertEqual(
                self.env["mail.message"].search_count([("model", "=", "mhrs.appointment")]), messages + 1
            )
            self.assertIn("RDG-003", unknown.message_ids[:1].body)
            unknown.with_context(tracking_disable=True, mhrs_sync_write=True).write({"mhrs_hrn": real_hrn})
        self.assertEqual(counts[20], counts[60], counts)

    # --------------------------------------------------------------------------------------- decoders
    def _query(self, fast):
        saved = client_module.FAST_DECODERS.pop("appointment_query", None)
        if fast:
            client_module.FAST_DECODERS["appointment_query"] = saved
        try:
            client = MhrsClient(self.env["mhrs.connector.mixin"]._mhrs_config(self.company))
            return client.appointment_query(
                TarihBilgileri={
                    "BaslangicZamani": datetime.combine(self.today, time(0), TZ),
                    "BitisZamani": datetime.combine(self.today + timedelta(days=15), time(0), TZ),
                },
                HekimKodu=self.doctors.mapped("tckn"),
            )
        finally:
            client_module.FAST_DECODERS["appointment_query"] = saved

    def test_fast_decoder_equals_zeep_on_a_realistic_answer(self):
        self.assertIn("appointment_query", client_module.FAST_DECODERS)
        hrns = self._book_citizens(30, 5)
        # A hospital booking with every optional field, then cancellations of both kinds.
        client = MhrsClient(self.env["mhrs.connector.mixin"]._mhrs_config(self.company))
        start = datetime.combine(self.day, time(9), TZ)
        client.appointment_register(
            KesinCetvelId=self.schedules[self.doctor_a],
            RandevuZamanBilgisi={
                "RandevuBaslangicZamani": start,
                "RandevuBitisZamani": start + timedelta(minutes=20),
            },
            VatandasBilgileri={
                "TCKimlikNo": make_tckn(345678913),
                "Ad": "Zeynep",
                "Soyad": "Demir",
                "Cinsiyet": 2,
                "DogumTarihi": date(1980, 5, 17),
                "TelefonNo": "05321234567",
                "Email": "zeynep@example.com",
            },
            RandevuNotu="Kontrol – şeker ölçümü",
        )
        client.appointment_cancel(RandevuHrn=hrns[0], IptalNedeni="Hekim izinli")
        self.sim.post("citizens", {"cancellations": 5, "seed": 6})
        zeep_rows = self._query(fast=False)
        fast_rows = self._query(fast=True)
        self.assertEqual(len(zeep_rows["KurumRandevuBilgileri"]), 31)
        self.assertEqual(fast_rows, zeep_rows)
        for fast_row, zeep_row in zip(
            fast_rows["KurumRandevuBilgileri"], zeep_rows["KurumRandevuBilgileri"], strict=True
        ):
            self.assertEqual(list(fast_row), list(zeep_row))  # same keys, same order
            self.assertEqual(
                {k: type(v) for k, v in fast_row.items()}, {k: type(v) for k, v in zeep_row.items()}
            )
        # Both paths give the same records to the ORM.
        self.assertEqual(self._sync_all().fetched_count, 31)

    def test_fast_decoder_equals_zeep_on_edge_cases(self):
        """UTC 'Z' and fractional seconds, empty strings, a birth date, an empty answer: same dicts."""
        client = MhrsClient(self.env["mhrs.connector.mixin"]._mhrs_config(self.company))
        wire = client._wire()
        ns = client_module.NAMESPACE
        row = """<tns:KurumRandevuBilgileri>
            <tns:RandevuHrn>2026112700000001</tns:RandevuHrn>
            <tns:TarihBilgileri><tns:BaslangicZamani>2026-11-27T06:00:00Z</tns:BaslangicZamani>
              <tns:BitisZamani>2026-11-27T09:20:00.250+03:00</tns:BitisZamani></tns:TarihBilgileri>
            <tns:KesinCetvelId>9000000001</tns:KesinCetvelId><tns:KlinikKodu>157</tns:KlinikKodu>
            <tns:AltKlinikKodu>4001</tns:AltKlinikKodu><tns:HekimKodu>12345678950</tns:HekimKodu>
            <tns:HastaTCKimlikNo>10000000146</tns:HastaTCKimlikNo><tns:HastaAdi></tns:HastaAdi>
            <tns:HastaSoyadi>Öztürk</tns:HastaSoyadi><tns:HastaDogumTarihi>1975-01-31</tns:HastaDogumTarihi>
            <tns:TelefonNo/><tns:KayitDurumKodu>2</tns:KayitDurumKodu><tns:DurumKodu>0</tns:DurumKodu>
            <tns:IptalEdenTipi>4</tns:IptalEdenTipi><tns:EkleyenKullaniciTipi>3</tns:EkleyenKullaniciTipi>
            <tns:EklenmeZamani>2026-11-20T10:11:12+03:00</tns:EklenmeZamani>
            <tns:GuncellenmeZamani>2026-11-26T20:00:00-05:00</tns:GuncellenmeZamani>
          </tns:KurumRandevuBilgileri>"""
        decoded = []
        for payload_xml in (f"<tns:Payload>{row}{row}</tns:Payload>", "<tns:Payload/>"):
            envelope = f"""<soap:Envelope xmlns:soap="{client_module.SOAP11_NS}" xmlns:tns="{ns}"><soap:Body>
              <tns:QUSC_IN001001TR01_Response><tns:Acknowledgement><tns:TypeCode>AA</tns:TypeCode>
              <tns:TargetMessageId>m-1</tns:TargetMessageId>
              <tns:ServiceTime>2026-11-26T10:00:00+03:00</tns:ServiceTime></tns:Acknowledgement>
              {payload_xml}</tns:QUSC_IN001001TR01_Response></soap:Body></soap:Envelope>"""
            doc = client._parse(envelope.encode(), 200)
            answer = client._answer_element(doc, QUERY_CODE)
            client._validate(wire, answer)
            payload = client._check_acknowledgement(answer, "m-1")
            fast = client._decode(wire, "appointment_query", QUERY_CODE, doc, payload)
            saved = client_module.FAST_DECODERS.pop("appointment_query")
            try:
                zeep = client._decode(wire, "appointment_query", QUERY_CODE, doc, payload)
            finally:
                client_module.FAST_DECODERS["appointment_query"] = saved
            self.assertEqual(fast, zeep)
            decoded.append(fast)
        rows = decoded[0]["KurumRandevuBilgileri"]
        self.assertEqual(len(rows), 2)
        self.assertEqual(
            (rows[0]["HastaAdi"], rows[0]["TelefonNo"], rows[0]["RandevuTuru"]), (None, None, None)
        )
        self.assertEqual(rows[0]["HastaDogumTarihi"], date(1975, 1, 31))
        self.assertEqual(decoded[1], {"KurumRandevuBilgileri": []})

    def test_fast_decoder_values(self):
        """The decoded values themselves (not only equal to zeep's): aware datetimes, ints, None."""
        from ..soap.fast_decode import decode_appointment_query

        ns = client_module.NAMESPACE
        payload = etree.fromstring(
            f"""<Payload xmlns="{ns}"><KurumRandevuBilgileri><RandevuHrn>H1</RandevuHrn>
            <TarihBilgileri><BaslangicZamani>2026-11-27T09:00:00+03:00</BaslangicZamani>
            <BitisZamani>2026-11-27T09:20:00+03:00</BitisZamani></TarihBilgileri>
            <KesinCetvelId>5</KesinCetvelId><KayitDurumKodu>1</KayitDurumKodu></KurumRandevuBilgileri></Payload>"""
        )
        row = decode_appointment_query(payload)["KurumRandevuBilgileri"][0]
        self.assertEqual(row["KesinCetvelId"], 5)
        self.assertIsNone(row["RandevuNotu"])
        self.assertEqual(len(row), 20)
        start = row["TarihBilgileri"]["BaslangicZamani"]
        self.assertEqual(start.utcoffset(), timedelta(hours=3))
        self.assertEqual(start.astimezone(UTC).replace(tzinfo=None), utc_naive(datetime(2026, 11, 27, 9)))
