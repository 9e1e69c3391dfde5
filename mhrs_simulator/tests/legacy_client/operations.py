"""Registry of the 18 MHRS operations of the modelled contract (docs/contract.md).

One place knows, per client method, the default operation code, its names and whether it is one of the
codes this project invented; the client, the addon's settings and its log read it from here instead of
repeating the table.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    """One row of the directive's method table as modelled by this project."""

    method: str  # MhrsClient method name
    code: str  # default operation code (WSDL operation name, SOAPAction, InteractionId)
    name_tr: str
    name_en: str
    row: int  # row number in the directive's table / contract
    placeholder: bool = False  # code invented by this project (the directive's table lost it)
    per_item: bool = False  # answer carries per-item results (HataKodu); item errors do not raise


OPERATIONS = {
    op.method: op
    for op in (
        Operation("clinic_register", "PRSC_IN001023TR01", "Poliklinik Kayıt", "Sub-clinic registration", 1),
        Operation("clinic_update", "PRSC_IN001024TR01", "Poliklinik Güncelleme", "Sub-clinic update", 2),
        Operation("clinic_query", "QUSC_IN001005TR01", "Poliklinik Sorgulama", "Sub-clinic query", 3),
        Operation("clinic_cancel", "PRSC_IN001026TR01", "Poliklinik İptal", "Sub-clinic cancellation", 4),
        Operation("template_register", "PRSC_IN001012TR01", "Şablon Kayıt", "Template registration", 5),
        Operation("template_update", "PRSC_IN001014TR01", "Şablon Güncelleme", "Template update", 6),
        Operation(
            "template_set_state",
            "PRSC_IN001015TR01",
            "Şablon Aktif/Pasif Yapma",
            "Template (de)activation",
            7,
        ),
        Operation("template_query", "QUSC_IN001003TR01", "Şablon Sorgulama", "Template query", 8),
        Operation(
            "schedule_register",
            "PRSC_IN001017TR01",
            "Kesin Cetvel Kayıt",
            "Schedule registration",
            9,
            per_item=True,
        ),
        Operation("schedule_update", "PRSC_IN001019TR01", "Kesin Cetvel Güncelleme", "Schedule update", 10),
        Operation("schedule_query", "QUSC_IN001004TR01", "Kesin Cetvel Sorgulama", "Schedule query", 11),
        Operation("schedule_cancel", "PRSC_IN001022TR01", "Kesin Cetvel İptal", "Schedule cancellation", 12),
        Operation(
            "appointment_exception",
            "PRSC_IN001010TR01",
            "Randevu İstisna Kayıt/Sorgulama",
            "Appointment exception (add/query)",
            13,
        ),
        Operation("appointment_query", "QUSC_IN001001TR01", "Randevu Sorgulama", "Appointment query", 14),
        Operation(
            "appointment_set_status",
            "PRSC_IN001009TR01",
            "Randevu Durum Güncelleme",
            "Appointment status update",
            15,
            per_item=True,
        ),
        Operation(
            "appointment_register",
            "PRSC_IN001007TR01",
            "Randevu Kayıt",
            "Appointment booking",
            16,
            placeholder=True,
        ),
        Operation(
            "appointment_cancel",
            "PRSC_IN001008TR01",
            "Randevu İptal",
            "Appointment cancellation",
            17,
            placeholder=True,
        ),
        Operation(
            "slot_query", "QUSC_IN001002TR01", "Boş Slot Sorgulama", "Free slot query", 18, placeholder=True
        ),
    )
}

OPERATIONS_BY_CODE = {op.code: op for op in OPERATIONS.values()}
