#!/usr/bin/env bash
# Write the Odoo configuration file used by make run / make test: .odoo.conf (or $1).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
conf=${1:-$ROOT/.odoo.conf}
http_port=${2:-$ODOO_PORT}
eval "$("$ROOT/scripts/postgres.sh")"
odoo_dir=$("$PY" -c "import odoo, os; print(os.path.dirname(os.path.dirname(odoo.__file__)))")
cat > "$conf" <<CONF
[options]
addons_path = $odoo_dir/odoo/addons,$odoo_dir/addons,$ROOT
data_dir = $ROOT/.odoo-data
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_password = False
http_interface = $DB_HOST
http_port = $http_port
gevent_port = $((http_port + 3))
list_db = True
proxy_mode = False
max_cron_threads = 1
CONF
echo "$conf"
