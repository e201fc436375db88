#!/usr/bin/env bash
# Tests the docker-compose deployment for real, on this machine: installs what it lacks
# (docker.io, docker-compose, debootstrap), starts dockerd if none runs (and stops the one it
# started), makes the local base image if missing (cached by name), builds the runtime image
# from release binaries built here, then runs the set, with CURVE keys on every socket, and
# checks it: health, a load through the published ingest ports, a summary, the security a
# user relies on (a plaintext client refused, a reader key refused a submit and the store,
# provenance naming the key), two query replicas agreeing, a killed store losing nothing,
# and one request id in the logs of ingest, store and query. Cleans up at the end.
# Prints each step and its time. Run as root (docker). Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

project=ldnci
image=ldn-evidence-network:ci
base=ldn-base:bookworm
compose=(docker-compose -p "$project" -f deploy/docker-compose.yml)
work="$(mktemp -d /tmp/ldn-compose.XXXXXX)"
started_dockerd=""
test_start=$SECONDS
step_start=$SECONDS

step() {
    echo "compose-test: [$((SECONDS - step_start))s] done"
    step_start=$SECONDS
    echo "compose-test: ── $* (at $((SECONDS - test_start))s)"
}
fail() { echo "compose-test: FAILED: $*" >&2; exit 1; }

cleanup() {
    local status=$?
    set +e
    if [ $status -ne 0 ] && command -v docker-compose > /dev/null && [ -n "${LDN_IMAGE:-}" ]; then
        echo "compose-test: last log lines of each service:" >&2
        "${compose[@]}" logs --no-color --tail 15 >&2
    fi
    if command -v docker-compose > /dev/null && docker info > /dev/null 2>&1; then
        "${compose[@]}" --profile seed down -v --remove-orphans > /dev/null 2>&1
        docker image rm -f "$image" > /dev/null 2>&1
    fi
    if [ -n "$started_dockerd" ]; then
        kill "$started_dockerd" 2>/dev/null && wait "$started_dockerd" 2>/dev/null
        echo "compose-test: stopped the dockerd it started"
    fi
    rm -rf "$work"
    echo "compose-test: finished in $((SECONDS - test_start))s with status $status"
}
trap cleanup EXIT

echo "compose-test: ── tools"
missing=()
command -v dockerd > /dev/null || missing+=(docker.io)
command -v docker-compose > /dev/null || missing+=(docker-compose)
command -v debootstrap > /dev/null || missing+=(debootstrap)
# A static Swift runtime links Foundation's networking and XML parts against these.
for package in libcurl4-openssl-dev libxml2-dev; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "compose-test: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
fi
# The engine's own client (Debian's docker.io), whatever else is first on PATH.
DOCKER="$(command -v /usr/bin/docker || command -v docker)"
export DOCKER
docker() { "$DOCKER" "$@"; }

step "docker daemon"
if ! docker info > /dev/null 2>&1; then
    dockerd > "$work/dockerd.log" 2>&1 &
    started_dockerd=$!
    for _ in $(seq 1 60); do docker info > /dev/null 2>&1 && break; sleep 0.5; done
    docker info > /dev/null 2>&1 || fail "dockerd did not start: $(tail -5 "$work/dockerd.log")"
    echo "compose-test: started dockerd (pid $started_dockerd)"
fi

step "base image $base"
if ! docker image inspect "$base" > /dev/null 2>&1; then
    ./deploy/make-base-image.sh "$base"
else
    echo "compose-test: cached"
fi

step "release binaries (static Swift runtime)"
mkdir -p "$work/context/bin"
for product in ldn-evidence-store ldn-ingest ldn-query ldn-notifier ldn; do
    swift build -c release --static-swift-stdlib --scratch-path .build-static --product "$product" 2>&1 | tail -1
done
bin="$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)"
for product in ldn-evidence-store ldn-ingest ldn-query ldn-notifier ldn; do cp "$bin/$product" "$work/context/bin/"; done
ldn="$bin/ldn"

step "runtime image $image from the binaries"
DOCKER_BUILDKIT=1 docker build -q -f deploy/Dockerfile --target prebuilt \
    --build-arg RUNTIME_IMAGE="$base" -t "$image" "$work/context"
export LDN_IMAGE="$image" LDN_LOG_LEVEL=debug LDN_STATS_INTERVAL=5

wait_healthy() {  # every long-running container of the project healthy, within 120 s
    local states=""
    for _ in $(seq 1 240); do
        states="$(docker ps -a --filter "label=com.docker.compose.project=$project" \
            --format '{{.Names}} {{.Status}}' | grep -v -e "_seed_" -e "_keys_" || true)"
        if [ -n "$states" ] && ! grep -qv "(healthy)" <<< "$states"; then echo "$states"; return 0; fi
        sleep 0.5
    done
    echo "$states" >&2
    fail "not every service became healthy"
}

