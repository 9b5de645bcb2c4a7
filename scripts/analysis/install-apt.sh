#!/usr/bin/env bash
# Installs what the analysis tests and benchmark use from Debian: R (r-base-core: the live cross-check with
# boxplot.stats and the R side of `npm run bench`), Chromium (the report test opens report.html headless) and
# sysstat (sar/sadf, to regenerate fixtures). scripts/analysis/make-fixtures.sh installs faketime and locales
# itself, only when fixtures are regenerated. Skips packages already installed; safe to run again.
set -euo pipefail

packages=(r-base-core chromium sysstat)

log() { printf '%s [analysis apt] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

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
