from datetime import UTC
from zoneinfo import ZoneInfo

from odoo import fields
from odoo.tools.misc import get_lang


def user_datetime_text(record, value):
    """``value`` (naive UTC) in the user's time zone, written as the user's language writes dates and
    short times, so that names match the dates the web client shows next to them."""
    if not value:
        return ""
    lang = get_lang(record.env)
    local = fields.Datetime.context_timestamp(record, value)
    return local.strftime(f"{lang.date_format} {lang.short_time_format}")


def user_date_format(env):
    """The strftime date format of the user's language (what the web client shows in date fields)."""
    return get_lang(env).date_format


def user_date_text(env, day):
    """A date written as the user's language writes it ("01/31/2027", "31-01-2027")."""
    return day.strftime(user_date_format(env)) if day else ""


MHRS_TZ = "Europe/Istanbul"  # the wire facade's wall-clock zone (WireConfig.tz)


def from_wire(value):
    """A facade datetime (naive wall-clock time of Europe/Istanbul) as Odoo stores it (naive UTC)."""
    if not value:
        return False
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(MHRS_TZ))
    return value.astimezone(UTC).replace(tzinfo=None)


def to_wire(value):
    """An Odoo datetime (naive UTC) for the facade: aware, so the facade converts it to its zone."""
    if not value:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
