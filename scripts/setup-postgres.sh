#!/usr/bin/env bash
# Install what the PostgreSQL tests need on a fresh machine (idempotent, quick when done):
# Debian's PostgreSQL server binaries (initdb, pg_ctl, postgres; pg_trgm ships with them).
# The tests start their own throwaway server (tests/postgres_server.py); no cluster or
# service is created or started here.
set -euo pipefail

found() {
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1
}

if ! found; then
    if [ "$(id -u)" = 0 ]; then
        # Debian's package would create and start a "main" cluster; the tests need none.
        mkdir -p /etc/postgresql-common
        if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
            echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
        fi
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            postgresql postgresql-contrib >/dev/null
    else
        echo "setup-postgres: PostgreSQL is missing; run: sudo apt-get install postgresql" >&2
        exit 1
    fi
fi
initdb=$(compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -1 || true)
echo "setup-postgres: $("${initdb:-initdb}" --version)"
