"""Creating thousands of rows of one of this addon's own models at the speed of SQL.

``create()`` costs about 0.2 ms per appointment in Python (defaults looked up per record, every field of
every record put in cache, stored computes queued and computed one by one); a first sync of a large
hospital creates 12,000 of them. :func:`insert_records` takes the ids from the table's sequence in one
query, writes the same rows with one ``COPY`` (PostgreSQL's bulk load: no statement of thousands of
parameters to build and parse) and then does the ORM's own bookkeeping for new rows in batch (dependent
computes and inverse caches, Python constraints, company consistency, access rights).

It only does so when it knows every stored column of the model: the values given, defaults of this addon
(taken once per call), the stored computes whose values the caller passes, and columns left empty. A
field added by another module (a default that may differ per record, such as a sequence; a compute; a
required column) makes it return ``None``: the caller then uses ``create()``. The test suite compares a
row written here with the same row written by ``create()``, column by column.
"""

import io
from datetime import date, datetime

from odoo import sql_db
from odoo.models import LOG_ACCESS_COLUMNS
from odoo.tools import SQL

NULL = "\\N"


def _text(value):
    """A text value in COPY's text format (backslash, tab, newline and carriage return escaped)."""
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# Column types this path writes, and how a value of each is written for COPY. Others (jsonb of
# translated or company-dependent fields, binary...) make it decline.
COPY_ENCODERS = {
    "varchar": _text,
    "text": _text,
    "int4": str,
    "int8": str,
    "numeric": str,
    "float8": repr,
    "bool": lambda value: "t" if value else "f",
    "date": str,
    "timestamp": str,
}
# Modules whose field defaults this path may take once for every row (the addon's own, and mail's,
# which declares no default on its stored columns).
KNOWN_MODULES = frozenset({"mhrs_connector", "mail", "base"})


def _columns_plan(model, names, computed_names):
    """The stored columns not given whose defaults are to be taken, or ``None`` when one is unknown."""
    if model._inherits or model._parent_store:
        return None
    defaulted = []
    for name, field in model._fields.items():
        if name in names:
            if not field.store or not field.column_type or field.translate or field.inverse:
                return None
            continue
        if not field.store or not field.column_type or name in LOG_ACCESS_COLUMNS or name == "id":
            continue
        if field.compute:
            if name not in computed_names:
                return None
            continue
        if field.default is not None and field._module not in KNOWN_MODULES:
            return None
        if field.required and field.default is None:
            return None
        # Also asked for fields without a default in code: default_get adds the ones set by users.
        defaulted.append(name)
    return defaulted


def insert_records(model, vals_list, computed=None):
    """Insert ``vals_list`` (dicts of stored column values, the same keys in each) as new records of
    ``model``; ``computed(vals)`` gives the values of the model's stored computed fields for a row.
    Returns the new records, or ``None`` when the model has columns this path does not know."""
    if not vals_list:
        return model.browse()
    computed = computed or (lambda vals: {})
    names = set(vals_list[0])
    computed_names = set(computed(vals_list[0]))
    if any(set(vals) != names for vals in vals_list):
        return None
    defaulted = _columns_plan(model, names, computed_names)
    if defaulted is None:
        return None
    fields = [model._fields[name] for name in sorted(names | computed_names)]
    defaults = model.default_get(defaulted)
    fields += [model._fields[name] for name in sorted(set(defaults) - names - computed_names)]
    encoders = [COPY_ENCODERS.get(field.column_type[0]) for field in fields]
    if None in encoders:
        return None
    model.check_access("create")
    cr = model.env.cr
    cr.execute(
        SQL(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            model._table,
            len(vals_list),
        )
    )
    ids = [row[0] for row in cr.fetchall()]
    magic = []
    if model._log_access:
        now = str(cr.now())
        magic = [str(model.env.uid), now, str(model.env.uid), now]
    writers = [_column_writer(field, model, encode) for field, encode in zip(fields, encoders, strict=True)]
    names_order = [field.name for field in fields]
    tail = "\t".join(magic)
    tail = "\t" + tail + "\n" if magic else "\n"
    lines, rows = [], []
    for record_id, vals in zip(ids, vals_list, strict=True):
        full = {**defaults, **vals, **computed(vals)}
        rows.append(full)
        cells = [write(full[name], full) for write, name in zip(writers, names_order, strict=True)]
        lines.append(f"{record_id}\t" + "\t".join(cells) + tail)
    lines = io.StringIO("".join(lines))
    names_sql = SQL(", ").join(
        SQL.identifier(name)
        for name in ["id", *(field.name for field in fields), *(LOG_ACCESS_COLUMNS if magic else [])]
    )
    copy_rows(cr, SQL("COPY %s (%s) FROM STDIN", SQL.identifier(model._table), names_sql), lines)
    records = model.browse(ids)
    _after_insert(records, fields, [model._fields[name] for name in computed_names])
    if model._check_company_auto:
        _check_companies(records, rows)
    return records


