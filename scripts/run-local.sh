#!/usr/bin/env bash
# Builds the LDN Evidence Network and runs the whole set locally, without Docker, on
# 127.0.0.1: the evidence-store, two ingest instances, two query replicas, the notifier and
# the harvester, each line of their logs prefixed with the instance's name. Loads the bundled dataset (a
# second run reuses the data: the records come back as duplicates). Ctrl-C stops everything.
# It checks that the services answering are the ones it started: when another set already
# holds the ports or the data folder, it stops what it started, says why, and exits 1.
#
#   ./scripts/run-local.sh               release build, data in ./.ldn-data, ports 5550-5590
#   ./scripts/run-local.sh --no-dataset  the same without loading the bundled dataset
#   LDN_DATA_DIR=/tmp/ldn ./scripts/run-local.sh              data elsewhere
#   LDN_LOCAL_BASE_PORT=6550 ./scripts/run-local.sh           every port moved by the same amount (6550-6590)
#   LDN_BIN_DIR=.build/debug ./scripts/run-local.sh           executables already built there; no build
#
# The notifier runs with --allow-private-webhooks: the whole set is on loopback, and so are
# the webhook receivers one tries it with.
# The harvester (port 5590, data in ./.ldn-data/harvester) submits through both ingests. By
# default its saved searches ask the real PubMed (eutils.ncbi.nlm.nih.gov) and
# ClinicalTrials.gov: without internet access a search's runs fail and, after a few, the
# search is paused with the reason (`ldn harvest list`); the rest of the set is unaffected.
# LDN_PUBMED_BASE / LDN_CTGOV_BASE point it elsewhere (the tests use a local imitation),
# LDN_NCBI_EMAIL gives NCBI a contact address (docs/HARVEST.md).
set -euo pipefail
cd "$(dirname "$0")/.."

load_dataset=1
for argument in "$@"; do
    case "$argument" in
        --no-dataset) load_dataset=0 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "run-local: unknown argument \"$argument\" (--no-dataset, --help)" >&2; exit 64 ;;
    esac
done

if [ -n "${LDN_BIN_DIR:-}" ]; then
    bin="$(cd "$LDN_BIN_DIR" && pwd)"
else
    if ! pkg-config --exists libzmq 2>/dev/null; then
        echo "run-local: installing libzmq3-dev (ZeroMQ)…"
        if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq libzmq3-dev pkg-config
        else sudo apt-get update -qq && sudo apt-get install -y -qq libzmq3-dev pkg-config; fi
    fi
    echo "run-local: building (release)…"
    swift build -c release
    bin="$(swift build -c release --show-bin-path)"
fi
data="${LDN_DATA_DIR:-./.ldn-data}"
mkdir -p "$data"/store "$data"/query-1 "$data"/query-2 "$data"/notifier "$data"/harvester

base="${LDN_LOCAL_BASE_PORT:-5550}"
endpoint() { echo "tcp://127.0.0.1:$((base + $1))"; }
ingest1=$(endpoint 0) ingest2=$(endpoint 1) store=$(endpoint 10) feed=$(endpoint 11)
query1=$(endpoint 20) query2=$(endpoint 21) notifier=$(endpoint 30) stream=$(endpoint 31)
harvester=$(endpoint 40)

# The client (and what this script runs) spreads requests over both instances.
export LDN_INGEST_ENDPOINT="$ingest1,$ingest2" LDN_QUERY_ENDPOINT="$query1,$query2" LDN_STORE_ENDPOINT="$store"
export LDN_NOTIFIER_ENDPOINT="$notifier" LDN_NOTIFIER_STREAM_ENDPOINT="$stream" LDN_HARVESTER_ENDPOINT="$harvester"
ldn="$bin/ldn"

logs="$(mktemp -d)"
names=() pids=()
# Stops every instance; exits with STATUS if given, else with the first failing instance's.
stop() {
    trap - INT TERM
    local status=${1:-0} code
    echo "run-local: stopping…"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null && continue
        code=$?
        [ "$status" -ne 0 ] || status=$code
    done
    rm -rf "$logs"
    echo "run-local: all stopped"
    exit "$status"
}
trap stop INT TERM

