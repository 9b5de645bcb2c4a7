#!/usr/bin/env bash
# Installs Debian packages that are missing; skips the rest. Usage: apt-install.sh LABEL PACKAGE...
# `apt-get update` runs once per machine boot at most (a stamp file), since lists may be stale on a new machine.
set -euo pipefail

label="$1"
shift
log() { printf '%s [%s apt] %s\n' "$(date -u +%H:%M:%S)" "$label" "$*"; }

missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  log "already installed: $*"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || { echo "apt-install.sh: apt-get not found; install ${missing[*]} by hand." >&2; exit 1; }
as_root=()
if ((EUID != 0)); then
  command -v sudo >/dev/null 2>&1 || { echo "apt-install.sh: run as root to install ${missing[*]}." >&2; exit 1; }
  as_root=(sudo)
fi

stamp=/tmp/.hardenlab-apt-updated
if [[ ! -f $stamp || $(stat -c %Y "$stamp") -lt $(($(date +%s) - $(cut -d. -f1 /proc/uptime))) ]]; then
  log "apt-get update"
  "${as_root[@]}" apt-get update -qq
  touch "$stamp"
fi
log "installing ${missing[*]}"
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
log "installed ${missing[*]}"
