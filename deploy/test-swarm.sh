#!/usr/bin/env bash
# Tests the Docker Swarm stack (deploy/stack.yml) for real, on this machine: on a single-node
# swarm it makes itself (and leaves at the end; a swarm that was there already is kept),
# deploys the stack with its keys as swarm secrets, loads the bundled dataset, scales query to
# 3, runs a client load through swarm DNS (tasks.ingest, tasks.query, from a container on the
# stack's network) while rolling out a new image tag of query and of ingest, and fails on any
# failed request; then kills the store's container and checks that swarm restarts it with
# every acknowledged record there. The harvester: one task, answering `ldn status` on its
# published port, holding only its own secrets, with which it can submit through ingest.
# Removes the stack, its volumes and secrets at the end.
# Prints each step and its time. Run as root (docker). Used by .ci/run, after
# deploy/test-compose.sh, with the image that one built (LDN_REUSE_IMAGE=1, LDN_TEST_IMAGE).
set -euo pipefail
cd "$(dirname "$0")/.."

stack="${LDN_SWARM_STACK:-ldnswarm}"
image="${LDN_TEST_IMAGE:-ldn-evidence-network:ci}"
rollout="${image%%:*}:${stack}-rollout"
base=ldn-base:bookworm
work="$(mktemp -d /tmp/ldn-swarm.XXXXXX)"
made_swarm="" labelled_node="" started_dockerd=""
test_start=$SECONDS
step_start=$SECONDS

step() {
    echo "swarm-test: [$((SECONDS - step_start))s] done"
    step_start=$SECONDS
    echo "swarm-test: ── $* (at $((SECONDS - test_start))s)"
}
fail() { echo "swarm-test: FAILED: $*" >&2; exit 1; }

DOCKER="$(command -v /usr/bin/docker || command -v docker || true)"
export DOCKER
docker() { "$DOCKER" "$@"; }

stack_containers() { docker ps -aq --filter "label=com.docker.stack.namespace=$stack"; }

cleanup() {
    local status=$?
    set +e
    if [ -n "$DOCKER" ] && docker info > /dev/null 2>&1; then
        if [ $status -ne 0 ]; then
            echo "swarm-test: the stack's tasks, and the last log lines of each service:" >&2
            docker stack ps --no-trunc --format '{{.Name}} {{.Image}} {{.CurrentState}} {{.Error}}' "$stack" >&2
            for service in $(docker stack services -q "$stack" 2>/dev/null); do
                docker service logs --no-trunc --tail 15 "$service" >&2 2>&1
            done
            [ -f "$work/load.txt" ] && { echo "swarm-test: the load's failures:" >&2; grep FAILED "$work/load.txt" | sed -n 1,20p >&2; }
        fi
        docker rm -fv "$stack-load" > /dev/null 2>&1  # -v: its anonymous /data volume too
        docker stack rm "$stack" > /dev/null 2>&1
        for _ in $(seq 1 120); do [ -z "$(stack_containers)" ] && break; sleep 0.5; done
        for volume in $(docker volume ls -q --filter "label=com.docker.stack.namespace=$stack"); do
            docker volume rm "$volume" > /dev/null
        done
        # The stack's network goes a moment after its containers; the swarm cannot be left before.
        for _ in $(seq 1 60); do docker network inspect "${stack}_ldn" > /dev/null 2>&1 || break; sleep 0.5; done
        docker image rm "$rollout" > /dev/null 2>&1
        [ "${LDN_KEEP_IMAGE:-}" = 1 ] || docker image rm -f "$image" > /dev/null 2>&1
        [ -n "$labelled_node" ] && [ -z "$made_swarm" ] && docker node update --label-rm ldn.store "$labelled_node" > /dev/null
        if [ -n "$made_swarm" ]; then docker swarm leave --force > /dev/null && echo "swarm-test: left the swarm it made"; fi
    fi
    if [ -n "$started_dockerd" ]; then
        kill "$started_dockerd" 2>/dev/null && wait "$started_dockerd" 2>/dev/null
        echo "swarm-test: stopped the dockerd it started"
    fi
    rm -rf "$work"
    echo "swarm-test: finished in $((SECONDS - test_start))s with status $status"
}
trap cleanup EXIT

