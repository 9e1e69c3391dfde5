#!/usr/bin/env bash
# make bench: a fresh throwaway database (addon installed, no demo data), then the sync benchmark.
# Extra arguments go to bench/bench_sync.py (e.g. --physicians 100); figures land in bench/results/.
set -uo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
DB=${MHRS_BENCH_DB:-mhrs_bench}
BENCH_HTTP_PORT=${MHRS_BENCH_HTTP_PORT:-8269}
conf=$("$ROOT/scripts/odoo-conf.sh" "$ROOT/.odoo-bench.conf" "$BENCH_HTTP_PORT") || exit 1
eval "$("$ROOT/scripts/postgres.sh")" || exit 1
cd "$ROOT" || exit 1

dropdb -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" --if-exists "$DB" || exit 1
rm -rf "$ROOT/.odoo-data/filestore/$DB"
log "Installing mhrs_connector without demo data in a fresh database $DB"
if ! "$PY" -m odoo -c "$conf" -d "$DB" -i mhrs_connector --without-demo=all --stop-after-init \
     --log-level=warn >"$ROOT/.bench-install.log" 2>&1 \
   || grep -Eq "(ERROR|CRITICAL) $DB" "$ROOT/.bench-install.log"; then
  tail -n 60 "$ROOT/.bench-install.log"
  die "Installing the addon failed (full log: .bench-install.log)"
fi
log "Benchmark of the appointment sync"
# The database is kept for inspection; the next run drops it.
"$PY" bench/bench_sync.py -c "$conf" -d "$DB" "$@"
