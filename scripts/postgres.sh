#!/usr/bin/env bash
# Make sure a PostgreSQL server answers; print the settings to use as shell assignments.
# Uses 127.0.0.1:5432 when it answers, else starts a private loopback-only cluster in .pgdata/.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"

answers() { pg_isready -q -h "$DB_HOST" -p "$1" 2>/dev/null; }

ensure_role() {
  local port=$1 user=$2
  if psql -h "$DB_HOST" -p "$port" -U "$user" -d postgres -tAc "select 1" >/dev/null 2>&1; then return 0; fi
  psql -h "$DB_HOST" -p "$port" -U postgres -d postgres -qc \
    "CREATE ROLE \"$user\" LOGIN SUPERUSER CREATEDB" >/dev/null 2>&1 \
    || die "PostgreSQL on $DB_HOST:$port does not accept user $user (trust auth expected)"
}

start_private_cluster() {
  local bindir port=5433
  bindir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bindir" ] || die "No PostgreSQL server binaries found (apt-get install postgresql)"
  local runas=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$PGDATA_DIR" postgres
    runas=(runuser -u postgres --)
  fi
  if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    log "Creating a private PostgreSQL cluster in .pgdata/"
    mkdir -p "$PGDATA_DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres "$PGDATA_DIR"
    "${runas[@]}" "$bindir/initdb" -D "$PGDATA_DIR" -U odoo --auth=trust >/dev/null
  fi
  if ! answers "$port"; then
    log "Starting the private PostgreSQL cluster on $DB_HOST:$port"
    "${runas[@]}" "$bindir/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w \
      -o "-c listen_addresses=$DB_HOST -p $port -k $PGDATA_DIR" start >/dev/null
  fi
  echo "$port"
}

if answers "$DB_PORT"; then
  port=$DB_PORT
  user=${MHRS_DB_USER:-odoo}
  ensure_role "$port" "$user"
else
  port=$(start_private_cluster)
  user=odoo
fi
echo "DB_PORT=$port"
echo "DB_USER=$user"
