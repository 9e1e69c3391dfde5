#!/usr/bin/env bash
# make run: the simulator on 127.0.0.1:8070 and Odoo on 127.0.0.1:8069 with the demo hospital.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
DB=${MHRS_DB:-mhrs_demo}
conf=$("$ROOT/scripts/odoo-conf.sh" "$ROOT/.odoo.conf" "$ODOO_PORT")
eval "$("$ROOT/scripts/postgres.sh")"
cd "$ROOT"

sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  return 0
}
trap cleanup EXIT INT TERM

log "Starting the MHRS simulator on http://$SIM_HOST:$SIM_PORT (REST /api/rs/..., SOAP G2 /MHRSWS/services/mhrsweb)"
"$PY" -m mhrs_simulator --host "$SIM_HOST" --port "$SIM_PORT" --seed-demo \
  --state "$ROOT/.simulator-state.json" >"$ROOT/.simulator.log" 2>&1 &
sim_pid=$!

if psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres -tAc \
     "select 1 from pg_database where datname='$DB'" | grep -q 1; then
  log "Updating mhrs_connector in database $DB"
  # The addon's Turkish terms replace the ones the database has, so renamed labels follow the code.
  # English is (re)activated too: a database created before both were loaded had Turkish only.
  "$PY" -m odoo -c "$conf" -d "$DB" -u mhrs_connector --i18n-overwrite --stop-after-init --log-level=warn \
    --load-language=en_US
else
  log "Creating database $DB with the addon and demo data (first run, a few minutes)"
  # Turkish first (the demo users' language), English next to it so that users can choose it.
  "$PY" -m odoo -c "$conf" -d "$DB" -i mhrs_connector --stop-after-init --log-level=warn \
    --load-language=tr_TR,en_US
fi

log "Bringing the demo hospital to life: registering it on the simulator, citizens book appointments"
"$PY" "$ROOT/scripts/demo_bootstrap.py" -c "$conf" -d "$DB" \
  --simulator "http://$SIM_HOST:$SIM_PORT" || log "Demo bootstrap failed (see above)"

cat >&2 <<MSG

  MHRS connector is starting:  http://$DB_HOST:$ODOO_PORT/odoo?db=$DB
  Login: admin   Password: admin
  MHRS simulator:              http://$SIM_HOST:$SIM_PORT (REST MHRS V2 and SOAP G2 ?wsdl at /MHRSWS/services/mhrsweb)
  Stop both with Ctrl-C.

MSG
"$PY" -m odoo -c "$conf" -d "$DB" --db-filter="^$DB\$" --log-level=info
