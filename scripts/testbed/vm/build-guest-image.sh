#!/usr/bin/env bash
# Builds the cgroup v2 proof's guest: a Debian bookworm system (Debian's kernel package, systemd as PID 1, the
# unified cgroup hierarchy by default) made by mmdebstrap, into the version-keyed cache:
#   <cache>/vm-guest-bookworm-<key>/{vmlinuz,initrd.img,disk.img}
# disk.img is ext4 made from the rootfs (mkfs.ext4 -d); the guest boots it with -snapshot, so it is never
# changed. The guest has no network at all: the test bed's binaries, node image and images, this checkout and
# Node.js come in read-only over 9p, and the results go out through one writable 9p folder (test/vm/guest-check.sh).
# The key hashes this script, the guest's files and this host's Node.js version (its binary is copied in).
# Prints the folder on its last line. Needs root.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${HARDENLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hardenlab}"
log() { printf '%s [vm guest] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '%s [vm guest] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

suite=bookworm
packages=(
  linux-image-amd64 systemd systemd-sysv udev dbus kmod procps iproute2 util-linux mount ca-certificates
  # what the real-node test bed needs on its host (scripts/testbed/install-apt.sh's real-node part)
  systemd-container lxcfs socat nftables iptables openssl skopeo openssh-client sysstat mmdebstrap
)
node_bin="$(command -v node)" || die "node is missing"
key="$( (cd "$script_dir" && cat build-guest-image.sh guest-files/* && "$node_bin" --version) | sha256sum | cut -c1-12)"
out_dir="$cache_root/vm-guest-$suite-$key"
if [[ -f "$out_dir/.complete" ]]; then
  log "cached in $out_dir"
  printf '%s\n' "$out_dir"
  exit 0
fi
((EUID == 0)) || die "run as root: the guest's root file system keeps root-owned files."
for tool in mmdebstrap mkfs.ext4; do command -v "$tool" >/dev/null || die "$tool is missing"; done

mkdir -p "$cache_root"
exec 9>"$cache_root/.vm-guest.lock"
flock -w 3600 9 || die "another guest build holds $cache_root/.vm-guest.lock"
[[ -f "$out_dir/.complete" ]] && { printf '%s\n' "$out_dir"; exit 0; }

started=$SECONDS
staging="$out_dir.partial.$$"
cleanup() {
  findmnt -rno TARGET | grep -F "$staging/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf --one-file-system "$staging" 2>/dev/null || true
}
trap cleanup EXIT
rm -rf "$staging" && mkdir -p "$staging"
log "mmdebstrap $suite with ${#packages[@]} packages (downloads from the Debian mirror on a cold cache)"
# Hooks: Node.js from this host (Debian 12's own is 18; the project needs 20); the guest's files (mounts,
# the check unit); no host resolv.conf (the guest has no network); a serial getty would hang up the console; no
# timers or services the check does not need (every process costs many times its native time under TCG).
# shellcheck disable=SC2016 # the hooks' "$1" is the rootfs, expanded by the shell mmdebstrap runs each hook in
mmdebstrap --variant=apt --include="$(IFS=,; echo "${packages[*]}")" \
  --customize-hook="install -m 0755 '$node_bin' \"\$1\"/usr/local/bin/node" \
  --customize-hook="cp '$script_dir/guest-files/fstab' \"\$1\"/etc/fstab" \
  --customize-hook="cp '$script_dir/guest-files/hardenlab-vm-check.service' \"\$1\"/etc/systemd/system/" \
  --customize-hook="install -m 0755 '$script_dir/guest-files/hardenlab-vm-check' \"\$1\"/usr/local/sbin/" \
  --customize-hook='mkdir -p "$1"/mnt/cache "$1"/mnt/repo "$1"/mnt/out; printf "nameserver 127.0.0.1\n" > "$1"/etc/resolv.conf' \
  --customize-hook='echo hardenlab-vm > "$1"/etc/hostname; : > "$1"/etc/machine-id' \
  --customize-hook='chroot "$1" systemctl enable hardenlab-vm-check.service >/dev/null' \
  --customize-hook='chroot "$1" systemctl mask serial-getty@ttyS0.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
    dpkg-db-backup.timer fstrim.timer systemd-tmpfiles-clean.timer sysstat.service systemd-pstore.service >/dev/null 2>&1 || true' \
  "$suite" "$staging/rootfs" >&2

cp "$staging"/rootfs/boot/vmlinuz-* "$staging/vmlinuz"
cp "$staging"/rootfs/boot/initrd.img-* "$staging/initrd.img"
# Room for three node copies (~0.5 GiB each), their containerd images and the control plane's data.
truncate -s 8G "$staging/disk.img"
mkfs.ext4 -q -L hardenlab-vm -d "$staging/rootfs" "$staging/disk.img"
rm -rf --one-file-system "$staging/rootfs"
date -u +%Y-%m-%dT%H:%M:%SZ >"$staging/.complete"
rm -rf "$out_dir"
mv "$staging" "$out_dir"
trap - EXIT
log "built in $((SECONDS - started)) s -> $out_dir ($(du -sh "$out_dir" | cut -f1) on disk)"
printf '%s\n' "$out_dir"
