#!/usr/bin/env bash
# Builds the LDN Evidence Network and runs the whole set locally, without Docker:
# evidence-store, ingest, query and notifier as local processes on 127.0.0.1.
# Logs go to this terminal (each line names its service). Ctrl-C stops everything cleanly.
#
#   ./scripts/run-local.sh            release build, data in ./.ldn-data
#   LDN_DATA_DIR=/tmp/ldn ./scripts/run-local.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! pkg-config --exists libzmq 2>/dev/null; then
    echo "run-local: installing libzmq3-dev (ZeroMQ)…"
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq libzmq3-dev pkg-config
    else sudo apt-get update -qq && sudo apt-get install -y -qq libzmq3-dev pkg-config; fi
fi

echo "run-local: building (release)…"
swift build -c release
bin="$(swift build -c release --show-bin-path)"
data="${LDN_DATA_DIR:-./.ldn-data}"
mkdir -p "$data"/store "$data"/query "$data"/notifier

pids=()
stop() {
    trap - INT TERM
    echo "run-local: stopping…"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    status=0
    for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
    echo "run-local: all stopped"
    exit $status
}
trap stop INT TERM

"$bin/ldn-evidence-store" --data-dir "$data/store" & pids+=($!)
"$bin/ldn-ingest" & pids+=($!)
"$bin/ldn-query" --data-dir "$data/query" & pids+=($!)
"$bin/ldn-notifier" --data-dir "$data/notifier" & pids+=($!)

for _ in $(seq 1 50); do
    if "$bin/ldn" status --timeout 0.2 >/dev/null 2>&1; then break; fi
    sleep 0.1
done
echo
"$bin/ldn" status || true
echo
echo "run-local: loading the bundled dataset (data/ldn-evidence.jsonl)…"
"$bin/ldn" submit data/ldn-evidence.jsonl || true
echo
for _ in $(seq 1 50); do
    if "$bin/ldn" summary crohns >/dev/null 2>&1; then break; fi
    sleep 0.1
done
"$bin/ldn" summary crohns || true
echo
echo "run-local: the set is up; the client is $bin/ldn (try: ldn summary fibromyalgia, ldn search spasticity)."
echo "run-local: Ctrl-C stops it."
wait
