#!/usr/bin/env bash
# Builds the security tools' container images for the real nodes' registry, from what scripts/tools/ built
# (no outside registry is reachable, and the experiment's Jobs name upstream's images):
#   <cache>/tool-images-<key>/push/kube-bench.tar   docker.io/aquasec/kube-bench:<version>: the kube-bench binary
#                                                   built from its Go module, its cfg/ folder (kube-bench's
#                                                   default ./cfg from the working directory /), and Debian's
#                                                   static busybox for the shell, ps, stat and grep its checks run
#   <cache>/tool-images-<key>/push/kube-hunter.tar  docker.io/aquasec/kube-hunter:<version>: Debian's python3 and the
#                                                   packages of the worker's kube-hunter virtualenv (same Python
#                                                   3.11, so its compiled netifaces loads), entry point kube-hunter
# The test bed pushes push/*.tar to the node network's registry (src/testbed/realnodes/registry.ts). Prints the folder on
# its last line. The key hashes this script, its libraries and the tools' pinned versions.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tools/versions.env
source "$here/../tools/versions.env"
# Exits with the folder when it is built; else sets $work and $staging.
# shellcheck source=../lib/cached-images.sh
source "$here/../lib/cached-images.sh" "tool images" tool-images "$here/../tools/versions.env"

# The kube-bench build is cached by version: cheap when it is there.
HARDENLAB_CACHE="$cache_root" bash "$here/../tools/build-kube-bench.sh" >&2
kube_bench="$cache_root/bin/kube-bench-$KUBE_BENCH_VERSION"
[[ -x "$kube_bench/kube-bench" && -f "$kube_bench/cfg/config.yaml" ]] || die "no kube-bench build in $kube_bench"

HARDENLAB_CACHE="$cache_root" bash "$here/../tools/install-kube-hunter.sh" >&2
site_packages=("$cache_root/venv/kube-hunter-$KUBE_HUNTER_VERSION"/lib/python3.*/site-packages)
[[ -d "${site_packages[0]}/kube_hunter" ]] || die "no kube-hunter virtualenv in $cache_root/venv/kube-hunter-$KUBE_HUNTER_VERSION"

rootfs="$work/kube-bench/rootfs"
busybox_rootfs "$rootfs"
mkdir -p "$rootfs/usr/local/bin"
cp "$kube_bench/kube-bench" "$rootfs/usr/local/bin/kube-bench"
cp -R "$kube_bench/cfg" "$rootfs/cfg"
docker_archive "docker.io/aquasec/kube-bench:$KUBE_BENCH_VERSION" "$rootfs" '["/usr/local/bin/kube-bench"]' "$staging/push/kube-bench.tar" \
  '"Env":["PATH=/usr/local/bin:/bin"],'

hunter="$work/kube-hunter/rootfs"
mkdir -p "$work/kube-hunter"
# shellcheck disable=SC2016 # the hook's "$1" is the rootfs, expanded by the shell mmdebstrap runs it in
mmdebstrap --variant=essential --include=python3,ca-certificates --quiet \
  --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/usr/share/doc "$1"/usr/share/man "$1"/usr/share/locale' \
  bookworm "$hunter" >&2
image_python="$(basename "$(dirname "${site_packages[0]}")")"
[[ -d "$hunter/usr/lib/$image_python" ]] || die "the image's Python is not the virtualenv's $image_python"
mkdir -p "$hunter/usr/local/lib/$image_python/dist-packages"
cp -R "${site_packages[0]}"/. "$hunter/usr/local/lib/$image_python/dist-packages/"
rm -rf "$hunter/usr/local/lib/$image_python/dist-packages"/{pip,pip-*}
printf '#!/usr/bin/python3\nimport sys\nfrom kube_hunter.__main__ import main\nsys.exit(main())\n' >"$hunter/usr/local/bin/kube-hunter"
chmod 0755 "$hunter/usr/local/bin/kube-hunter"
chroot "$hunter" kube-hunter --list >/dev/null || die "kube-hunter does not start in its image"
docker_archive "docker.io/aquasec/kube-hunter:$KUBE_HUNTER_VERSION" "$hunter" '["/usr/local/bin/kube-hunter"]' "$staging/push/kube-hunter.tar"
images_done
