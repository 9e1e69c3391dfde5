#!/usr/bin/env bash
# make scale: MHRS companies on two Odoo servers in multi-process mode against the simulator (citizens'
# activity, kill -9 of one server mid-sync), the sweep's wall time with 1, 2 and 4 cron workers.
# make prod-check (scripts/scale.sh --check): one server with --workers; websocket, cron workers, MHRS jobs.
# Extra arguments go to bench/scale.py (--companies, --physicians, --minutes, --sweep...).
set -uo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
DB=${MHRS_SCALE_DB:-mhrs_scale}
SCALE_HTTP_PORT=${MHRS_SCALE_HTTP_PORT:-8189}
conf=$("$ROOT/scripts/odoo-conf.sh" "$ROOT/.odoo-scale.conf" "$SCALE_HTTP_PORT") || exit 1
eval "$("$ROOT/scripts/postgres.sh")" || exit 1
cd "$ROOT" || exit 1

fresh_database "$DB" "$conf" "$ROOT/.scale-install.log" --without-demo=all
"$PY" bench/scale.py -c "$conf" -d "$DB" "$@"
status=$?
[ "${MHRS_SCALE_KEEP:-}" ] || dropdb -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" --if-exists "$DB"
exit $status
