#!/usr/bin/env bash
# Shared settings for the set-up scripts. Sourced, never run.
# shellcheck disable=SC2034
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
ODOO_ARCHIVE_URL="${ODOO_ARCHIVE_URL:-https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz}"
PGDATA_DIR="$ROOT/.pgdata"
DB_HOST=127.0.0.1
DB_PORT="${MHRS_DB_PORT:-5432}"
SIM_HOST=127.0.0.1
SIM_PORT="${MHRS_SIM_PORT:-8070}"
ODOO_PORT="${MHRS_ODOO_PORT:-8069}"

log() { printf '\033[1m[mhrs]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[mhrs] %s\033[0m\n' "$*" >&2; exit 1; }

# fresh_database DB CONF LOG [odoo args...]: drop DB, install mhrs_connector into a new one with the
# given extra Odoo arguments; on failure print the log's tail and stop. Needs DB_HOST/DB_PORT/DB_USER.
fresh_database() {
  local db=$1 conf=$2 logfile=$3
  shift 3
  dropdb -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" --if-exists "$db" || exit 1
  rm -rf "$ROOT/.odoo-data/filestore/$db"
  log "Installing mhrs_connector in a fresh database $db"
  if ! "$PY" -m odoo -c "$conf" -d "$db" -i mhrs_connector --stop-after-init --log-level=warn "$@" \
       >"$logfile" 2>&1 || grep -Eq "(ERROR|CRITICAL) $db" "$logfile"; then
    tail -n 60 "$logfile"
    die "Installing the addon failed (full log: $logfile)"
  fi
}

# Debian packages, installed when missing (root, or through sudo).
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "Missing system packages: ${missing[*]} (no apt-get to install them)"
  log "Installing system packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
