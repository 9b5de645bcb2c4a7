#!/usr/bin/env bash
# Builds compose-check (scripts/tools/compose-check: the Compose Specification loader that `docker compose
# config` is built on) for the compose test, where no Docker compose plugin is installed:
#   <cache>/bin/compose-check-<sources hash>/compose-check, and <cache>/bin/compose-check linked to it.
# <cache> is $HARDENLAB_CACHE, else $XDG_CACHE_HOME/hardenlab, else ~/.cache/hardenlab. Dependencies come
# from the Go module proxy at the versions and hashes in its go.mod and go.sum. Cheap when already built.
set -euo pipefail

source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/compose-check" && pwd)"
cache_root="${HARDENLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hardenlab}"
key="$(cat "$source_dir/go.mod" "$source_dir/go.sum" "$source_dir/main.go" | sha256sum | cut -c1-12)"
target="$cache_root/bin/compose-check-$key"
log() { printf '%s [compose-check build] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

if [[ ! -x "$target/compose-check" ]]; then
  command -v go >/dev/null 2>&1 || { echo "build-compose-check.sh: 'go' is not on PATH" >&2; exit 1; }
  log "building into $target"
  mkdir -p "$target.tmp"
  (cd "$source_dir" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=readonly" go build -trimpath -ldflags '-s -w' -o "$target.tmp/compose-check" .)
  rm -rf "$target"
  mv "$target.tmp" "$target"
else
  log "already built in $target"
fi
ln -sfn "compose-check-$key/compose-check" "$cache_root/bin/compose-check"
