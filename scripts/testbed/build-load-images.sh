#!/usr/bin/env bash
# Builds the load pod's container image for the real nodes' registry (issue 27), from what scripts/tools/ built:
#   <cache>/load-images-<key>/push/vegeta.tar   docker.io/hardenlab/vegeta:<version>: vegeta built from its Go module
#                                               (static) and Debian's static busybox for its `time` applet only, which
#                                               reports the attack's own CPU (getrusage of its child); no shell
# The test bed pushes push/*.tar to the node network's registry (src/testbed/realnodes/registry.ts), which records the
# digest it serves the image under; the worker pins the load pod by it (worker/loadSource.ts).
# Prints the folder on its last line. The key hashes this script, its library and the pinned versions.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${HARDENLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hardenlab}"
log() { printf '%s [load images] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '%s [load images] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }
# shellcheck source=../tools/versions.env
source "$here/../tools/versions.env"

key="$(cat "${BASH_SOURCE[0]}" "$here/../lib/docker-archive.sh" "$here/../tools/versions.env" | sha256sum | cut -c1-12)"
out_dir="$cache_root/load-images-$key"
if [[ -f "$out_dir/.complete" ]]; then
  log "cached in $out_dir"
  printf '%s\n' "$out_dir"
  exit 0
fi
started=$SECONDS

# The vegeta build is cached by version: cheap when it is there.
HARDENLAB_CACHE="$cache_root" bash "$here/../tools/build-vegeta.sh" >&2
vegeta="$cache_root/bin/vegeta-$VEGETA_VERSION"
[[ -x "$vegeta/vegeta" ]] || die "no vegeta build in $vegeta"

# shellcheck source=../lib/docker-archive.sh
source "$here/../lib/docker-archive.sh"
work="$(mktemp -d "${TMPDIR:-/tmp}/hardenlab-load-images.XXXXXX")"
trap 'remove_scratch "$work"' EXIT
staging="$work/out"
mkdir -p "$staging/push"

rootfs="$work/vegeta/rootfs"
busybox_rootfs "$rootfs" time
mkdir -p "$rootfs/usr/local/bin" "$rootfs/work"
install -m 0755 "$vegeta/vegeta" "$rootfs/usr/local/bin/vegeta"
"$rootfs/bin/time" -f '%U %S' "$rootfs/usr/local/bin/vegeta" -version >/dev/null 2>&1 || die "vegeta does not start under busybox time"
# The pod runs as this uid (src/load/loadPod.ts sets the same), not root; /work is its emptyDir.
docker_archive "docker.io/hardenlab/vegeta:$VEGETA_VERSION" "$rootfs" '["/usr/local/bin/vegeta"]' "$staging/push/vegeta.tar" \
  '"User":"65532:65532","Env":["PATH=/usr/local/bin:/bin"],'

printf '%s\n' "$((SECONDS - started))" >"$staging/.build-seconds"
date -u +%Y-%m-%dT%H:%M:%SZ >"$staging/.complete"
mkdir -p "$cache_root"
rm -rf "$out_dir"
mv "$staging" "$out_dir"
printf '%s\n' "$out_dir"