step "docker-compose up (the keys service makes the keys); every service healthy; the store's ports are not published"
"${compose[@]}" up -d --no-build
wait_healthy
published="$(docker ps --filter "label=com.docker.compose.project=$project" \
    --filter "label=com.docker.compose.service=evidence-store" --format '{{.Ports}}')"
if grep -q -- "->" <<< "$published"; then fail "the store's ports are published on the host: $published"; fi
# The host-side ldn uses admin's key and the public services' keys, copied out of the keys
# volume as docs/DEPLOY.md shows an operator.
mkdir -m 0700 "$work/keys"
"${compose[@]}" run --rm -T keys tar -C /keys -c admin.key_secret ingest.key query.key notifier.key | tar -x -C "$work/keys"
export LDN_KEYS="$work/keys" LDN_IDENTITY=admin

step "load the bundled dataset through the published ingest ports"
trace="ci-trace-$RANDOM$RANDOM"
ingests="tcp://127.0.0.1:5550,tcp://127.0.0.1:5551,tcp://127.0.0.1:5552"
# It claims to be someone else: provenance must name the key instead (checked below).
"$ldn" submit data/ldn-evidence.jsonl --ingest "$ingests" --request-id "$trace" --submitter "someone-else@ci" \
    | tee "$work/load.txt"
grep -q "24 accepted" "$work/load.txt" || fail "the dataset was not accepted"