# Runs one instance with its log lines prefixed by NAME (and kept in $logs/NAME.log); its
# pid goes to `pids`. The log readers ignore Ctrl-C (which the whole terminal group gets),
# so they outlive the service and its last lines ("stopped cleanly") are not lost.
start() {
    local name=$1; shift
    "$@" > >(trap '' INT TERM; tee "$logs/$name.log" | sed -u "s/^/$(printf '%-9s' "$name")| /") 2>&1 &
    names+=("$name") pids+=($!)
}

# Says which instance failed, in its own words, stops the rest and exits 1.
give_up() {
    echo >&2
    echo "run-local: $1" >&2
    for i in "${!names[@]}"; do
        local line
        line=$(grep -m1 -E "critical|error|in use" "$logs/${names[$i]}.log" 2>/dev/null || true)
        if [ -n "$line" ]; then echo "run-local:   ${names[$i]} (pid ${pids[$i]}): $line" >&2; fi
    done
    echo "run-local: is another set running on these ports ($(endpoint 0 | sed 's|tcp://||')…) or with this data folder ($data)?" \
         "Stop it (Ctrl-C in its terminal), or choose others: LDN_LOCAL_BASE_PORT=6550 LDN_DATA_DIR=/tmp/ldn2 $0" >&2
    stop 1
}

start store    "$bin/ldn-evidence-store" --bind "$store" --feed-bind "$feed" --data-dir "$data/store"
start ingest-1 "$bin/ldn-ingest" --bind "$ingest1" --store "$store"
start ingest-2 "$bin/ldn-ingest" --bind "$ingest2" --store "$store"
start query-1  "$bin/ldn-query" --bind "$query1" --store "$store" --feed "$feed" --data-dir "$data/query-1"
start query-2  "$bin/ldn-query" --bind "$query2" --store "$store" --feed "$feed" --data-dir "$data/query-2"
start notifier "$bin/ldn-notifier" --bind "$notifier" --stream-bind "$stream" --store "$store" --feed "$feed" \
               --data-dir "$data/notifier" --allow-private-webhooks
start harvester "$bin/ldn-harvester" --bind "$harvester" --ingest "$ingest1,$ingest2" --data-dir "$data/harvester"

# Up means: every instance this script started is still running, and the one answering on
# each endpoint is it (status names its instance as host:pid), not another set's.
# The instances that are no longer running, space-separated; fails when all run.
exited() {
    local gone=()
    for i in "${!pids[@]}"; do
        kill -0 "${pids[$i]}" 2>/dev/null || gone+=("${names[$i]}")
    done
    [ ${#gone[@]} -gt 0 ] && echo "${gone[*]}"
}
ours() {
    local answer
    answer=$("$ldn" status --timeout 1 --json 2>/dev/null) || return 1
    for pid in "${pids[@]}"; do
        grep -qE "\"instance\" : \"[^\"]*:$pid\"" <<<"$answer" || return 1
    done
}
for _ in $(seq 1 100); do
    if gone=$(exited); then give_up "exited at start: $gone. Nothing was loaded."; fi
    if ours; then break; fi
    sleep 0.2
done
if ! ours; then
    if gone=$(exited); then give_up "exited at start: $gone. Nothing was loaded."; fi
    give_up "the services answering on these ports are not the ones this script started."
fi
echo
"$ldn" status || true
echo
if [ "$load_dataset" = 1 ]; then
    echo "run-local: loading the bundled dataset (data/ldn-evidence.jsonl)…"
    "$ldn" submit data/ldn-evidence.jsonl || true
    echo
    for _ in $(seq 1 50); do
        if "$ldn" summary crohns 2>/dev/null | grep -q "studies"; then break; fi
        sleep 0.1
    done
    "$ldn" summary crohns || true
    echo
fi
echo "run-local: the set is up. In another shell, to put ldn on the PATH and point it at both ingests, both replicas and the harvester:"
echo "  export PATH=\"$bin:\$PATH\" LDN_INGEST_ENDPOINT=$LDN_INGEST_ENDPOINT LDN_QUERY_ENDPOINT=$LDN_QUERY_ENDPOINT LDN_HARVESTER_ENDPOINT=$harvester"
if [ "$base" != 5550 ]; then
    echo "  export LDN_STORE_ENDPOINT=$store LDN_NOTIFIER_ENDPOINT=$notifier LDN_NOTIFIER_STREAM_ENDPOINT=$stream"
fi
echo "run-local: then try: ldn summary fibromyalgia, ldn search spasticity. Ctrl-C stops the set."
wait
