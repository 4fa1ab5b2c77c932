#!/usr/bin/env bash
# Installs Debian's PostgreSQL, starts a cluster listening on 127.0.0.1 only, creates a role and a
# database for the store tests, and prints their URL on stdout (everything else goes to stderr), so
# that CI can do:  export KSNODE_TEST_PG_URL="$(bash scripts/ci-postgres.sh)"
# Idempotent: a second run reuses the package, the cluster, the role and the database.
# Needs root (or passwordless sudo) because it installs packages and runs as the postgres user.
set -euo pipefail

ROLE="${KSNODE_PG_ROLE:-ksnode}"
PASSWORD="${KSNODE_PG_PASSWORD:-ksnode}"
DATABASE="${KSNODE_PG_DATABASE:-ksnode_test}"
PORT="${KSNODE_PG_PORT:-5432}"

log() { echo "ci-postgres: $*" >&2; }

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo -n); fi
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres -- "$@"; fi
}

# Identifiers and the password are interpolated into SQL below: accept only plain names.
for v in "$ROLE" "$DATABASE" "$PASSWORD"; do
  [[ "$v" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { log "refusing unsafe name or password '$v'"; exit 1; }
done

if ! dpkg -s postgresql >/dev/null 2>&1; then
  log "installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update >&2
  "${SUDO[@]}" apt-get install -y --no-install-recommends postgresql >&2
else
  log "postgresql package already installed"
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
[ -n "$VERSION" ] || { log "no PostgreSQL server found under /usr/lib/postgresql"; exit 1; }

if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION main"; then
  log "creating cluster $VERSION/main"
  "${SUDO[@]}" pg_createcluster "$VERSION" main --port "$PORT" >&2
fi

# Loopback only: the test database must never be reachable from other machines. A drop-in file
# (Debian's postgresql.conf ends with include_dir = 'conf.d') leaves the packaged file untouched.
CONF_DIR="/etc/postgresql/$VERSION/main/conf.d"
WANT_CONF="$(printf "listen_addresses = '127.0.0.1'\nport = %s" "$PORT")"
CHANGED=0
if [ "$(cat "$CONF_DIR/ksnode-test.conf" 2>/dev/null || true)" != "$WANT_CONF" ]; then
  echo "$WANT_CONF" | "${SUDO[@]}" tee "$CONF_DIR/ksnode-test.conf" >/dev/null
  CHANGED=1
fi

STATUS="$(pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $4}')"
if [ "$STATUS" = "online" ]; then
  if [ "$CHANGED" = 1 ]; then
    log "cluster $VERSION/main is running; restarting to apply the loopback settings"
    "${SUDO[@]}" pg_ctlcluster "$VERSION" main restart >&2
  else
    log "cluster $VERSION/main is already running with the loopback settings"
  fi
else
  log "starting cluster $VERSION/main on 127.0.0.1:$PORT"
  "${SUDO[@]}" pg_ctlcluster "$VERSION" main start >&2
fi

for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "$PORT"; then break; fi
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$PORT" >&2 || { log "server did not become ready"; exit 1; }

psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres "$@"; }

if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
  log "creating role $ROLE"
  psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2
else
  psql_admin -c "ALTER ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2
fi
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != "1" ]; then
  log "creating database $DATABASE"
  psql_admin -c "CREATE DATABASE $DATABASE OWNER $ROLE" >&2
fi

URL="postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
# Prove the URL works over TCP with the password before handing it out.
PGPASSWORD="$PASSWORD" psql -X -q -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d "$DATABASE" -tAc 'SELECT 1' >/dev/null
log "ready: $URL"
echo "$URL"
