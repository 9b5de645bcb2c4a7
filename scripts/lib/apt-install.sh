#!/usr/bin/env bash
# Installs Debian packages that are missing; skips the rest. Usage: apt-install.sh LABEL PACKAGE...
# `apt-get update` runs once per machine boot at most (a stamp file in a root-only folder), since lists may be stale
# on a new machine.
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

# The stamp lives in a folder only root can write (root-owned, 0700): a predictable name in /tmp lets any local
# user fake it (no update) or plant a symlink that root's touch then follows.
stamp_dir=/var/lib/hardenlab-apt
stamp="$stamp_dir/updated"
not_private() { echo "apt-install.sh: $stamp_dir is not a root-owned 0700 folder ($1); remove it and run again." >&2; exit 1; }
# Checked before install -d, which would follow a symlink and change the mode of whatever it points at.
[[ -L "$stamp_dir" ]] && not_private 'a symlink'
"${as_root[@]}" install -d -m 0700 -o root -g root "$stamp_dir"
owner_mode_kind="$("${as_root[@]}" stat -c '%u %a %F' "$stamp_dir")"
[[ "$owner_mode_kind" == "0 700 directory" ]] || not_private "$owner_mode_kind"
booted_at=$(($(date +%s) - $(cut -d. -f1 /proc/uptime)))
updated_at="$("${as_root[@]}" stat -c %Y "$stamp" 2>/dev/null || echo 0)"
if ((updated_at < booted_at)); then
  log "apt-get update"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" touch "$stamp"
fi
log "installing ${missing[*]}"
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
log "installed ${missing[*]}"
