#!/usr/bin/env bash
# Builds the container images the real nodes need, without any registry: each image is a docker-archive
# tarball made here from Debian packages and a few lines of C, which containerd on a node imports at boot.
#   <cache>/node-images-<key>/pause.tar     hardenlab.local/pause:3.10  (the pod sandbox: a static pause)
#   <cache>/node-images-<key>/busybox.tar   hardenlab.local/busybox:1   (Debian's busybox-static: test pods)
#   <cache>/node-images-<key>/registry/     the distribution registry, from Debian's docker-registry package, which
#                                           serves the images below on the node network (pods really pull them)
#   <cache>/node-images-<key>/push/*.tar    images the test bed pushes to that registry, under the names the
#                                           experiment uses (nodes pull docker.io names from it: no outside registry):
#     thenetworkchuck/nccoffee:pourover          the thesis's demo site stand-in: nginx serving a page, as root, port 80
#     nginxinc/nginx-unprivileged:1.27-alpine    the hardened runs' image: the same nginx as uid 101 on port 8080
#     hardenlab/node-access:1                    the access pod's image: busybox's nsenter, and a portable sysstat for
#                                                nodes without one (src/nodeaccess/sysstatKitCopy.ts); pinned by the digest
#                                                the registry gives it (src/testbed/realnodes/registry.ts records it)
# Prints the folder on its last line. The key hashes this script and its library, so an edit rebuilds.
set -euo pipefail

