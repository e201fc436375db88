#!/usr/bin/env bash
# Tests the docker-compose deployment for real, on this machine: installs what it lacks
# (docker.io, docker-compose, debootstrap), starts dockerd if none runs (and stops the one it
# started), makes the local base image if missing (cached by name), builds the runtime image
# from release binaries built here, then runs the set, with CURVE keys on every socket, and
# checks it: health, a load through the published ingest ports, a summary, the security a
# user relies on (a plaintext client refused, a reader key refused a submit and the store,
# provenance naming the key), two query replicas agreeing, a killed store losing nothing,
# one request id in the logs of ingest, store and query, the harvester answering `ldn
# status` on its published port, and Prometheus scraping every service. Cleans up at the end.
# Prints each step and its time. Run as root (docker). Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Overridable, so that a developer's run beside another one touches none of its containers or images.
project="${LDN_COMPOSE_PROJECT:-ldnci}"
image="${LDN_TEST_IMAGE:-ldn-evidence-network:ci}"
prometheus_image="${LDN_PROMETHEUS_IMAGE:-ldn-prometheus:ci}"
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
        # .ci/run keeps the image for deploy/test-swarm.sh (LDN_KEEP_IMAGE=1) and removes it after.
        [ "${LDN_KEEP_IMAGE:-}" = 1 ] || docker image rm -f "$image" > /dev/null 2>&1
        docker image rm -f "$prometheus_image" > /dev/null 2>&1
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
command -v promtool > /dev/null || missing+=(prometheus)  # promtool, and the binary for the Prometheus image
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

step "release binaries (static Swift runtime) and the runtime image $image (deploy/build-image.sh)"
./deploy/build-image.sh "$image" "$base" | tee "$work/build.txt"
ldn="$(sed -n 's/^LDN_CLIENT=//p' "$work/build.txt")"
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

step "Prometheus image $prometheus_image from the host's Debian package"
mkdir -p "$work/prometheus"
cp /usr/bin/prometheus "$work/prometheus/"
DOCKER_BUILDKIT=1 docker build -q -f deploy/prometheus/Dockerfile --target prebuilt \
    --build-arg BASE_IMAGE="$base" -t "$prometheus_image" "$work/prometheus"
export LDN_PROMETHEUS_IMAGE="$prometheus_image"

step "docker-compose up (the keys service makes the keys); every service healthy; the store's ports are not published"
"${compose[@]}" up -d --no-build
wait_healthy
published="$(docker ps --filter "label=com.docker.compose.project=$project" \
    --filter "label=com.docker.compose.service=evidence-store" --format '{{.Ports}}')"
if grep -q -- "->" <<< "$published"; then fail "the store's ports are published on the host: $published"; fi
# The host-side ldn uses admin's key and the public services' keys, copied out of the keys
# volume as docs/DEPLOY.md shows an operator.
mkdir -m 0700 "$work/keys"
"${compose[@]}" run --rm -T keys tar -C /keys -c admin.key_secret ingest.key query.key notifier.key harvester.key | tar -x -C "$work/keys"
export LDN_KEYS="$work/keys" LDN_IDENTITY=admin

step "the harvester answers ldn status on its published port (127.0.0.1:${LDN_HARVESTER_PORT:-5590}), with its data in its own volume"
harvester_endpoint="tcp://127.0.0.1:${LDN_HARVESTER_PORT:-5590}"
"$ldn" status --service harvester --harvester "$harvester_endpoint" --json > "$work/harvester.json" \
    || fail "ldn status does not reach the harvester at $harvester_endpoint: $(cat "$work/harvester.json")"
python3 - "$work/harvester.json" <<'PY' || fail "the harvester's status is not what it should be: $(cat "$work/harvester.json")"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 1 and rows[0]["service"] == "harvester" and rows[0]["up"], rows
print("compose-test: harvester up at", rows[0]["endpoint"], "as", rows[0]["status"]["instance"])
PY
mounts="$(docker inspect --format '{{range .Mounts}}{{.Name}}:{{.Destination}} {{end}}' \
    "$(docker ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=harvester")")"
grep -q "${project}_harvester-data:/data" <<< "$mounts" || fail "the harvester's /data is not its own volume: $mounts"

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
"${compose[@]}" kill -s HUP evidence-store ingest query notifier harvester
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

