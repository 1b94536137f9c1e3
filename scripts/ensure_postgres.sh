#!/usr/bin/env bash
# The sync tests run the office server on a real PostgreSQL (as production does). Make sure
# one answers on 127.0.0.1:5432: start this machine's cluster if it is stopped; on a machine
# without PostgreSQL (and with root), install Debian's and let local connections in without
# a password (trust, for 127.0.0.1 only — a test machine). XJWC_TEST_PG names another
# server's admin connection (libpq keywords) instead.
set -euo pipefail
[ -n "${XJWC_TEST_PG:-}" ] && exit 0
ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
command -v pg_isready >/dev/null && ready && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
if [ ! -d /etc/postgresql ] && command -v apt-get >/dev/null; then
  echo "== installing PostgreSQL for the sync tests"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
  for hba in /etc/postgresql/*/main/pg_hba.conf; do
    printf 'host all all 127.0.0.1/32 trust\nlocal all all trust\n' | $sudo tee "$hba.xjwc" >/dev/null
    $sudo sh -c "cat '$hba' >> '$hba.xjwc' && mv '$hba.xjwc' '$hba'"
  done
fi
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
fi
for _ in $(seq 30); do ready && exit 0; sleep 1; done
echo "PostgreSQL does not answer on 127.0.0.1:5432 (the sync tests need it; set XJWC_TEST_PG" \
     "to another server's admin connection, e.g. 'host=db user=postgres dbname=postgres')" >&2
exit 1
