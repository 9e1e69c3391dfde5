"""Typed errors of the MHRS client and their Turkish user messages.

The low layer only classifies; the caller (the Odoo model) decides between UserError, chatter and retry:
transport errors are retryable, business errors are shown and logged, malformed answers are a defect on
the other side. Messages come from a code -> text table, never from if-chains.
"""


class MhrsError(Exception):
    """Base of every error raised by the MHRS client."""

    retryable = False
    state = "error"  # value of the call record's `state`

    def __init__(self, message="", code=None, text=None):
        super().__init__(message or text or code or self.__class__.__name__)
        self.code = code
        self.text = text if text is not None else message


class MhrsTransportError(MhrsError):
    """Timeout, refused or dropped connection, HTTP 5xx without SOAP fault: worth retrying later."""

    retryable = True
    state = "transport_error"

    def __init__(self, message="", code="TRANSPORT", status_code=None, retryable=True):
        super().__init__(message, code=code, text=message)
        self.status_code = status_code
        self.retryable = retryable


class MhrsBusinessError(MhrsError):
    """MHRS refused the request (Acknowledgement AE/AR or SOAP Fault); retrying unchanged won't help."""

    state = "business_error"

    def __init__(self, code, text="", issues=None, type_code=None):
        super().__init__(f"{code}: {text}" if text else str(code), code=code, text=text)
        self.issues = list(issues or [(code, text)])  # list of (code, text)
        self.type_code = type_code  # 'AE', 'AR' or None for a SOAP Fault


class MhrsMalformedResponse(MhrsError):
    """The answer was not usable: not XML, truncated, DTD/entities, too large or off-schema."""

    state = "malformed"

    def __init__(self, message="", code="MALFORMED"):
        super().__init__(message, code=code, text=message)


# Every code of the contract's error table (docs/contract.md) -> Turkish message for the user.
ERROR_MESSAGES = {
    "GEN-001": "MHRS kimlik doğrulaması başarısız (kullanıcı adı, şifre veya kurum kodu hatalı).",
    "GEN-002": "İstek MHRS servis şemasına uymuyor.",
    "GEN-003": "MHRS bu işlem kodunu tanımıyor (bilinmeyen etkileşim).",
    "GEN-004": "Kurum kodu MHRS'de tanımlı değil.",
    "GEN-005": "T.C. kimlik numarası geçersiz.",
    "GEN-006": "Tarih aralığı geçersiz: bitiş zamanı başlangıçtan sonra olmalıdır.",
    "KLN-001": "Klinik kodu (KlinikKodu) MHRS'de tanımlı değil.",
    "KLN-002": "Alt klinik (AltKlinikKodu) MHRS'de bulunamadı.",
    "KLN-003": "Bu klinikte aynı adla bir alt klinik zaten var.",
    "KLN-004": "Alt kliniğin aktif cetvelleri veya ileri tarihli randevuları var.",
    "KLN-005": "Alt klinik zaten iptal edilmiş.",
    "SBL-001": "Şablon MHRS'de bulunamadı.",
    "SBL-002": "Şablon satırları geçersiz (çakışma, slot süresi bloğu bölmüyor veya bilinmeyen aksiyon).",
    "SBL-003": "Bu adla bir şablon zaten var.",
    "CTV-001": "Cetvel, hekimin mevcut bir cetveliyle çakışıyor.",
    "CTV-002": "Cetvel MHRS'de bulunamadı.",
    "CTV-003": "Cetvelde alınmış randevular var; bunun yerine istisna girilmelidir.",
    "CTV-004": "Cetvel bloğu geçersiz (bilinmeyen aksiyon, randevuya açık blokta slot süresi eksik vb.).",
    "IST-001": "İstisna MHRS'de bulunamadı.",
    "IST-002": "İstisna geçersiz (dönem veya aksiyon kodu hatalı).",
    "RND-001": "Slot boş değil (dolu, kapalı veya bilinmiyor).",
    "RND-002": "Randevu MHRS'de bulunamadı.",
    "RND-003": "Randevu zaten iptal edilmiş.",
    "RND-004": "Telefon numarası zorunludur.",
    "RND-005": "Randevu zamanı geçmiş.",
    "RDG-001": "Randevu durum kodu tanımlı değil.",
    "RDG-002": 'Hasta "geldi" olarak işaretlenirken geliş zamanı zorunludur.',
    "RDG-003": "Bu HRN ile bir randevu bulunamadı.",
    "RDG-004": "Bu randevuyu güncelleme yetkiniz yok.",
    "RDG-005": "Kullanıcının randevu durumu güncelleme yetkisi yok.",
    "RDG-006": "Randevu zamanı henüz gelmedi.",
    "RDG-007": "Randevu iptal edilmiş; geliş durumu girilemez.",
    "RDG-008": "Randevu durumu zaten bu değerde; değişiklik yapılmadı.",
}

# What happened only: whether the operation is retried is the caller's to say (a button is not retried,
# a record's pending operation is).
TRANSPORT_MESSAGE = "MHRS servisine ulaşılamadı ({detail})."
MALFORMED_MESSAGE = "MHRS'den gelen yanıt okunamadı ({detail}). Lütfen sistem yöneticisine bildirin."
UNKNOWN_BUSINESS_MESSAGE = "MHRS isteği reddetti: {code} {text}"


def message_for_code(code, text=None):
    """Turkish message for an MHRS error code; MHRS's own text for codes outside the table."""
    if code in ERROR_MESSAGES:
        return ERROR_MESSAGES[code]
    return UNKNOWN_BUSINESS_MESSAGE.format(code=code or "", text=text or "").strip()


def user_message(exc):
    """A clear Turkish sentence for any MHRS client error (or any other exception)."""
    if isinstance(exc, MhrsBusinessError):
        return message_for_code(exc.code, exc.text)
    if isinstance(exc, MhrsTransportError):
        return TRANSPORT_MESSAGE.format(detail=_transport_detail(exc))
    if isinstance(exc, MhrsMalformedResponse):
        return MALFORMED_MESSAGE.format(detail=_MALFORMED_DETAILS.get(exc.code, "geçersiz XML"))
    return f"MHRS işlemi beklenmeyen bir hatayla sonuçlandı: {exc}"


_TRANSPORT_DETAILS = {
    "TIMEOUT": "zaman aşımı",
    "CONNECTION": "bağlantı kurulamadı veya koptu",
    "WSDL": "servis tanımı (WSDL) yüklenemedi",
    "TRANSPORT": "iletişim hatası",
}

_MALFORMED_DETAILS = {
    "MALFORMED": "geçersiz XML",
    "MALFORMED-DTD": "yanıtta izin verilmeyen DTD/varlık tanımı var",
    "MALFORMED-SIZE": "yanıt izin verilen boyutu aşıyor",
    "MALFORMED-SCHEMA": "yanıt servis şemasına uymuyor",
}


def _transport_detail(exc):
    if exc.status_code:
        return f"HTTP {exc.status_code}"
    return _TRANSPORT_DETAILS.get(exc.code, "iletişim hatası")
