#!/usr/bin/env bash
# Makes the runtime base image locally, for machines without registry access:
# a minimal Debian bookworm with what the LDN binaries need, imported into docker.
#
#   deploy/make-base-image.sh [NAME]        (default ldn-base:bookworm; run as root)
#
# The Debian mirror is taken from this machine's own apt sources.
set -euo pipefail

name="${1:-ldn-base:bookworm}"
packages=libzmq5,libsqlite3-0,libxml2,libcurl4,ca-certificates

# deb822 sources (Debian 12) or the classic one-line form; either file may be missing.
mirror="$(
    { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources || true
      grep -hs '^deb ' /etc/apt/sources.list || true; } |
    awk '$1 == "URIs:" { print $2 } $1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' |
    grep -v security | head -1 || true
)"
[ -n "$mirror" ] || { echo "make-base-image: no Debian mirror in /etc/apt/sources.list(.d)" >&2; exit 1; }

rootfs="$(mktemp -d /tmp/ldn-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
echo "make-base-image: debootstrap bookworm from $mirror with $packages"
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" > "$rootfs.log" 2>&1 \
    || { tail -20 "$rootfs.log" >&2; rm -f "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | "${DOCKER:-docker}" import - "$name" > /dev/null
echo "make-base-image: imported $name ($(du -sh "$rootfs" | cut -f1))"