step "metrics: promtool checks the alert rules; Prometheus scrapes every service; the committed-records counter is what was loaded"
promtool check rules deploy/prometheus/alerts.yml
promtool check config deploy/prometheus/prometheus.yml
prometheus="http://127.0.0.1:${LDN_PROMETHEUS_PORT:-9090}"
api() {  # api PATH [QUERY]: Prometheus's JSON answer (the query URL-encoded)
    python3 - "$prometheus" "$@" <<'PY'
import json, sys, urllib.parse, urllib.request
base, path = sys.argv[1], sys.argv[2]
url = base + path + ("?" + urllib.parse.urlencode({"query": sys.argv[3]}) if len(sys.argv) > 3 else "")
answer = json.load(urllib.request.urlopen(url, timeout=5))
assert answer["status"] == "success", answer
print(json.dumps(answer["data"]))
PY
}
targets_up() {  # jobs and health of the active targets, e.g. "evidence-store up"
    api /api/v1/targets | python3 -c '
import json, sys
print("\n".join(sorted(t["labels"]["job"] + " " + t["health"] for t in json.load(sys.stdin)["activeTargets"])))'
}
want_targets="$(printf '%s\n' "evidence-store up" "harvester up" "ingest up" "notifier up" "query up" "query up")"
until_equal 90 "$want_targets" targets_up || fail "Prometheus does not scrape every service: $(targets_up | tr '\n' ',')"
echo "compose-test: Prometheus scrapes $(targets_up | wc -l) targets, all up"
api /api/v1/rules | python3 -c '
import json, sys
rules = [r["name"] for g in json.load(sys.stdin)["groups"] for r in g["rules"]]
assert {"LDNStoreDown", "LDNReplicaLagging", "LDNDeadLetters", "LDNHarvestRunsFailing", "LDNHarvestSearchPaused"} <= set(rules), rules
print("compose-test: Prometheus evaluates", len(rules), "alert rules")'
# The store was killed and restarted above, so its counter started again at 0: add up each
# run's highest value over the counter's whole history (24 loaded, then 1 after the restart).
committed() {
    api /api/v1/query 'ldn_records_committed_total{job="evidence-store"}[30m]' | python3 -c '
import json, sys
samples = sorted((float(t), float(v)) for series in json.load(sys.stdin)["result"] for t, v in series["values"])
total, highest, previous = 0, 0, None
for _, value in samples:
    if previous is not None and value < previous:
        total, highest = total + highest, 0
    highest, previous = max(highest, value), value
print(int(total + highest))'
}
until_equal 60 25 committed || fail "ldn_records_committed_total adds up to $(committed), not the 25 records loaded"
scalar() {  # the value of an instant query with one result
    api /api/v1/query "$1" | python3 -c 'import json, sys; r = json.load(sys.stdin)["result"]; print(r[0]["value"][1] if len(r) == 1 else f"{len(r)} results")'
}
[ "$(scalar 'ldn_store_head_seq')" = 25 ] || fail "ldn_store_head_seq is $(scalar 'ldn_store_head_seq'), not 25"
replicas_applied() {  # how many query replicas applied change 25, and the largest lag
    echo "$(scalar 'count(ldn_follower_applied_seq{job="query"} == 25)') $(scalar 'max(ldn_follower_lag_changes{job="query"})')"
}
until_equal 30 "2 0" replicas_applied || fail "ldn_follower_applied_seq / lag of the replicas: $(replicas_applied), not 2 at 25 / lag 0"
[ "$(scalar 'sum(ldn_requests_total{job="ingest",type="submit",outcome="ok"}) > 0')" != "0 results" ] \
    || fail "ingest counted no successful submit in ldn_requests_total"
# Its health checks and the status asked above are the harvester's own requests.
[ "$(scalar 'sum(ldn_requests_total{job="harvester",type="status",outcome="ok"}) > 0')" != "0 results" ] \
    || fail "the harvester's /metrics counted no status request in ldn_requests_total"
echo "compose-test: ldn_records_committed_total adds up to 25 over the store's two runs; head 25; both replicas applied 25, lag 0"

step "docker-compose down -v"
"${compose[@]}" --profile seed down -v --remove-orphans
echo "compose-test: [$((SECONDS - step_start))s] done"
echo "compose-test: all checks passed"
