#!/usr/bin/env bash
# Builds the real-node image: a Debian bookworm root file system made by mmdebstrap from Debian packages
# (systemd, sshd, sysstat, containerd, runc, iptables, CNI plugins), into the version-keyed cache:
#   <cache>/node-image-<key>/rootfs
# The key hashes this script (with its package list) and node-files/, so an edit rebuilds and an unchanged image is reused.
# Each node gets its own copy (`cp -a`, ~1 s) with its own host keys, machine id and addresses, written by
# src/testbed/realnodes/nodeCreate.ts when the node is created: nothing node-specific lives in the image.
#
# Prints the rootfs path on its last line. Needs root (mmdebstrap's root mode keeps file ownership).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${HARDENLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hardenlab}"
log() { printf '%s [node image] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '%s [node image] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

suite=bookworm
packages=(
  systemd systemd-sysv dbus openssh-server sudo sysstat procps iproute2 iputils-ping ca-certificates curl
  containerd runc iptables conntrack containernetworking-plugins ethtool socat mount util-linux kmod
  python3 # kube-hunter --interface inside a node (its packages are bound in read-only at start)
)

key="$(cd "$script_dir" && find build-node-image.sh node-files -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-12)"
out_dir="$cache_root/node-image-$suite-$key"
if [[ -f "$out_dir/.complete" ]]; then
  log "cached in $out_dir"
  printf '%s\n' "$out_dir/rootfs"
  exit 0
fi
((EUID == 0)) || die "run as root: the node image keeps root-owned files."
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (scripts/testbed/install-apt.sh installs it)."

mkdir -p "$cache_root"
exec 9>"$cache_root/.node-image.lock"
flock -w 3600 9 || die "another node image build holds $cache_root/.node-image.lock"
[[ -f "$out_dir/.complete" ]] && { printf '%s\n' "$out_dir/rootfs"; exit 0; }

started=$SECONDS
staging="$out_dir.partial.$$"
# mmdebstrap mounts /proc, /sys and /dev inside the rootfs while it works: a build stopped half-way must never
# delete through them, so unmount whatever is still mounted below the staging folder and stay on its file system.
cleanup() {
  findmnt -rno TARGET | grep -F "$staging/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf --one-file-system "$staging" 2>/dev/null || true
}
trap cleanup EXIT
rm -rf "$staging" && mkdir -p "$staging"
log "mmdebstrap $suite with ${#packages[@]} packages (downloads from the Debian mirror on a cold cache)"

# Customize hooks run on the host with the rootfs as "$1"; they make the image boot as a node:
# - no host keys or machine id of its own (each node gets its own when created);
# - the host's resolv.conf is not copied in (nodes have no way out; nothing to resolve);
# - sysstat, containerd and systemd accounting configured once here.
# shellcheck disable=SC2016 # the hooks' "$1" is the rootfs, expanded by the shell mmdebstrap runs each hook in
mmdebstrap --variant=apt --include="$(IFS=,; echo "${packages[*]}")" \
  --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*; : > "$1"/etc/machine-id; rm -f "$1"/var/lib/dbus/machine-id' \
  --customize-hook='printf "nameserver 127.0.0.1\n" > "$1"/etc/resolv.conf' \
  --customize-hook="cp -a '$script_dir/node-files/.' \"\$1\"/" \
  --customize-hook='chroot "$1" systemctl enable hardenlab-node-prepare.service hardenlab-images.service ssh.service systemd-networkd.service containerd.service >/dev/null' \
  --customize-hook='chroot "$1" systemctl disable sysstat.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer >/dev/null 2>&1 || true' \
  --customize-hook='chroot "$1" systemctl mask systemd-resolved.service getty@.service console-getty.service >/dev/null 2>&1 || true' \
  "$suite" "$staging/rootfs" >&2

date -u +%Y-%m-%dT%H:%M:%SZ >"$staging/.complete"
rm -rf "$out_dir"
mv "$staging" "$out_dir"
trap - EXIT
log "built in $((SECONDS - started)) s -> $out_dir ($(du -sh "$out_dir/rootfs" | cut -f1))"
printf '%s\n' "$out_dir/rootfs"
