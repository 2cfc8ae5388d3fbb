#!/usr/bin/env bash
# The PostgreSQL tests need a server on 127.0.0.1:5432 that trusts local connections.
# Start Debian's cluster when one is installed but not running; fail, naming it, when none is.
set -uo pipefail
ensure_role() {
  # The tests connect over the local socket as the user running them.
  me=$(id -un)
  if [ "$(id -u)" = 0 ] && ! psql -h /var/run/postgresql -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    runuser -u postgres -- psql -q -c "CREATE ROLE \"$me\" SUPERUSER LOGIN" 2>/dev/null || true
  fi
}
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then ensure_role; exit 0; fi
if command -v pg_lsclusters >/dev/null; then
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -n "$ver" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || true
    for _ in $(seq 20); do pg_isready -q -h 127.0.0.1 -p 5432 && { ensure_role; exit 0; }; sleep 0.5; done
  fi
fi
echo "PostgreSQL is not reachable on 127.0.0.1:5432 and could not be started:" >&2
echo "the PostgreSQL tests need it (apt-get install postgresql, then run this again)." >&2
exit 1
