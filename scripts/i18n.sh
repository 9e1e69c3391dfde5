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
"$PY" -m odoo -c "$conf" -d "$db" --modules=mhrs_connector --language=tr_TR \
  --i18n-export="$i18n/tr.po" --stop-after-init --log-level=warn
"$PY" - "$i18n/tr.po" <<'PY'
import sys
import polib
po = polib.pofile(sys.argv[1])
missing = [e.msgid for e in po if not e.msgstr and not e.obsolete]
print(f"tr.po: {len(po)} entries, {len(missing)} untranslated")
PY
