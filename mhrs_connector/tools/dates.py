"""The addon's one time module: plain functions on zoneinfo (no pytz), for every model, wizard and engine.

Odoo stores naive UTC; a company works in its partner's zone (Europe/Istanbul when none is set); the wire
facade speaks Istanbul wall-clock time. An unknown zone is refused when the company's zone is saved
(res.partner._check_mhrs_company_tz); read back anyway, it raises a UserError that names it, never a
silent wrong hour.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools.misc import get_lang

DEFAULT_TZ = "Europe/Istanbul"  # a company without a zone of its own (MHRS is Turkish)


def zone(name):
    """The zoneinfo zone called ``name``; ValueError when the system does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(name) from exc


def company_tz(company):
    """The company's zone: its partner's, else Europe/Istanbul."""
    name = company.partner_id.tz or DEFAULT_TZ
    try:
        return zone(name)
    except ValueError:
        raise UserError(
            company.env._(
                "The time zone %(tz)s of %(company)s is unknown: choose another one on the company.",
                tz=name,
                company=company.name,
            )
        ) from None


def to_utc_naive(value):
    """An aware datetime as Odoo stores it (naive UTC); a naive one is taken as UTC already."""
    if not value:
        return False
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def to_aware(value):
    """An Odoo datetime (naive UTC) made aware (UTC), for arithmetic across zones and for MHRS."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def to_utc(local_naive, tz):
    """Local wall-clock time of ``tz`` -> naive UTC. An ambiguous time (autumn) is its first occurrence;
    a time skipped by DST (spring) moves forward (fold 0 = the offset before the change)."""
    return to_utc_naive(local_naive.replace(tzinfo=tz))


def to_local(utc_naive, tz):
    """Naive UTC (as Odoo stores it) -> aware datetime in ``tz``."""
    return to_aware(utc_naive).astimezone(tz)


def local_now(company, now):
    """``now`` (naive UTC) as an aware datetime in the company's zone."""
    return to_local(now, company_tz(company))


def local_day_bounds(company, day):
    """(start, end) in naive UTC of the company's local calendar day ``day``."""
    tz = company_tz(company)
    start = datetime.combine(day, datetime.min.time())
    return to_utc(start, tz), to_utc(start + timedelta(days=1), tz)


def local_today(company, now=None):
    """The company's local calendar date at ``now`` (default: now). The hospital's day, not the
    user's: a user without a time zone would otherwise get UTC's date for three hours a night."""
    return local_now(company, now or fields.Datetime.now()).date()


def today_bounds(company, now=None):
    """(start, end) in naive UTC of the company's local day at ``now`` (default: now)."""
    return local_day_bounds(company, local_today(company, now))


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


WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekdays_of(record):
    """The weekday numbers (Monday 0) ticked on ``record`` (a schedule or the plan wizard)."""
    return {index for index, name in enumerate(WEEKDAY_FIELDS) if record[name]}


def float_to_minutes(value):
    """08.5 (float_time) -> 510 minutes after midnight."""
    return round((value or 0.0) * 60)


def minutes_to_time(minutes):
    return time(minutes // 60, minutes % 60)
