#!/usr/bin/env bash
# Builds the LDN Evidence Network and runs the whole set locally, without Docker, on
# 127.0.0.1: the evidence-store, two ingest instances, two query replicas and the notifier,
# each line of their logs prefixed with the instance's name. Loads the bundled dataset (a
# second run reuses the data: the records come back as duplicates). Ctrl-C stops everything.
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
mkdir -p "$data"/store "$data"/query-1 "$data"/query-2 "$data"/notifier

# The client (and what this script runs) spreads requests over both instances.
export LDN_INGEST_ENDPOINT="tcp://127.0.0.1:5550,tcp://127.0.0.1:5551"
export LDN_QUERY_ENDPOINT="tcp://127.0.0.1:5570,tcp://127.0.0.1:5571"

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

# Runs one instance with its log lines prefixed by NAME; its pid goes to `pids`. The prefixer
# ignores Ctrl-C (which the whole terminal group gets), so it outlives the service and the
# service's last lines ("stopped cleanly") are not lost to a closed pipe.
start() {
    local name=$1; shift
    "$@" > >(trap '' INT TERM; exec sed -u "s/^/$(printf '%-9s' "$name")| /") 2>&1 &
    pids+=($!)
}

start store    "$bin/ldn-evidence-store" --data-dir "$data/store"
start ingest-1 "$bin/ldn-ingest" --bind tcp://127.0.0.1:5550
start ingest-2 "$bin/ldn-ingest" --bind tcp://127.0.0.1:5551
start query-1  "$bin/ldn-query" --bind tcp://127.0.0.1:5570 --data-dir "$data/query-1"
start query-2  "$bin/ldn-query" --bind tcp://127.0.0.1:5571 --data-dir "$data/query-2"
start notifier "$bin/ldn-notifier" --data-dir "$data/notifier"

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
echo "run-local: in another shell, to use both ingests and both replicas:"
echo "  export LDN_INGEST_ENDPOINT=$LDN_INGEST_ENDPOINT LDN_QUERY_ENDPOINT=$LDN_QUERY_ENDPOINT"
echo "run-local: Ctrl-C stops it."
wait
