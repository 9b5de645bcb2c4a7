# shellcheck shell=bash
# The frame of an image build whose output is one keyed folder in the cache: sourced (not run) by
# scripts/testbed/build-engine-images.sh and build-tool-images.sh as
#   source cached-images.sh LABEL FOLDER [KEY FILE...]
# LABEL is what its log lines show; the folder is <cache>/FOLDER-<key>, where the key hashes the calling script, this
# library, docker-archive.sh and the KEY FILEs, so an edit to any of them rebuilds. When that folder is complete it
# prints the folder and exits. Otherwise it sources docker-archive.sh and sets $work (a scratch folder, removed on
# exit) and $staging (with push/); the build fills $staging, then calls images_done, which moves it into place and
# prints the folder on its last line.
#
# <cache> is $HARDENLAB_CACHE, else $XDG_CACHE_HOME/hardenlab, else ~/.cache/hardenlab.

build_label="${1:?cached-images.sh: source it with the label its log lines show}"
images_folder="${2:?cached-images.sh: source it with the name of its cache folder}"
cache_root="${HARDENLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hardenlab}"
log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "$build_label" "$*" >&2; }
die() { printf '%s [%s] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$build_label" "$*" >&2; exit 1; }

images_lib="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
key="$(cat "${BASH_SOURCE[1]}" "${BASH_SOURCE[0]}" "$images_lib/docker-archive.sh" "${@:3}" | sha256sum | cut -c1-12)"
out_dir="$cache_root/$images_folder-$key"
if [[ -f "$out_dir/.complete" ]]; then
  log "cached in $out_dir"
  printf '%s\n' "$out_dir"
  exit 0
fi

# shellcheck source=docker-archive.sh
source "$images_lib/docker-archive.sh"
work="$(mktemp -d "${TMPDIR:-/tmp}/hardenlab-$images_folder.XXXXXX")"
trap 'remove_scratch "$work"' EXIT
staging="$work/out"
mkdir -p "$staging/push"

# images_done: marks $staging complete, puts it in the cache as the keyed folder, and prints that folder.
images_done() {
  date -u +%Y-%m-%dT%H:%M:%SZ >"$staging/.complete"
  mkdir -p "$cache_root"
  rm -rf "$out_dir"
  mv "$staging" "$out_dir"
  printf '%s\n' "$out_dir"
}
