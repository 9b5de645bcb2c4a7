#!/usr/bin/env bash
# Builds the policy engine's container image for the real nodes' registry, from what scripts/tools/ built:
#   <cache>/engine-images-<key>/push/gatekeeper.tar   docker.io/hardenlab/gatekeeper:<version>: the Gatekeeper manager
#                                                     built from its Go module (static), on Debian's base files
#                                                     (base-files, base-passwd's users) and a uid 65532 of its own
# The test bed pushes push/*.tar to the node network's registry (src/testbed/realnodes/registry.ts), which records the
# digest it serves the image under; the worker pins the engine's Deployment by it (src/config/policyEngine.ts).
# Prints the folder on its last line. The key hashes this script, its libraries and the pinned versions.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tools/versions.env
source "$here/../tools/versions.env"
# Exits with the folder when it is built; else sets $work and $staging.
# shellcheck source=../lib/cached-images.sh
source "$here/../lib/cached-images.sh" "engine images" engine-images "$here/../tools/versions.env"

# The Gatekeeper build is cached by version: cheap when it is there.
HARDENLAB_CACHE="$cache_root" bash "$here/../tools/build-gatekeeper.sh" >&2
gatekeeper="$cache_root/bin/gatekeeper-$GATEKEEPER_VERSION"
[[ -x "$gatekeeper/manager" ]] || die "no Gatekeeper build in $gatekeeper"
mkdir -p "$work/deb"

# Debian's base files, unpacked from their packages (nothing is installed here): the usual /etc and folders.
(cd "$work/deb" && apt-get download base-files base-passwd >/dev/null 2>&1) ||
  die "apt-get download base-files failed (run apt-get update?)"
rootfs="$work/gatekeeper/rootfs"
mkdir -p "$rootfs"
for deb in "$work"/deb/*.deb; do dpkg-deb -x "$deb" "$rootfs"; done
cp "$rootfs/usr/share/base-passwd/passwd.master" "$rootfs/etc/passwd"
cp "$rootfs/usr/share/base-passwd/group.master" "$rootfs/etc/group"
# The manager runs as this user (the Deployment sets the same uid): not root, no shell.
printf 'gatekeeper:x:65532:65532:Gatekeeper:/nonexistent:/usr/sbin/nologin\n' >>"$rootfs/etc/passwd"
printf 'gatekeeper:x:65532:\n' >>"$rootfs/etc/group"
rm -rf "$rootfs/usr/share/doc" "$rootfs/usr/share/man" "$rootfs/usr/share/lintian"
mkdir -p "$rootfs/tmp" "$rootfs/certs"
chmod 1777 "$rootfs/tmp"
install -m 0755 "$gatekeeper/manager" "$rootfs/manager"
"$rootfs/manager" --help >/dev/null 2>&1 || die "the Gatekeeper manager does not start"
docker_archive "docker.io/hardenlab/gatekeeper:$GATEKEEPER_VERSION" "$rootfs" '["/manager"]' "$staging/push/gatekeeper.tar" \
  '"User":"65532:65532",'
images_done