def _string_writer(size):
    return lambda value: (
        NULL
        if value is None or value is False
        else _text(value[:size] if size else value)
        if type(value) is str
        else None
    )


# ``write(value)`` per plain field type: the COPY text of a value of the type callers give, or ``None``
# for any other value (then the ORM converts it). Built per column from the field's size.
PLAIN_WRITERS = {
    "boolean": lambda size: lambda value: "t" if value else "f",
    "integer": lambda size: lambda value: (
        str(int(value or 0)) if value is None or type(value) in (int, bool) else None
    ),
    "many2one": lambda size: lambda value: NULL if not value else str(value) if type(value) is int else None,
    "char": _string_writer,
    "text": _string_writer,
    "datetime": lambda size: lambda value: (
        NULL if not value else str(value) if type(value) is datetime and not value.tzinfo else None
    ),
    "date": lambda size: lambda value: NULL if not value else str(value) if type(value) is date else None,
}


def _column_writer(field, model, encode):
    """``write(value, row)``: the COPY text of one column's value, as ``encode(convert_to_column_insert)``
    gives it. The plain types are written directly (the ORM conversion costs a sync of 12,000 appointments
    a quarter of its time); the others, and values of an unexpected type, go through the ORM."""

    def orm(value, row):
        value = field.convert_to_column_insert(value, model, row)
        return NULL if value is None else encode(value)

    if field.company_dependent or field.translate or field.name == "id":
        return orm
    if field.type == "selection":
        # Few distinct values: each converted (and validated) by the ORM once.
        known = {}

        def selection(value, row):
            try:
                return known[value]
            except KeyError:
                known[value] = text = orm(value, row)
                return text
            except TypeError:  # unhashable: the ORM says what it makes of it
                return orm(value, row)

        return selection
    if field.type not in PLAIN_WRITERS:
        return orm
    plain = PLAIN_WRITERS[field.type](getattr(field, "size", None))

    def write(value, row):
        text = plain(value)
        return orm(value, row) if text is None else text

    return write


def copy_rows(cr, statement, lines):
    """Run ``COPY ... FROM STDIN`` with ``lines`` (text format), counted as one statement as Odoo counts
    the ones it runs (``sql_counter`` is what ``make bench`` and the statement-count tests read)."""
    cr.copy_expert(statement.code, lines)  # delegated to the psycopg2 cursor
    cr.sql_log_count += 1
    sql_db.sql_counter += 1


def _after_insert(records, fields, computed_fields):
    """What ``_create`` does for new rows, in batch: inverse one2many caches of the many2ones written,
    dependent fields marked (the computed values given are protected), constraints and record rules
    checked."""
    env = records.env
    for field in fields:
        if field.type == "many2one":
            for inverse in records.pool.field_inverses[field]:
                env[inverse.model_name].invalidate_model([inverse.name])
    with env.protecting(computed_fields, records):
        records.modified([field.name for field in fields], create=True)
    records._validate_fields([field.name for field in fields])
    # Record rules for creation (company rules), as _create checks them on the new rows.
    records.check_access("create")


def _check_companies(records, vals_list):
    """``_check_company`` on one record per distinct (company, linked records): rows that link the same
    records in the same company pass or fail together, and thousands of appointments share a few
    hundred physicians and clinics."""
    if "company_id" not in records._fields:
        records._check_company()
        return
    names = ["company_id"] + [
        name
        for name, field in records._fields.items()
        if field.relational and field.check_company and field.store and name in vals_list[0]
    ]
    representatives = {}
    for record_id, vals in zip(records.ids, vals_list, strict=True):
        representatives.setdefault(tuple(vals.get(name) for name in names), record_id)
    records.browse(list(representatives.values()))._check_company()
