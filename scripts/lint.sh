#!/usr/bin/env bash
# make lint: ruff and pylint-odoo (OCA's mandatory checks), both must be clean.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
cd "$ROOT"
"$VENV/bin/ruff" check mhrs_connector mhrs_simulator tools bench conftest.py
# self.env._ and _() are both 18.0 idioms; core still uses _() almost everywhere.
"$VENV/bin/pylint" --rcfile="$ROOT/.pylintrc" --disable=prefer-env-translation mhrs_connector
command -v shellcheck >/dev/null || apt_install shellcheck
shellcheck -x scripts/*.sh .ci/run
echo "lint: clean"
