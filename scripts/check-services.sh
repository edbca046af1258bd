#!/usr/bin/env bash
# Makes sure what the suite needs is present; fails loudly instead of letting tests skip.
set -euo pipefail

pg_host=127.0.0.1; pg_port=5432
if ! pg_isready -q -h "$pg_host" -p "$pg_port" 2>/dev/null; then
  echo "PostgreSQL is not answering on $pg_host:$pg_port; trying to start it…"
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h "$pg_host" -p "$pg_port" && break; sleep 1; done
fi
if ! pg_isready -q -h "$pg_host" -p "$pg_port"; then
  echo "FATAL: PostgreSQL is required for the test suite and is not running on $pg_host:$pg_port." >&2
  exit 1
fi
if ! psql -h "$pg_host" -p "$pg_port" -U postgres -d test -Atc 'select 1' >/dev/null; then
  echo "FATAL: cannot connect to PostgreSQL database 'test' as user postgres (trust auth expected)." >&2
  exit 1
fi
for tool in chromium chromedriver; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FATAL: $tool is missing; install Debian's chromium and chromium-driver (.ci/run does)." >&2
    exit 1
  fi
done
echo "services: PostgreSQL ok, Chromium $(chromium --version 2>/dev/null | awk '{print $2}') ok"
