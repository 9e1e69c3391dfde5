#!/usr/bin/env bash
# make lint: ruff and pylint-odoo (OCA's mandatory checks), both must be clean.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
cd "$ROOT"
"$VENV/bin/ruff" check mhrs_connector mhrs_simulator tools
# self.env._ and _() are both 18.0 idioms; core still uses _() almost everywhere.
"$VENV/bin/pylint" --rcfile="$ROOT/.pylintrc" --disable=prefer-env-translation mhrs_connector
if command -v shellcheck >/dev/null; then
  shellcheck -x scripts/*.sh .ci/run
else
  log "shellcheck not installed (apt-get install shellcheck): shell scripts not checked"
fi
echo "lint: clean"
