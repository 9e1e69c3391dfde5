"""The one registry of MHRS operations: what users see (the directive's Table 1 row and method code) and
what is sent on each wire (the G2 SOAP operation, the G3 "MHRS V2" REST method and path).

Sources (docs/contract.md has the full map): the directive's EK 1 Table 1 for rows, codes and names;
havelsan/atlas ``MHRSServis.cs`` / ``MHRSServis.hvl.cs`` for G2 operation names; ATLAS ``Schedule.cs``,
``Appointment.cs``, ``MHRSYonetimFormViewModel.cs``, ``ScheduleFormViewModel.cs`` and
``MHRSRandevuSorgulama.cs`` for G3 paths. ``None`` means the wire has no known counterpart: the facade
raises ``MhrsNotAvailable`` instead of inventing one.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    key: str  # facade method name (identity inside the code)
    name_tr: str
    name_en: str
    row: int | None = None  # Table 1 row; None for the supporting operations the real service needs
    code: str | None = None  # the directive's method code (None: lost in the directive or not in Table 1)
    g2: str | None = None  # G2 operation name (request element ``<g2>Talep``)
    g3: tuple[str, str] | None = None  # (HTTP method, path) of MHRS V2
    g2_inferred: bool = False  # ATLAS has the types but wires no call: the operation name is inferred
    code_lost: bool = False  # rows 16-18: the directive's table lost their codes
    note: str = ""

    @property
    def counterpart(self):
        """False for the operations MHRS has on neither wire (templates, rows 5-8)."""
        return bool(self.g2 or self.g3)

    @property
    def label(self):
        """What users see: the code, else the row, then the name."""
        ident = self.code or (f"Row {self.row}" if self.row else self.key)
        return f"{ident} {self.name_en}"


_NO_TEMPLATE = "no MHRS counterpart: templates exist in neither G2 nor G3; kept locally only"

OPERATIONS = {
    op.key: op
    for op in (
        # -- Table 1 ---------------------------------------------------------------------------------
        Operation(
            "clinic_register",
            "Poliklinik Kayıt",
            "Clinic registration",
            1,
            "PRSC_IN001023TR01",
            "KurumAltKlinikEkleme",
            ("POST", "muayene-yeri/ekle"),
            note="clinic = examination place / sub-clinic (muayene yeri, AltKlinik) of a registered branch",
        ),
        Operation(
            "clinic_update",
            "Poliklinik Güncelleme",
            "Clinic update",
            2,
            "PRSC_IN001024TR01",
            "KurumAltKlinikAdiGuncelleme",
            None,
            g2_inferred=True,
        ),
        Operation(
            "clinic_query",
            "Poliklinik Sorgulama",
            "Clinic query",
            3,
            "QUSC_IN001005TR01",
            "KurumAltKlinikSorgulama",
            None,
        ),
        Operation(
            "clinic_delete",
            "Poliklinik İptal",
            "Clinic cancellation",
            4,
            "PRSC_IN001026TR01",
            "KurumAltKlinikSilme",
            None,
            g2_inferred=True,
        ),
        Operation(
            "template_register",
            "Şablon Kayıt",
            "Template registration",
            5,
            "PRSC_IN001012TR01",
            note=_NO_TEMPLATE,
        ),
        Operation(
            "template_update",
            "Şablon Güncelleme",
            "Template update",
            6,
            "PRSC_IN001014TR01",
            note=_NO_TEMPLATE,
        ),
        Operation(
            "template_set_state",
            "Şablon Durum Güncelleme",
            "Template state update",
            7,
            "PRSC_IN001015TR01",
            note=_NO_TEMPLATE,
        ),
        Operation(
            "template_query", "Şablon Sorgulama", "Template query", 8, "QUSC_IN001003TR01", note=_NO_TEMPLATE
        ),
        Operation(
            "draft_add",
            "Çalışma Cetveli Kayıt",
            "Work schedule registration",
            9,
            "PRSC_IN001017TR01",
            "KurumTaslakCetvelEkleme",
            ("POST", "cetvel/ekle"),
            note="row 9 is draft blocks (this) followed by draft finalisation (draft_finalise)",
        ),
        Operation(
            "schedule_update",
            "Çalışma Cetveli Güncelleme",
            "Work schedule update",
            10,
            "PRSC_IN001019TR01",
            "KurumKesinCetvelGuncelleme",
            ("POST", "cetvel/calisma-plani-guncelle"),
            g2_inferred=True,
            note="G3 replaces the final block (delete + add): the final id changes",
        ),
        Operation(
            "schedule_query",
            "Çalışma Cetveli Sorgulama",
            "Work schedule query",
            11,
            "QUSC_IN001004TR01",
            "KurumKesinCetvelSorgulama",
            ("POST", "cetvel/search"),
        ),
        Operation(
            "schedule_cancel",
            "Çalışma Cetveli İptal",
            "Work schedule cancellation",
            12,
            "PRSC_IN001022TR01",
            "KurumKesinCetvelSilme",
            ("POST", "cetvel/calisma-plani-guncelle"),
            note="G3: a plan change that only deletes",
        ),
        Operation(
            "exception_add",
            "Randevu İstisna",
            "Appointment exception",
            13,
            "PRSC_IN001010TR01",
            "KurumIstisnaEkleme",
            ("POST", "istisna"),
        ),
        Operation(
            "appointment_query",
            "Randevu Sorgulama",
            "Appointment query",
            14,
            "QUSC_IN001001TR01",
            "KurumRandevuSorgulamaObj",
            ("POST", "randevu/kurum-randevulari-sorgula"),
            note="one branch per call, one physician or none",
        ),
        Operation(
            "appointment_set_status",
            "Randevu Durum Güncelleme",
            "Appointment status update",
            15,
            "PRSC_IN001009TR01",
            "RandevuDurumGuncelle",
            ("POST", "randevu/randevu-gerceklesme-bilgisi"),
        ),
        Operation(
            "appointment_book",
            "Randevu Kayıt",
            "Appointment booking",
            16,
            None,
            "RandevuEkleme",
            ("POST", "randevu/randevu-ekle"),
            code_lost=True,
        ),
        Operation(
            "appointment_cancel",
            "Randevu İptal",
            "Appointment cancellation",
            17,
            None,
            "RandevuIptal",
            ("POST", "randevu/randevu-iptal"),
            code_lost=True,
        ),
        Operation(
            "slot_query",
            "Randevu Boş Slot Sorgulama",
            "Free slot query",
            18,
            None,
            "RandevuCetvelOzetDetaySorgulama",
            ("POST", "randevu/detay-sorgula"),
            g2_inferred=True,
            code_lost=True,
            note="G2: the per-day slot detail query, one call per day",
        ),
        # -- supporting operations the real service needs ---------------------------------------------
        Operation(
            "branch_register",
            "Kurum Klinik Ekleme",
            "Branch registration",
            g2="KurumKlinikEkleme",
            g3=("POST", "kurum-klinik/kurum-klinik-ekle"),
        ),
        Operation(
            "branch_query",
            "Kurum Klinik Sorgulama",
            "Branch query",
            g2="KurumKlinikSorgulama",
            g3=None,
        ),
        Operation(
            "physician_link",
            "Klinik Hekim Ekleme",
            "Physician–branch link",
            g2="KurumHekimEkleme",
            g3=("POST", "klinik-hekim/ekle"),
        ),
        Operation(
            "action_codes",
            "Aksiyon Bilgileri Sorgulama",
            "Action code list",
            g2="AksiyonBilgileriSorgulama",
            g3=("GET", "cetvel/aksiyon-bilgileri"),
            g2_inferred=True,
        ),
        Operation(
            "draft_finalise",
            "Taslak Cetvel Kesinleştirme",
            "Draft schedule finalisation",
            g2="KurumTaslakCetvelKesinlestirme",
            g3=("POST", "cetvel/kesinlestir"),
        ),
        Operation(
            "draft_delete",
            "Taslak Cetvel Silme",
            "Draft schedule deletion",
            g2="KurumTaslakCetvelSilme",
            g3=("DELETE", "cetvel"),
        ),
        Operation(
            "exception_query",
            "İstisna Sorgulama",
            "Exception query",
            g2="KurumIstisnaSorgulama",
            g3=None,
            note="G3 path unknown (ATLAS's own call is mis-wired)",
        ),
        Operation(
            "exception_delete",
            "İstisna Silme",
            "Exception deletion",
            g2="KurumIstisnaSilme",
            g3=None,
            note="G3 path unknown (ATLAS's own call is mis-wired)",
        ),
    )
}

OPERATIONS_BY_CODE = {op.code: op for op in OPERATIONS.values() if op.code}
OPERATIONS_BY_G2 = {op.g2: op for op in OPERATIONS.values() if op.g2}
TABLE1 = sorted((op for op in OPERATIONS.values() if op.row), key=lambda op: op.row)
