"""The COPY text written for each column by tools/bulk_insert.py's direct writers is the text the ORM's own
conversion (``convert_to_column_insert``) gives, for the values the sync passes and for the odd ones."""

from datetime import date, datetime, timezone

from odoo.tests import TransactionCase

from ..tools.bulk_insert import COPY_ENCODERS, NULL, _column_writer

# Values per field type: the usual ones and those that take the ORM path (other types, empty values).
VALUES = {
    "boolean": [True, False, None, 0, 1, "x", ""],
    "integer": [0, 7, -3, False, None, True, "12"],
    "many2one": [False, None, 0, 5, 123456],
    "char": [False, None, "", "ab\tc\\d\ne\rf", "Ayşe", 12345, b"bytes", "x" * 300],
    "text": [False, None, "", "line\nline\t\\", 3.5],
    "datetime": [
        False,
        None,
        datetime(2026, 11, 30, 9, 40),
        datetime(2026, 1, 1),
        datetime(2026, 1, 1, 8, tzinfo=timezone.utc),  # noqa: UP017
        date(2026, 2, 3),
    ],
    "date": [False, None, date(2026, 11, 30), datetime(2026, 11, 30, 9, 40), "2026-11-30"],
    "selection": [False, None, "booked", "cancelled", "booked"],
}


class TestBulkInsertWriters(TransactionCase):
    def _orm_text(self, field, model, value):
        converted = field.convert_to_column_insert(value, model, {})
        return NULL if converted is None else COPY_ENCODERS[field.column_type[0]](converted)

    def test_writers_match_the_orm_conversion(self):
        checked = set()
        # The appointment (what the sync inserts) and the sync run (a date column).
        for model in (self.env["mhrs.appointment"], self.env["mhrs.sync.run"]):
            for field in model._fields.values():
                if not field.store or not field.column_type or field.type not in VALUES or field.name == "id":
                    continue
                write = _column_writer(field, model, COPY_ENCODERS[field.column_type[0]])
                for value in VALUES[field.type]:
                    if field.type == "selection" and value not in (False, None):
                        value = field.get_values(self.env)[0]  # noqa: PLW2901 - a valid key of this field
                    with self.subTest(model=model._name, field=field.name, value=value):
                        self.assertEqual(write(value, {}), self._orm_text(field, model, value))
                checked.add(field.type)
        self.assertEqual(checked, set(VALUES))

    def test_writers_refuse_what_the_orm_refuses(self):
        model = self.env["mhrs.appointment"]
        state = model._fields["state"]
        write = _column_writer(state, model, COPY_ENCODERS["varchar"])
        self.assertEqual(write("booked", {}), "booked")
        with self.assertRaises(ValueError):
            write("no-such-state", {})
