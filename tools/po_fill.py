"""Fill untranslated entries of a .po file from JSON dictionaries {source: translation}.

Usage: .venv/bin/python tools/po_fill.py mhrs_connector/i18n/tr.po translations.json [more.json ...]
Prints how many entries were filled and how many remain untranslated.
"""

import json
import sys

import polib


def main(po_path, *json_paths):
    table = {}
    for path in json_paths:
        with open(path, encoding="utf-8") as handle:
            table.update(json.load(handle))
    po = polib.pofile(po_path, wrapwidth=0)
    filled = 0
    for entry in po:
        if not entry.msgstr and table.get(entry.msgid):
            entry.msgstr = table[entry.msgid]
            filled += 1
    po.save(po_path)
    left = sum(1 for entry in po if not entry.msgstr and not entry.obsolete)
    print(f"{po_path}: filled {filled}, untranslated {left}")


if __name__ == "__main__":
    main(*sys.argv[1:])
