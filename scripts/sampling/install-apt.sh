#!/usr/bin/env bash
# Installs what node sampling and its tests and benchmark need from Debian: sysstat (sadc, sadf), a real
# sshd and ssh client (ssh-keygen; the tests' own throwaway sshd), dash (the node scripts are checked with
# `dash -n`) and prometheus-node-exporter (the sampler benchmark's comparison). Skips what is installed.
# Where systemd runs, Debian also starts the exporter's own service on :9100; the benchmark does not use
# it (it starts its own instance on a loopback address and port 19111, and stops it afterwards).
set -euo pipefail

packages=(sysstat openssh-server openssh-client dash prometheus-node-exporter)

log() { printf '%s [sampling apt] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

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
if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n1)" ]]; then
  "${as_root[@]}" apt-get update -q
fi
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
log "installed ${missing[*]}"
