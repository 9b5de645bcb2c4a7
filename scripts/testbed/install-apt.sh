#!/usr/bin/env bash
# Installs what the test bed's node hosts need from Debian: a real sshd and ssh client, sysstat (sar),
# procps (ps, used by kube-bench) and iproute2 (ss). Skips packages already installed; safe to run again.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(openssh-server openssh-client sysstat procps iproute2)

log() { printf '%s [testbed apt] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  log "already installed: ${packages[*]}"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || { echo "install-apt.sh: apt-get not found; install ${missing[*]} by hand." >&2; exit 1; }
as_root=()
if ((EUID != 0)); then
  command -v sudo >/dev/null 2>&1 || { echo "install-apt.sh: run as root to install ${missing[*]}." >&2; exit 1; }
  as_root=(sudo)
fi

log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are missing (a fresh image) or older than a day.
if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n1)" ]]; then
  "${as_root[@]}" apt-get update -q
fi
# The package's postinst may try to start sshd through systemd; the test bed runs its own sshd processes.
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
log "installed ${missing[*]}"
