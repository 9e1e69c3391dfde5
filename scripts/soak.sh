#!/usr/bin/env bash
# make soak: 1,000 outbound MHRS operations with 30% of the calls failing, then 10 simulated days of
# appointment activity with MHRS outages, in a fresh throwaway database, over each MHRS interface (REST MHRS V2,
# then SOAP G2; MHRS_SOAK_INTERFACES="rest" runs one); prints lost / duplicated / drifted counts (all must
# be 0) and MHRS calls made against calls needed.
set -uo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
DB=${MHRS_SOAK_DB:-mhrs_soak}
SOAK_HTTP_PORT=${MHRS_SOAK_HTTP_PORT:-8179}
conf=$("$ROOT/scripts/odoo-conf.sh" "$ROOT/.odoo-soak.conf" "$SOAK_HTTP_PORT") || exit 1
eval "$("$ROOT/scripts/postgres.sh")" || exit 1
cd "$ROOT" || exit 1

fresh_database "$DB" "$conf" "$ROOT/.soak-install.log" --without-demo=all
status=0
for interface in ${MHRS_SOAK_INTERFACES:-rest g2}; do
  log "Soak over $interface: 1,000 operations with 30% faults, then 10 simulated days of appointments with outages"
  MHRS_SOAK_INTERFACE=$interface "$PY" -m pytest -p no:cacheprovider bench/soak.py -s -q \
    --odoo-config="$conf" --odoo-database="$DB" --odoo-log-level=warn || status=1
done
dropdb -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" --if-exists "$DB"
exit $status
