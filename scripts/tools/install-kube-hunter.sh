#!/usr/bin/env bash
# Installs kube-hunter from PyPI into its own virtualenv, keyed by version (versions.env; KUBE_HUNTER_VERSION overrides):
#   <cache>/venv/kube-hunter-<version>/bin/kube-hunter
# <cache> is $HARDENLAB_CACHE, else $XDG_CACHE_HOME/hardenlab, else ~/.cache/hardenlab. A complete venv
# (its kube-hunter lists its hunters) is reused, so running this again is cheap.
#
# Why the pins: kube-hunter 0.6.8 (2022) declares unpinned dependencies whose current releases broke it:
# packaging 22 removed LegacyVersion (used by its CVE hunter), urllib3 2 breaks the kubernetes 12 client
# it pins, prettytable 3.12 changed the table API its plain reporter uses. netifaces ships no wheel for
# Python 3.11, so pip builds it from source and needs a C compiler and the Python headers.
set -euo pipefail

requested="${KUBE_HUNTER_VERSION:-}"
# shellcheck source=versions.env
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/versions.env"
KUBE_HUNTER_VERSION="${requested:-$KUBE_HUNTER_VERSION}"
cache_root="${HARDENLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hardenlab}"
venv="$cache_root/venv/kube-hunter-$KUBE_HUNTER_VERSION"
python="${PYTHON:-python3}"

log() { printf '%s [kube-hunter install] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { printf '%s [kube-hunter install] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

works() { [[ -x "$venv/bin/kube-hunter" ]] && "$venv/bin/kube-hunter" --list >/dev/null 2>&1; }

if works; then
  log "kube-hunter $KUBE_HUNTER_VERSION already installed in $venv"
  exit 0
fi

command -v "$python" >/dev/null 2>&1 || die "'$python' is not on PATH (set PYTHON to a Python 3.9-3.11 interpreter)."
py_version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
log "using Python $py_version ($(command -v "$python"))"

# Build prerequisites of netifaces: a C compiler and Python.h of this interpreter. Install Debian's when missing.
include_dir="$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
[[ -f "$include_dir/Python.h" ]] || missing+=(python3-dev)
"$python" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if ((${#missing[@]})); then
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them; install them by hand."
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  } || die "apt-get could not install ${missing[*]}."
fi

# A half-made venv from an interrupted run is rebuilt from scratch.
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
log "creating virtualenv $venv"
"$python" -m venv "$venv" || die "could not create a virtualenv with $python."
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip \
  || die "pip could not reach the package index to upgrade pip."

log "installing kube-hunter==$KUBE_HUNTER_VERSION with compatible pins (builds netifaces from source)"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "kube-hunter==$KUBE_HUNTER_VERSION" 'packaging<22' 'urllib3<2' 'prettytable<3.12' \
  || { rm -rf "$venv"; die "pip could not install kube-hunter $KUBE_HUNTER_VERSION (see pip's message above)."; }

works || { rm -rf "$venv"; die "kube-hunter was installed but '$venv/bin/kube-hunter --list' fails."; }
log "kube-hunter $KUBE_HUNTER_VERSION ready: $venv/bin/kube-hunter"
