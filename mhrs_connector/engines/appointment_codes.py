"""What the appointment model and its engines (appointment_sync, status_job) share: MHRS's codes and the
list of fields the sync owns. A module of its own so that the model imports the engines and neither
imports the other's module.
"""

from datetime import timedelta

# EkleyenKullaniciTipi (docs/mhrs-domain.md §4).
CHANNELS = [
    ("1", "Call Centre"),
    ("2", "Web"),
    ("3", "Mobile App"),
    ("4", "Hospital"),
    ("5", "Family Physician"),
    ("6", "İBB"),
    ("7", "General Secretariat"),
    ("8", "SMS"),
    ("9", "ALO 171"),
]
CHANNEL_CODES = frozenset(code for code, _label in CHANNELS)
# Fields the sync compares with MHRS's answer before writing.
SYNC_FIELDS = (
    "partner_id",
    "patient_tckn",
    "patient_name",
    "patient_phone",
    "physician_id",
    "physician_tckn",
    "clinic_id",
    "mhrs_schedule_ref",
    "schedule_line_id",
    "date_start",
    "date_end",
    "mhrs_channel",
    "mhrs_appointment_type",
    "note",
    "state",
    "cancelled_by",
    "missing_from_mhrs",
    "mhrs_booked_at",
)
# DurumKodu of operation 15 (docs/mhrs-domain.md §4).
STATUS_ATTENDED = "1"
STATUS_NOT_ATTENDED = "2"
# Records the sync creates from MHRS's answer: no chatter line, tracking or follower.
QUIET_CREATE = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}
# How far back the jobs look for appointments whose day ended before their status was sent.
DAY_ENDED_LOOKBACK = timedelta(days=7)


def mhrs_status_of(state, status_code, status_error):
    """``mhrs_status`` of an appointment (shared by the compute and the bulk insert of the sync)."""
    if status_code:
        return "sent"
    if state == "cancelled":
        # Never "not due yet": nothing is ever sent for a cancelled appointment.
        return "none"
    if status_error:
        return "failed"
    if state in ("attended", "no_show"):
        return "to_send"
    return "not_due"
