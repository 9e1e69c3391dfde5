"""Code lists and the error catalogue of docs/contract.md (texts in Turkish, as MHRS answers)."""

# docs/mhrs-domain.md §4 (MHRSAksiyonEnum); only 1 and 28 open slots in the simulator (docs/contract.md).
ACTIONS = {
    1: "Çalışma Saatleri",
    3: "Geçici Görev",
    4: "Hafta Sonu",
    5: "Yıllık İzin",
    6: "Nöbet",
    7: "Yılbaşı",
    8: "Resmi Tatil",
    9: "Dini Bayram",
    10: "Ameliyatta",
    12: "Serviste",
    13: "Nöbet İzni",
    14: "Eğitim/Kongre",
    19: "Sağlık Kurulu",
    28: "Acil Poliklinik",
    29: "Doğumhane",
    30: "Hastalık İzni",
    46: "Öğle Arası",
    62: "Vefat İzni",
    63: "İdari Görev",
    70: "İdari İzin",
    101: "Devam Eden Muayene",
}
BOOKABLE_ACTIONS = frozenset({1, 28})

# KLIN list of docs/mhrs-domain.md §4 (mucahidyazar/api src/data/policinic.ts, MHRS portal clinic ids); the
# authoritative list is SKRS "Klinikler". More can be seeded.
BRANCHES = {
    103: "Ağız, Diş ve Çene Cerrahisi",
    104: "Ağız, Diş ve Çene Radyolojisi",
    106: "Aile Hekimliği",
    109: "Anesteziyoloji ve Reanimasyon",
    112: "Beyin ve Sinir Cerrahisi",
    116: "Çocuk Cerrahisi",
    117: "Çocuk Diş Hekimliği",
    118: "Çocuk Endokrinolojisi",
    119: "Çocuk Enfeksiyon Hastalıkları",
    120: "Çocuk Gastroenterolojisi",
    123: "Çocuk Hematolojisi ve Onkolojisi",
    124: "Çocuk İmmünolojisi ve Alerji Hastalıkları",
    126: "Çocuk Kardiyolojisi",
    128: "Çocuk Nefrolojisi",
    129: "Çocuk Nörolojisi",
    131: "Çocuk Romatolojisi",
    132: "Çocuk Sağlığı ve Hastalıkları",
    133: "Çocuk Ürolojisi",
    134: "Çocuk ve Ergen Ruh Sağlığı ve Hastalıkları",
    136: "Deri ve Zührevi Hastalıkları",
    138: "Endodonti",
    139: "Endokrinoloji ve Metabolizma Hastalıkları",
    140: "Enfeksiyon Hastalıkları ve Klinik Mikrobiyoloji",
    142: "Fiziksel Tıp ve Rehabilitasyon",
    144: "Gastroenteroloji",
    147: "Genel Cerrahi",
    148: "Geriatri",
    149: "Göğüs Cerrahisi",
    150: "Göğüs Hastalıkları",
    155: "Hematoloji",
    157: "İç Hastalıkları",
    158: "İmmünoloji ve Alerji Hastalıkları",
    161: "Kadın Hastalıkları ve Doğum",
    162: "Kalp ve Damar Cerrahisi",
    163: "Kardiyoloji",
    165: "Kulak Burun Boğaz",
    166: "Nefroloji",
    168: "Nöroloji",
    170: "Ortodonti",
    171: "Ortopedi ve Travmatoloji",
    174: "Periodontoloji",
    175: "Plastik, Rekonstrüktif ve Estetik Cerrahi",
    176: "Protetik Diş Tedavisi",
    177: "Radyasyon Onkolojisi",
    179: "Restoratif Diş Tedavisi",
    180: "Romatoloji",
    181: "Psikiyatri",
    189: "Tıbbi Genetik",
    192: "Tıbbi Onkoloji",
    196: "Üroloji",
    198: "Diş Hekimliği (Genel Diş)",
    199: "Çocuk Göğüs Hastalıkları",
    210: "Sağlık Kurulu",
    211: "Sağlık Kurulu ÇÖZGER (Çocuk Özel Gereksinim Raporu)",
    150001: "Sigarayı Bıraktırma Kliniği",
    168001: "Uyku Polikliniği",
    9000001: "Glokom",
}

