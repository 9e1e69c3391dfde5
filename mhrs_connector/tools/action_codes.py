"""Which MHRS action codes a block, a template block or an exception may use.

REST and G2 number the actions differently: a code read from MHRS belongs to the interface it came from,
and the seed codes of a new database (no interface) fit both. The pickers offer the codes of the record's
company's interface only; the record carries that interface as ``mhrs_interface`` (a related field), which
the web client reads to evaluate these domains (Odoo adds it to the views itself).
"""

# For a picker: seed codes, or codes of the company's interface.
ACTION_CODE_DOMAIN = "['|', ('interface', '=', False), ('interface', '=', mhrs_interface)]"
# The reasons of an exception: the same, closed (not bookable) actions only.
EXCEPTION_ACTION_CODE_DOMAIN = (
    "[('bookable', '=', False), '|', ('interface', '=', False), ('interface', '=', mhrs_interface)]"
)
