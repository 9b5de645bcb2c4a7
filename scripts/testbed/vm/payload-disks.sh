#!/usr/bin/env bash
# The cgroup v2 proof's read-only disks (raw ext4, made by mkfs.ext4 -d), for what the guest reads as many small
# files: under TCG, 9p took 250 s to read the 427 MiB node image (metadata round trips), a block device ~30 s.
#   payload-disks.sh node-image ROOTFS   -> <cache>/vm-disk-<name of ROOTFS's folder>.img (cached: the folder is keyed)
#   payload-disks.sh node-modules DIR    -> <cache>/vm-disk-node-modules-<key>.img: DIR/node_modules (cached: the key
#                                           hashes npm's record of what it installed and the Node.js ABI)
#   payload-disks.sh checkout DIR OUT    -> OUT/checkout.img: this checkout's bin, dist, scripts, package.json and an
#                                           empty node_modules to mount the disk above on (made per run: the code under
#                                           test changes; without node_modules, seconds rather than a minute or two)
# Prints the image's path. The guest mounts them read-only (test/vm/guest-check.sh); the 9p shares stay for the large
# binaries in the cache and for the results.
set -euo pipefail

cache_root="${HARDENLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hardenlab}"
log() { printf '%s [vm disks] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '%s [vm disks] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

# make_disk DIR IMAGE: an ext4 image of DIR with a quarter more room than it needs.
make_disk() {
  local dir="$1" image="$2" kib
  kib="$(du -sk --apparent-size "$dir" | cut -f1)"
  rm -f "$image"
  truncate -s "$(( (kib + kib / 4 + 65536) / 1024 ))M" "$image"
  mkfs.ext4 -q -E root_owner=0:0 -d "$dir" "$image"
}

# cached_disk DIR IMAGE WHAT: IMAGE made once from DIR (its name is keyed), then reused; prints its path.
cached_disk() {
  local dir="$1" image="$2" started=$SECONDS
  if [[ ! -f "$image.complete" ]]; then
    make_disk "$dir" "$image.partial.$$"
    mv "$image.partial.$$" "$image" && touch "$image.complete"
    log "$3 disk in $((SECONDS - started)) s -> $image"
  fi
  printf '%s\n' "$image"
}

case "${1:-}" in
  node-image)
    rootfs="${2:?ROOTFS}"
    [[ -f "$rootfs/etc/os-release" ]] || die "$rootfs is not a node image rootfs"
    cached_disk "$rootfs" "$cache_root/vm-disk-$(basename "$(dirname "$rootfs")").img" "node image" ;;
  node-modules)
    modules="${2:?DIR}/node_modules"
    [[ -f "$modules/.package-lock.json" ]] || die "$modules is not installed (npm ci)"
    key="$( (cat "$modules/.package-lock.json" && node -p process.versions.modules) | sha256sum | cut -c1-12)"
    cached_disk "$modules" "$cache_root/vm-disk-node-modules-$key.img" "node_modules" ;;
  checkout)
    repo="${2:?DIR}" out="${3:?OUT}"
    [[ -f "$repo/dist/src/cli/main.js" ]] || die "$repo is not built (npm run build)"
    staging="$(mktemp -d "${TMPDIR:-/tmp}/hardenlab-vm-checkout.XXXXXX")"
    trap 'rm -rf "$staging"' EXIT
    cp -a "$repo/bin" "$repo/dist" "$repo/scripts" "$repo/package.json" "$staging/"
    mkdir "$staging/node_modules"
    make_disk "$staging" "$out/checkout.img"
    printf '%s\n' "$out/checkout.img" ;;
  *) die "usage: payload-disks.sh node-image ROOTFS | node-modules DIR | checkout DIR OUT" ;;
esac
