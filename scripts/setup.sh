#!/usr/bin/env bash
# Idempotent set-up: system packages, Odoo 18.0 source, virtualenv with Odoo and the project's requirements.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"

find_odoo() {
  local candidate
  for candidate in "${ODOO_SRC:-}" /opt/odoo-18.0 "$ROOT/.odoo-src"; do
    if [ -n "$candidate" ] && [ -f "$candidate/odoo/release.py" ] \
       && grep -q "version_info = (18, 0" "$candidate/odoo/release.py"; then
      echo "$candidate"; return 0
    fi
  done
  log "No Odoo 18.0 in \$ODOO_SRC or /opt/odoo-18.0; downloading the official source archive"
  local tmp
  tmp=$(mktemp -d)
  if curl -fsSL --max-time 600 -o "$tmp/odoo.tar.gz" "$ODOO_ARCHIVE_URL" \
     && mkdir -p "$ROOT/.odoo-src" && tar -xzf "$tmp/odoo.tar.gz" -C "$ROOT/.odoo-src" --strip-components=1; then
    rm -rf "$tmp"; echo "$ROOT/.odoo-src"; return 0
  fi
  rm -rf "$tmp" "$ROOT/.odoo-src"
  die "Odoo 18.0 not found. Set ODOO_SRC to an Odoo 18.0 source tree, or unpack one at /opt/odoo-18.0, or allow the download of $ODOO_ARCHIVE_URL."
}

apt_install libldap2-dev libsasl2-dev libpq-dev
command -v chromium >/dev/null || apt_install chromium
command -v wkhtmltopdf >/dev/null || apt_install wkhtmltopdf

ODOO_DIR=$(find_odoo)
stamp="$VENV/.mhrs-stamp"
want=$(cat "$ODOO_DIR/requirements.txt" "$ROOT/requirements.txt" <(echo "$ODOO_DIR") | sha1sum | cut -c1-40)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$PY" -c "import odoo, zeep" 2>/dev/null; then
  exit 0
fi
log "Preparing the virtualenv in .venv (Odoo from $ODOO_DIR)"
[ -x "$PY" ] || python3.11 -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
constraints="$VENV/build-constraints.txt"
# cbor2 and others fail to build with setuptools 81+; pip passes PIP_CONSTRAINT to build environments too.
echo "setuptools<81" > "$constraints"
export PIP_CONSTRAINT="$constraints" PIP_DISABLE_PIP_VERSION_CHECK=1
"$PY" -m pip install -q "setuptools<81" wheel
"$PY" -m pip install -q -r "$ODOO_DIR/requirements.txt"
"$PY" -m pip install -q --no-build-isolation --no-deps -e "$ODOO_DIR"
"$PY" -m pip install -q -r "$ROOT/requirements.txt"
echo "$want" > "$stamp"
log "Virtualenv ready"
