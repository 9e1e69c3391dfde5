#!/usr/bin/env bash
# make bench: a fresh throwaway database (addon installed, no demo data), then the sync benchmark, once per
# MHRS interface (REST MHRS V2, then SOAP G2; `--interface rest|g2` runs one). Extra arguments go to
# bench/bench_sync.py (e.g. --physicians 100); figures land in bench/results/.
set -uo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
DB=${MHRS_BENCH_DB:-mhrs_bench}
BENCH_HTTP_PORT=${MHRS_BENCH_HTTP_PORT:-8269}
conf=$("$ROOT/scripts/odoo-conf.sh" "$ROOT/.odoo-bench.conf" "$BENCH_HTTP_PORT") || exit 1
eval "$("$ROOT/scripts/postgres.sh")" || exit 1
cd "$ROOT" || exit 1

interfaces=(rest g2)
for arg in "$@"; do
  case $arg in
    --interface|--interface=*) interfaces=("") ;;
  esac
done
status=0
for interface in "${interfaces[@]}"; do
  # Every wire from a fresh database: step 1b needs a hospital whose patients are not in Odoo yet.
  fresh_database "$DB" "$conf" "$ROOT/.bench-install.log" --without-demo=all
  log "Benchmark of the appointment sync${interface:+ over $interface}"
  # The database is kept for inspection; the next run drops it.
  "$PY" bench/bench_sync.py -c "$conf" -d "$DB" ${interface:+--interface "$interface"} "$@" || status=$?
done
exit $status
