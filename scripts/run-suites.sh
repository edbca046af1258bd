#!/usr/bin/env bash
# Runs the suite on SQLite and on PostgreSQL at the same time (one core each), each into
# its own log; prints both logs and fails when either suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
start=$(date +%s)
make --no-print-directory test-sqlite >"$logs/sqlite.log" 2>&1 &
sqlite_pid=$!
make --no-print-directory test-postgres >"$logs/postgres.log" 2>&1 &
postgres_pid=$!
wait "$sqlite_pid"; sqlite_rc=$?
wait "$postgres_pid"; postgres_rc=$?
cat "$logs/sqlite.log" "$logs/postgres.log"
echo "== suites finished in $(( $(date +%s) - start )) s: SQLite exit $sqlite_rc, PostgreSQL exit $postgres_rc =="
rm -rf "$logs"
[ "$sqlite_rc" -eq 0 ] && [ "$postgres_rc" -eq 0 ]