# IptalEdenTipi: who cancelled.
CANCEL_CITIZEN, CANCEL_INSTITUTION, CANCEL_EXCEPTION, CANCEL_AUTOMATIC = 1, 2, 3, 4
# EkleyenKullaniciTipi (channel): 4 = hospital, the channel of bookings made through this service.
CHANNEL_HOSPITAL = 4
ACTIVE, CANCELLED = 1, 2  # KayitDurumKodu
UNDETERMINED, ATTENDED, NOT_ATTENDED = 0, 1, 2  # DurumKodu
PENDING, APPROVED, REJECTED = 1, 2, 3  # IstisnaDurumKodu

MESSAGES = {
    "GEN-001": "Kimlik doğrulama başarısız (kullanıcı adı, şifre veya kurum kodu hatalı).",
    "GEN-002": "İstek şemaya uygun değil.",
    "GEN-003": "Tanımsız etkileşim (işlem kodu).",
    "GEN-004": "Tanımsız kurum kodu.",
    "GEN-005": "Geçersiz T.C. kimlik numarası.",
    "GEN-006": "Geçersiz tarih aralığı (bitiş başlangıçtan sonra olmalı).",
    "KLN-001": "Tanımsız klinik kodu.",
    "KLN-002": "Alt klinik bulunamadı.",
    "KLN-003": "Bu klinikte aynı adla bir alt klinik zaten var.",
    "KLN-004": "Alt kliniğin aktif cetvelleri veya ileri tarihli randevuları var.",
    "KLN-005": "Alt klinik zaten iptal edilmiş.",
    "SBL-001": "Şablon bulunamadı.",
    "SBL-002": "Geçersiz şablon satırları (çakışma, slot süresi bloğu bölmüyor veya tanımsız aksiyon).",
    "SBL-003": "Bu adla bir şablon zaten var.",
    "CTV-001": "Cetvel hekimin mevcut bir cetveli ile çakışıyor.",
    "CTV-002": "Cetvel bulunamadı.",
    "CTV-003": "Cetvelde alınmış randevular var; istisna girilmelidir.",
    "CTV-004": "Geçersiz cetvel bloğu.",
    "CTV-005": "Kesin cetvel yerinde değiştirilemez: silinip yeniden eklenmelidir.",
    "IST-001": "İstisna bulunamadı.",
    "IST-002": "Geçersiz istisna (dönem veya aksiyon kodu).",
    "RND-001": "Slot uygun değil (dolu, kapalı veya tanımsız).",
    "RND-002": "Randevu bulunamadı.",
    "RND-003": "Randevu zaten iptal edilmiş.",
    "RND-004": "Telefon numarası zorunludur.",
    "RND-005": "Randevu zamanı geçmiş.",
    "RDG-001": "{0} durum kodu tanımlı değildir.",
    "RDG-002": "Randevu durumu 'Geldi' olduğunda geliş zamanı zorunludur.",
    "RDG-003": "{0} numaralı randevu bulunamadı.",
    "RDG-004": "Bu randevuyu güncelleme yetkiniz yok.",
    "RDG-005": "Randevu durumu güncelleme yetkiniz yok.",
    "RDG-006": "Randevu zamanı henüz gelmedi.",
    "RDG-007": "Randevu iptal edilmiş, gerçekleşme durumu girilemez.",
    "RDG-008": "Randevu durumu zaten {0}, değişiklik yapılmadı.",
}


def message(code, *args):
    return MESSAGES.get(code, code).format(*args)


class SimError(Exception):
    """A business refusal: each wire answers it in its own error shape (REST ``errors``, G2
    ``ServisBasarisi=false`` with ``Aciklama`` "<code>: <text>")."""

    def __init__(self, code, text=None):
        super().__init__(code)
        self.code = code
        self.text = text or message(code)


def block_is_valid(action, slot, capacity, minutes):
    """Shared by template lines and schedule blocks: known action, bookable ones need slot settings."""
    if action not in ACTIONS or minutes <= 0:
        return False
    if action not in BOOKABLE_ACTIONS:
        return True
    return bool(slot) and slot > 0 and minutes % slot == 0 and (capacity or 0) >= 1
