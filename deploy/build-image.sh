#!/usr/bin/env bash
# Builds the runtime image IMAGE (default ldn-evidence-network:local) from release binaries
# built here with a static Swift runtime (--scratch-path .build-static), on the base image
# BASE (default ldn-base:bookworm, which deploy/make-base-image.sh makes). Shared by
# deploy/test-compose.sh and deploy/test-swarm.sh, so that .ci/run builds once for both.
# With LDN_REUSE_IMAGE=1 an existing IMAGE is used as it is (nothing is built).
# Prints where the client binary is (LDN_CLIENT=PATH) as its last line, for the caller.
set -euo pipefail
cd "$(dirname "$0")/.."

image="${1:-ldn-evidence-network:local}"
base="${2:-ldn-base:bookworm}"
DOCKER="${DOCKER:-$(command -v /usr/bin/docker || command -v docker)}"
products=(ldn-evidence-store ldn-ingest ldn-query ldn-notifier ldn-harvester ldn)
build=(swift build -c release --static-swift-stdlib --scratch-path .build-static)
bin="$("${build[@]}" --show-bin-path)"

if [ "${LDN_REUSE_IMAGE:-}" = 1 ] && "$DOCKER" image inspect "$image" > /dev/null 2>&1 && [ -x "$bin/ldn" ]; then
    echo "build-image: $image exists (LDN_REUSE_IMAGE=1): not rebuilt"
    echo "LDN_CLIENT=$bin/ldn"
    exit 0
fi

context="$(mktemp -d /tmp/ldn-image.XXXXXX)"
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/bin"
for product in "${products[@]}"; do
    "${build[@]}" --product "$product" 2>&1 | tail -1
    cp "$bin/$product" "$context/bin/"
done
DOCKER_BUILDKIT=1 "$DOCKER" build -q -f deploy/Dockerfile --target prebuilt \
    --build-arg RUNTIME_IMAGE="$base" -t "$image" "$context"
echo "LDN_CLIENT=$bin/ldn"