echo "swarm-test: ── tools and docker daemon"
if [ -z "$DOCKER" ] || ! command -v dockerd > /dev/null; then
    echo "swarm-test: installing docker.io"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io > /dev/null
    DOCKER="$(command -v /usr/bin/docker || command -v docker)"
fi
if ! docker info > /dev/null 2>&1; then
    dockerd > "$work/dockerd.log" 2>&1 &
    started_dockerd=$!
    for _ in $(seq 1 60); do docker info > /dev/null 2>&1 && break; sleep 0.5; done
    docker info > /dev/null 2>&1 || fail "dockerd did not start: $(tail -5 "$work/dockerd.log")"
    echo "swarm-test: started dockerd (pid $started_dockerd)"
fi

step "a single-node swarm; this node labelled for the store (ldn.store=true)"
case "$(docker info --format '{{.Swarm.LocalNodeState}}')" in
    inactive)
        docker swarm init --advertise-addr 127.0.0.1 > /dev/null
        made_swarm=1
        echo "swarm-test: made a swarm (it leaves it at the end)";;
    active)
        [ "$(docker info --format '{{.Swarm.ControlAvailable}}')" = true ] || fail "this node is in a swarm, but not a manager"
        echo "swarm-test: using the swarm this node is in (kept at the end)";;
    *) fail "the swarm state is $(docker info --format '{{.Swarm.LocalNodeState}}')";;
esac
node="$(docker info --format '{{.Swarm.NodeID}}')"
if [ "$(docker node inspect --format '{{index .Spec.Labels "ldn.store"}}' "$node")" != true ]; then
    docker node update --label-add ldn.store=true "$node" > /dev/null
    labelled_node="$node"
fi

step "base image $base; release binaries and the runtime image $image (deploy/build-image.sh)"
docker image inspect "$base" > /dev/null 2>&1 || ./deploy/make-base-image.sh "$base"
./deploy/build-image.sh "$image" "$base" | tee "$work/build.txt"
ldn="$(sed -n 's/^LDN_CLIENT=//p' "$work/build.txt")"
docker tag "$image" "$rollout"

step "keys (ldn keys init) as swarm secrets; docker stack deploy; every service healthy; the store has no published port"
"$ldn" keys init "$work/keys" > /dev/null
# The test's client runs in containers as the image's user (uid 10001), with admin's key.
mkdir -m 0700 "$work/client"
cp "$work/keys/"{admin.key_secret,ingest.key,query.key,notifier.key,harvester.key} "$work/client/"
chown -R 10001:10001 "$work/client"
LDN_IMAGE="$image" LDN_KEYS_DIR="$work/keys" LDN_LOG_LEVEL=debug LDN_STATS_INTERVAL=5 \
    docker stack deploy --resolve-image never -c deploy/stack.yml "$stack" > /dev/null

services_ready() {  # every service at its replica count, every task's container healthy
    local counts states
    counts="$(docker stack services --format '{{.Replicas}}' "$stack")"
    [ -n "$counts" ] || return 1
    ! grep -qv -E '^([0-9]+)/\1$' <<< "$counts" || return 1
    states="$(docker ps --filter "label=com.docker.stack.namespace=$stack" --format '{{.Names}} {{.Status}}' | grep -v "_backup\." || true)"
    [ -n "$states" ] && ! grep -qv "(healthy)" <<< "$states"
}
wait_ready() {  # within $1 seconds
    local deadline=$((SECONDS + $1))
    until services_ready; do
        [ $SECONDS -lt $deadline ] || { docker stack services "$stack" >&2; fail "the stack did not become ready in $1 s"; }
        sleep 1
    done
}
wait_ready 180
docker stack services --format '{{.Name}} {{.Replicas}} {{.Ports}}' "$stack"
[ "$(docker service inspect --format '{{len .Endpoint.Ports}}' "${stack}_evidence-store")" = 0 ] \
    || fail "the store publishes ports: $(docker service inspect --format '{{json .Endpoint.Ports}}' "${stack}_evidence-store")"

