from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

PO_FILE = Path(__file__).resolve().parents[1] / "i18n" / "tr.po"


@tagged("post_install", "-at_install")
class TestTurkishTranslation(TransactionCase):
    def test_every_term_is_translated_to_turkish(self):
        """Hospital staff read Turkish: a new label, help text, menu or message needs its tr.po line."""
        translated = {entry.msgid for entry in polib.pofile(str(PO_FILE)) if entry.msgstr.strip()}
        reader = TranslationModuleReader(self.env.cr, modules=["mhrs_connector"])
        terms = {term[4] for term in reader if term[0] == "mhrs_connector" and term[4].strip()}
        missing = sorted(terms - translated)
        if missing:
            self.fail(f"{len(missing)} term(s) missing from i18n/tr.po (run scripts/i18n.sh): {missing[:10]}")
