#!/usr/bin/env bash
# Refresh mhrs_connector/i18n/mhrs_connector.pot and tr.po from the code (existing translations kept).
# Usage: scripts/i18n.sh DATABASE   (a database where mhrs_connector and tr_TR are installed)
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
db=${1:?database name}
conf=$("$ROOT/scripts/odoo-conf.sh" "$ROOT/.odoo-i18n.conf" 8469)
i18n="$ROOT/mhrs_connector/i18n"
"$PY" -m odoo -c "$conf" -d "$db" -u mhrs_connector --stop-after-init --log-level=warn
"$PY" -m odoo -c "$conf" -d "$db" --modules=mhrs_connector --i18n-export="$i18n/mhrs_connector.pot" \
  --stop-after-init --log-level=warn
previous=$(mktemp)
cp "$i18n/tr.po" "$previous" 2>/dev/null || : > "$previous"
"$PY" -m odoo -c "$conf" -d "$db" --modules=mhrs_connector --language=tr_TR \
  --i18n-export="$i18n/tr.po" --stop-after-init --log-level=warn
# The export may miss translations the database has not loaded: keep every earlier one by source text.
"$PY" - "$i18n/tr.po" "$previous" <<'PY'
import sys
import polib
po = polib.pofile(sys.argv[1], wrapwidth=0)
old = {e.msgid: e.msgstr for e in polib.pofile(sys.argv[2]) if e.msgstr} if open(sys.argv[2]).read() else {}
for entry in po:
    if not entry.msgstr and old.get(entry.msgid):
        entry.msgstr = old[entry.msgid]
po.save(sys.argv[1])
missing = [e.msgid for e in po if not e.msgstr and not e.obsolete]
print(f"tr.po: {len(po)} entries, {len(missing)} untranslated")
PY
rm -f "$previous"