# ldn in a one-off container on the stack's network, as admin, finding replicas through swarm DNS.
client() {
    docker run --rm --network "${stack}_ldn" -v "$work/client:/keys:ro" -v "$PWD/data:/seed:ro" \
        -e LDN_KEYS=/keys -e LDN_IDENTITY=admin -e LDN_INGEST_ENDPOINT=tcp://tasks.ingest:5550 \
        -e LDN_QUERY_ENDPOINT=tcp://tasks.query:5570 "$image" ldn "$@"
}
store_container() { docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_evidence-store" --filter health=healthy; }
records() {  # the store is internal: ask it in its container, as admin
    docker exec "$(store_container)" ldn status --service evidence-store --identity admin --json | python3 -c '
import json, sys; print(json.load(sys.stdin)[0]["status"]["counters"]["records"])'
}

step "the harvester: one task; ldn status through its published port 5590; only its own secrets"
harvester_container() { docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_harvester" --filter health=healthy; }
[ "$(docker service inspect --format '{{.Spec.Mode.Replicated.Replicas}}' "${stack}_harvester")" = 1 ] \
    || fail "the harvester does not run as exactly one replica"
mkdir -m 0700 "$work/host-client" && cp "$work/client/"* "$work/host-client/"
LDN_KEYS="$work/host-client" LDN_IDENTITY=admin "$ldn" status --service harvester --harvester tcp://127.0.0.1:5590 \
    | tee "$work/harvester.txt" || fail "ldn status does not reach the harvester on 127.0.0.1:5590"
grep -qE "^harvester +tcp://127.0.0.1:5590 +up " "$work/harvester.txt" || fail "the harvester is not up on 5590"
secrets="$(docker exec "$(harvester_container)" ls /run/secrets | tr '\n' ' ')"
[ "$secrets" = "allow-list harvester.key harvester.key_secret ingest.key " ] \
    || fail "the harvester's task holds other secrets than its own key pair, ingest's key and the allow-list: $secrets"
echo "swarm-test: the harvester's secrets: $secrets"

step "load the bundled dataset through tasks.ingest"
client submit /seed/ldn-evidence.jsonl | tee "$work/seed.txt"
grep -q "24 accepted" "$work/seed.txt" || fail "the dataset was not accepted"
[ "$(records)" = 24 ] || fail "the store holds $(records) records, not 24"

step "scale query to 3; each replica answers on its host-mode port"
docker service scale --detach "${stack}_query=3" > /dev/null
wait_ready 120
for container in $(docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_query"); do
    port="$(docker port "$container" 5570/tcp | sed -n '1s/.*://p')"
    deadline=$((SECONDS + 60))
    until LDN_KEYS="$work/host-client" LDN_IDENTITY=admin "$ldn" summary crohns --json --query "tcp://127.0.0.1:$port" \
            | grep '"studies" *: *5' > /dev/null; do
        [ $SECONDS -lt $deadline ] || fail "the query replica on port $port does not show 5 Crohn's disease studies"
        sleep 1
    done
    echo "swarm-test: query replica $container on 127.0.0.1:$port: 5 Crohn's disease studies"
done

step "a client load through tasks.ingest and tasks.query while query and ingest roll out $rollout; no request fails"
mkdir -p "$work/load"
# One round: submit one new (SYNTHETIC) record, then ask a summary. Each ldn resolves the
# tasks.NAME anew, connects to every task, retries an unanswered request elsewhere. Bounded:
# at most 3000 rounds or 300 s; the test ends it (the stop file) once both rollouts are done.
cat > "$work/load/load.sh" <<'EOF'
#!/bin/sh
round=0; start=$(date +%s)
while [ $round -lt 3000 ] && [ ! -e /load/stop ] && [ $(( $(date +%s) - start )) -lt 300 ]; do
    round=$((round + 1))
    printf '{"title":"SYNTHETIC swarm-test record %d, not a real study","year":2026,"conditions":["crohns"],"design":"other","source":"synthetic (deploy/test-swarm.sh)"}\n' "$round" > /tmp/record.jsonl
    # One line per request: "submit N ok: <what ldn said>" or "… FAILED: <why>".
    if out=$(ldn submit /tmp/record.jsonl --timeout 3 --request-id "swarm-load-$round" 2>&1); then said=ok; else said=FAILED; fi
    echo "submit $round $said: $(echo "$out" | tr '\n' ' ')"
    if out=$(ldn summary crohns --timeout 3 2>&1); then said=ok; else said=FAILED; fi
    echo "query $round $said: $(echo "$out" | head -1)"
done
echo "load: $round rounds in $(( $(date +%s) - start )) s"
EOF
chmod 0755 "$work/load/load.sh"
docker run -d --name "$stack-load" --network "${stack}_ldn" -v "$work/client:/keys:ro" -v "$work/load:/load:ro" \
    -e LDN_KEYS=/keys -e LDN_IDENTITY=admin -e LDN_INGEST_ENDPOINT=tcp://tasks.ingest:5550 \
    -e LDN_QUERY_ENDPOINT=tcp://tasks.query:5570 "$image" sh /load/load.sh > /dev/null
rollout_started=$SECONDS
for service in query ingest; do
    started=$SECONDS
    docker service update --detach --quiet --no-resolve-image --image "$rollout" "${stack}_$service" > /dev/null
    # Task by task, start-first; done when swarm says so (a failed task would roll it back).
    until [ "$(docker service inspect --format '{{.UpdateStatus.State}}' "${stack}_$service")" = completed ]; do
        state="$(docker service inspect --format '{{json .UpdateStatus}}' "${stack}_$service")"
        grep -q -e rollback -e paused <<< "$state" && fail "the rollout of $service failed: $state"
        [ $((SECONDS - started)) -lt 240 ] || fail "the rollout of $service did not complete in 240 s: $state"
        sleep 1
    done
    echo "swarm-test: $service rolled out to $rollout in $((SECONDS - started)) s"
done
wait_ready 60
[ "$(docker inspect --format '{{.State.Running}}' "$stack-load")" = true ] || fail "the load ended before the rollouts did"
touch "$work/load/stop"
[ "$(timeout 60 docker wait "$stack-load")" = 0 ] || fail "the load did not end"
docker logs "$stack-load" > "$work/load.txt" 2>&1
docker rm -v "$stack-load" > /dev/null
rounds="$(grep -c "^query " "$work/load.txt" || true)"
failed="$(grep -c "^[a-z]* [0-9]* FAILED:" "$work/load.txt" || true)"
acknowledged="$(grep -c "^submit [0-9]* ok: .*1 accepted" "$work/load.txt" || true)"
tail -1 "$work/load.txt"
echo "swarm-test: $((rounds * 2)) requests ($rounds submits, $rounds summaries) during $((SECONDS - rollout_started)) s of rollouts: $failed failed, $acknowledged records acknowledged"
[ "$failed" = 0 ] || { grep FAILED "$work/load.txt" | sed -n 1,10p; fail "$failed requests failed during the rollouts"; }
[ "$rounds" -ge 10 ] || fail "only $rounds rounds of load ran during the rollouts"
[ "$acknowledged" = "$rounds" ] || fail "$rounds submits, but $acknowledged said \"1 accepted\""
expected=$((24 + acknowledged))
[ "$(records)" = "$expected" ] || fail "the store holds $(records) records, not the $expected acknowledged"

step "kill the store's container; swarm starts another; every acknowledged record is there; ingest finds the new store"
killed="$(store_container)"
docker kill "$killed" > /dev/null
deadline=$((SECONDS + 120))
until [ -n "$(store_container)" ] && [ "$(store_container)" != "$killed" ]; do
    [ $SECONDS -lt $deadline ] || fail "swarm did not restart the store within 120 s"
    sleep 1
done
[ "$(records)" = "$expected" ] || fail "the restarted store holds $(records) records, not the $expected acknowledged"
echo "swarm-test: the new store container $(store_container) holds all $expected records"
printf '%s\n' '{"title":"SYNTHETIC swarm-test record after the store restart, not a real study","year":2026,"conditions":["crohns"],"design":"other","source":"synthetic (deploy/test-swarm.sh)"}' > "$work/load/after.jsonl"
docker run --rm --network "${stack}_ldn" -v "$work/client:/keys:ro" -v "$work/load:/load:ro" -e LDN_KEYS=/keys -e LDN_IDENTITY=admin \
    "$image" ldn submit /load/after.jsonl --ingest tcp://tasks.ingest:5550 --request-id swarm-after-restart | tee "$work/after.txt"
grep -q "1 accepted" "$work/after.txt" || fail "a record submitted after the restart was not accepted"
[ "$(records)" = $((expected + 1)) ] || fail "the store holds $(records) records, not $((expected + 1))"

step "the harvester's identity, with only its task's secrets, submits through tasks.ingest (role submitter)"
printf '%s\n' '{"title":"SYNTHETIC swarm-test record submitted as the harvester, not a real study","year":2026,"conditions":["crohns"],"design":"other","source":"synthetic (deploy/test-swarm.sh)"}' \
    | docker exec -i "$(harvester_container)" sh -c 'cat > /tmp/harvester-check.jsonl \
        && ldn submit /tmp/harvester-check.jsonl --identity harvester --ingest tcp://tasks.ingest:5550 --request-id swarm-harvester-key' \
    | tee "$work/harvester-submit.txt"
grep -q "1 accepted" "$work/harvester-submit.txt" || fail "a record submitted with the harvester's key was not accepted"
[ "$(records)" = $((expected + 2)) ] || fail "the store holds $(records) records, not $((expected + 2))"
# Ingest judged it as the harvester: its log line about the request names the key's identity.
# (From the running ingest containers: `docker service logs` of a service whose earlier tasks
# were replaced by a rollout did not return on Docker 20.10.)
for container in $(docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_ingest"); do
    docker logs "$container" 2>&1 | grep "swarm-harvester-key" || true
done > "$work/harvester-ingest.txt"
grep -q "identity=harvester" "$work/harvester-ingest.txt" \
    || fail "no ingest log line about the harvester's submit names identity=harvester: $(cat "$work/harvester-ingest.txt")"
head -1 "$work/harvester-ingest.txt"

if docker run --rm "$image" ldn-evidence-store --help | grep -E '^ +backup ' > /dev/null; then
    step "the scheduled backup service wrote a verified backup"
    deadline=$((SECONDS + 60))
    until docker exec "$(docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_backup")" sh -c 'ls /backups' | grep . > /dev/null; do
        [ $SECONDS -lt $deadline ] || fail "no backup in the backup service's volume after 60 s"
        sleep 1
    done
    docker service logs --tail 3 "${stack}_backup"
else
    echo "swarm-test: (this image's ldn-evidence-store has no backup subcommand: the backup service is not checked)"
fi

step "docker stack rm; the stack's volumes removed; the swarm left if the test made it"
docker stack rm "$stack" > /dev/null
for _ in $(seq 1 120); do [ -z "$(stack_containers)" ] && break; sleep 0.5; done
[ -z "$(stack_containers)" ] || fail "the stack's containers are still there"
echo "swarm-test: [$((SECONDS - step_start))s] done"
echo "swarm-test: all checks passed"
