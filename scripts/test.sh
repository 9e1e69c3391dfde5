#!/usr/bin/env bash
# make test: a fresh throwaway database, the addon installed, then the simulator's and the addon's tests.
set -uo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
DB=${MHRS_TEST_DB:-mhrs_test}
TEST_HTTP_PORT=${MHRS_TEST_HTTP_PORT:-8169}
conf=$("$ROOT/scripts/odoo-conf.sh" "$ROOT/.odoo-test.conf" "$TEST_HTTP_PORT") || exit 1
eval "$("$ROOT/scripts/postgres.sh")" || exit 1
cd "$ROOT" || exit 1

fresh_database "$DB" "$conf" "$ROOT/.install.log"
# English stays the users' language in the test database (tests read English source strings); Turkish
# is loaded next to it so that a broken tr.po fails the run.
if ! "$PY" -m odoo -c "$conf" -d "$DB" --load-language=tr_TR --stop-after-init --log-level=warn \
     >>"$ROOT/.install.log" 2>&1 || grep -Eq "(ERROR|CRITICAL) $DB" "$ROOT/.install.log"; then
  tail -n 60 "$ROOT/.install.log"
  die "Loading the Turkish translation failed (full log: .install.log)"
fi

status=0
run_pytest() {
  "$PY" -m pytest "$@"
  local rc=$?
  # pytest's 5 means no test ran: a failure here, never a pass.
  [ $rc -ne 0 ] && status=$rc
  return 0
}
log "Simulator and client tests"
run_pytest -p no:cacheprovider -p no:odoo mhrs_simulator/tests "${PYTEST_ARGS[@]:+${PYTEST_ARGS[@]}}"
log "Wire tests (REST MHRS V2 and SOAP G2 against the simulator, no Odoo)"
run_pytest -p no:cacheprovider -p no:odoo mhrs_connector/wire/tests "${PYTEST_ARGS[@]:+${PYTEST_ARGS[@]}}"
log "Addon tests (Odoo, over HTTP against the simulator, with browser tours)"
run_pytest -p no:cacheprovider mhrs_connector/tests --odoo-config="$conf" --odoo-database="$DB" --odoo-http \
  --odoo-log-level=warn
exit $status