cache_root="${HARDENLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hardenlab}"
log() { printf '%s [node images] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '%s [node images] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

key="$(cat "${BASH_SOURCE[0]}" "$(dirname "${BASH_SOURCE[0]}")/../lib/docker-archive.sh" | sha256sum | cut -c1-12)"
out_dir="$cache_root/node-images-$key"
if [[ -f "$out_dir/.complete" ]]; then
  log "cached in $out_dir"
  printf '%s\n' "$out_dir"
  exit 0
fi
command -v gcc >/dev/null || die "gcc is missing (the pause image is compiled here)"
command -v patchelf >/dev/null || die "patchelf is missing (scripts/testbed/install-apt.sh installs it)"

# shellcheck source=../lib/docker-archive.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/docker-archive.sh"
work="$(mktemp -d "${TMPDIR:-/tmp}/hardenlab-images.XXXXXX")"
trap 'remove_scratch "$work"' EXIT
staging="$work/out"
mkdir -p "$staging"

# The pause container: sleeps until told to stop, and reaps orphans as PID 1 of the pod (as upstream's does).
mkdir -p "$work/pause/rootfs"
cat >"$work/pause/pause.c" <<'EOF'
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
static void stop(int sig) { (void)sig; _exit(0); }
static void reap(int sig) { (void)sig; while (waitpid(-1, NULL, WNOHANG) > 0) {} }
int main(void) {
  signal(SIGINT, stop);
  signal(SIGTERM, stop);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
EOF
gcc -Os -static -o "$work/pause/rootfs/pause" "$work/pause/pause.c"
strip "$work/pause/rootfs/pause"
docker_archive hardenlab.local/pause:3.10 "$work/pause/rootfs" '["/pause"]' "$staging/pause.tar"

# busybox: Debian's static build, for test pods.
busybox_rootfs "$work/busybox/rootfs" sh cat echo sleep ls wget nc httpd nsenter
docker_archive hardenlab.local/busybox:1 "$work/busybox/rootfs" '["/bin/sh"]' "$staging/busybox.tar"

# The access pod's image: busybox's nsenter, and sysstat's sadc and sadf with the libraries they load, for nodes
# where no package manager can install sysstat (read-only OSes). The connector copies the kit to the node's
# SYSSTAT_KIT_DIR; the binaries load their own loader and libraries from there (patchelf), so they run on any
# x86-64 Linux, and keep their names (the sampler finds sadc by its process name).
kit_dir=/var/lib/hardenlab/sysstat
busybox_rootfs "$work/access/rootfs" sh cat echo sleep ls nsenter
kit="$work/access/rootfs/opt/hardenlab/sysstat"
mkdir -p "$kit/lib" "$work/access/deb"
(cd "$work/access/deb" && apt-get download sysstat libsensors5 libc6 >/dev/null 2>&1) || die "apt-get download sysstat failed"
for deb in "$work"/access/deb/*.deb; do dpkg-deb -x "$deb" "$work/access/extract"; done
x="$work/access/extract"
cp "$x/usr/lib/sysstat/sadc" "$x/usr/bin/sadf" "$kit/"
cp -L "$x/lib/x86_64-linux-gnu/libc.so.6" "$x/lib/x86_64-linux-gnu/libm.so.6" "$x/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
  "$x/usr/lib/x86_64-linux-gnu/libsensors.so.5" "$kit/lib/"
for bin in sadc sadf; do
  patchelf --set-interpreter "$kit_dir/lib/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$kit_dir/lib" "$kit/$bin"
done
dpkg-deb -f "$work"/access/deb/sysstat_*.deb Version >"$kit/VERSION"
(cd "$kit" && find . -type f | sort | xargs sha256sum) >"$work/access/SHA256SUMS"
mv "$work/access/SHA256SUMS" "$kit/SHA256SUMS"
mkdir -p "$staging/push"
docker_archive docker.io/hardenlab/node-access:1 "$work/access/rootfs" '["/bin/sh"]' "$staging/push/node-access.tar"

# The registry: Debian's static build, unpacked from its package (not installed: no service starts here).
mkdir -p "$work/registry/deb" "$staging/registry"
(cd "$work/registry/deb" && apt-get download docker-registry >/dev/null 2>&1) || die "apt-get download docker-registry failed"
dpkg-deb -x "$work"/registry/deb/docker-registry_*.deb "$work/registry/extract"
cp "$work/registry/extract/usr/bin/docker-registry" "$staging/registry/registry"

# The web site: one Debian rootfs with nginx, two images (root on :80 like the thesis's, uid 101 on :8080).
mkdir -p "$staging/push"
# shellcheck disable=SC2016 # the hook's "$1" is the rootfs, expanded by the shell mmdebstrap runs it in
mmdebstrap --variant=essential --include=nginx-light --quiet \
  --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/usr/share/doc "$1"/usr/share/man "$1"/usr/share/locale' \
  bookworm "$work/web" >&2
cat >"$work/web/usr/share/nginx/html/index.html" <<'HTML'
<!doctype html><html><head><title>Coffee</title></head><body><h1>Pour-over coffee</h1>
<p>The hardenlab test bed's stand-in for the thesis's demo site.</p></body></html>
HTML
nginx_conf() { # nginx_conf PORT PIDFILE: logs to the container's output, temp files under /tmp
  cat <<CONF
worker_processes 1;
pid $2;
error_log /dev/stderr warn;
events { worker_connections 256; }
http {
  access_log /dev/stdout;
  client_body_temp_path /tmp/client_body;
  proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi;
  scgi_temp_path /tmp/scgi;
  server { listen $1; root /usr/share/nginx/html; }
}
CONF
}
nginx_conf 80 /run/nginx.pid >"$work/web/etc/nginx/coffee.conf"
nginx_conf 8080 /tmp/nginx.pid >"$work/web/etc/nginx/unprivileged.conf"
mkdir -p "$work/web/var/cache/nginx"
docker_archive docker.io/thenetworkchuck/nccoffee:pourover "$work/web" '["nginx","-c","/etc/nginx/coffee.conf","-g","daemon off;"]' "$staging/push/nccoffee.tar"
docker_archive docker.io/nginxinc/nginx-unprivileged:1.27-alpine "$work/web" '["nginx","-c","/etc/nginx/unprivileged.conf","-g","daemon off;"]' "$staging/push/nginx-unprivileged.tar" '"User":"101",'

date -u +%Y-%m-%dT%H:%M:%SZ >"$staging/.complete"
mkdir -p "$cache_root"
rm -rf "$out_dir"
mv "$staging" "$out_dir"
printf '%s\n' "$out_dir"