query_port() { "${compose[@]}" port --index="$1" query 5570 | sed 's/.*://'; }
summary() {  # summary crohns from query replica $1, without the replica's own position
    "$ldn" summary crohns --json --query "tcp://127.0.0.1:$(query_port "$1")" | python3 -c '
import json, sys
answer = json.load(sys.stdin); answer.pop("replica", None); print(json.dumps(answer, sort_keys=True))'
}
until_equal() {  # $1 seconds for command "$2…" to print $3
    local deadline=$((SECONDS + $1)); shift; local want=$1; shift
    while [ $SECONDS -lt $deadline ]; do [ "$("$@" 2>/dev/null)" = "$want" ] && return 0; sleep 0.5; done
    return 1
}
studies() { summary "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["studies"])'; }

step "summary from the query service"
until_equal 60 5 studies 1 || fail "query does not answer 5 Crohn's disease studies"
"$ldn" summary crohns --query "tcp://127.0.0.1:$(query_port 1)" | head -4

records() {  # the store is internal: ask it from inside its container, as admin
    "${compose[@]}" exec -T evidence-store ldn status --service evidence-store --identity admin --json | python3 -c '
import json, sys; print(json.load(sys.stdin)[0]["status"]["counters"]["records"])'; }
# A record to submit (SYNTHETIC, labelled, removed with the deployment).
printf '%s\n' '{"title":"SYNTHETIC compose-test record, not a real study","year":2026,"conditions":["crohns"],"design":"other","source":"synthetic (deploy/test-compose.sh)"}' > "$work/synthetic.jsonl"
refused() {  # refused STATUS TEXT COMMAND…: COMMAND must exit STATUS within 5 s, saying TEXT
    local want=$1 text=$2 started=$SECONDS status=0; shift 2
    "$@" > "$work/refused.txt" 2>&1 || status=$?
    sed 's/^/    /' "$work/refused.txt"
    [ $status -eq "$want" ] || fail "expected exit status $want, got $status"
    grep -q -- "$text" "$work/refused.txt" || fail "the refusal does not say \"$text\""
    [ $((SECONDS - started)) -lt 5 ] || fail "the refusal took $((SECONDS - started)) s: a timeout, not a refusal"
}

step "security: a plaintext client is refused; a reader key can neither submit nor reach the store; provenance names the key"
ingest_port="$("${compose[@]}" port ingest 5550 | sed 's/.*://')"
refused 1 "requires CURVE keys" env -u LDN_KEYS -u LDN_IDENTITY \
    "$ldn" submit "$work/synthetic.jsonl" --ingest "tcp://127.0.0.1:$ingest_port" --timeout 5
# A reader, added as docs/DEPLOY.md shows: its key on the allow-list, SIGHUP, its bundle copied out.
"${compose[@]}" run --rm -T keys ldn keys add ci-reader --role reader --bundle /keys/bundles/ci-reader
"${compose[@]}" kill -s HUP evidence-store ingest query notifier
"${compose[@]}" run --rm -T keys tar -C /keys/bundles -c ci-reader | tar -x -C "$work"
"${compose[@]}" run --rm -T keys rm -r /keys/bundles/ci-reader
reader=(env LDN_KEYS="$work/ci-reader" LDN_IDENTITY=ci-reader "$ldn")
[ ! -e "$work/ci-reader/evidence-store.key" ] || fail "the reader's bundle holds the store's key"
# The reload is asynchronous: wait until ingest admits the reader's key.
reader_admitted() { "${reader[@]}" status --service ingest --ingest "tcp://127.0.0.1:$ingest_port" > /dev/null && echo yes; }
until_equal 20 yes reader_admitted || fail "ingest did not admit the reader's key after SIGHUP"
refused 1 "needs the submitter role" "${reader[@]}" submit "$work/synthetic.jsonl" --ingest "tcp://127.0.0.1:$ingest_port"
"${reader[@]}" summary crohns --query "tcp://127.0.0.1:$(query_port 1)" > /dev/null || fail "the reader cannot read"
refused 2 "refused" "${compose[@]}" exec -T evidence-store \
    ldn status --service evidence-store --identity ci-reader --timeout 4
[ "$(records)" = 24 ] || fail "the store holds $(records) records after the refused submits, not 24"
"$ldn" get pmid:17222320 --query "tcp://127.0.0.1:$(query_port 1)" > "$work/get.txt"
grep -q "submitted by admin" "$work/get.txt" || fail "provenance does not name the key (admin): $(grep provenance "$work/get.txt")"
grep provenance "$work/get.txt"

step "scale query to 2; both replicas answer the same; the keys service keeps the keys"
"${compose[@]}" up -d --no-build --scale query=2
wait_healthy > /dev/null
until_equal 60 5 studies 2 || fail "the second replica did not catch up"
[ "$(summary 1)" = "$(summary 2)" ] || fail "the two replicas answer differently"
echo "compose-test: replicas on ports $(query_port 1) and $(query_port 2) agree"
"${compose[@]}" logs --no-color keys | grep -q "already holds the keys" || fail "the keys service did not keep the keys"

step "kill the store; restart it; nothing acknowledged is lost; replicas catch up"
"${compose[@]}" kill evidence-store
"${compose[@]}" up -d --no-build evidence-store
wait_healthy > /dev/null
[ "$(records)" = 24 ] || fail "the store holds $(records) records after the restart, not 24"
# A new change after the restart.
"$ldn" submit "$work/synthetic.jsonl" --ingest "$ingests" --request-id "$trace-after" > "$work/after.txt"
grep -q "1 accepted" "$work/after.txt" || fail "a record submitted after the restart was not accepted: $(cat "$work/after.txt")"
for replica in 1 2; do until_equal 60 6 studies "$replica" || fail "replica $replica did not catch up after the restart"; done
echo "compose-test: store holds $(records) records; both replicas show 6 Crohn's disease studies"

step "scheduled backup: the backup service took a verified copy; one taken now holds every record; its restore verifies"
"${compose[@]}" logs --no-color backup | grep -q ", verified" || fail "the backup service logged no verified backup"
"${compose[@]}" exec -T backup ldn-evidence-store backup --to /backups --verify --keep 7 | tee "$work/backup.txt"
grep -q "head seq 25, 25 records" "$work/backup.txt" || fail "the backup does not hold the 25 records"
"${compose[@]}" exec -T backup sh -c 'f="$(ls /backups/evidence-*.sqlite | tail -1)" && rm -rf /tmp/restored \
    && ldn-evidence-store restore --from "$f" --data-dir /tmp/restored && ldn-evidence-store verify --data-dir /tmp/restored' \
    | tee "$work/restore.txt"
grep -q "25 records checked; no damage found" "$work/restore.txt" || fail "the restored copy does not verify"
kept="$("${compose[@]}" exec -T backup sh -c 'ls /backups/evidence-*.sqlite | wc -l')"
[ "$kept" -ge 2 ] && [ "$kept" -le 7 ] || fail "the backups volume holds $kept backups, not 2 to 7"

step "one request id in the logs of ingest, store and query; ingest names the caller"
"${compose[@]}" logs --no-color > "$work/logs.txt"
for service in ingest evidence-store query; do  # docker-compose prefixes lines with "service_N  |"
    grep "$trace" "$work/logs.txt" | grep -c "^${service}_[0-9]" > /dev/null || fail "no $service log line carries $trace"
done
for service in ingest evidence-store query; do grep "$trace" "$work/logs.txt" | grep "^${service}_[0-9]" | head -2; done
grep "$trace" "$work/logs.txt" | grep "^ingest_[0-9]" | grep -q "identity=admin" \
    || fail "no ingest log line about the load names its caller (identity=admin)"

step "docker-compose down -v"
"${compose[@]}" --profile seed down -v --remove-orphans
echo "compose-test: [$((SECONDS - step_start))s] done"
echo "compose-test: all checks passed"
