# Shared helpers for building Go commands from the Go module proxy into the version-keyed cache.
# Sourced (not run) by scripts/testbed/build.sh and scripts/temporal/build.sh with the label its log lines
# show (`source go-build.sh "testbed build"`); the caller then calls require_go and lock_cache, or, building one
# component, claim_build.
#
# <cache> is $HARDENLAB_CACHE, else $XDG_CACHE_HOME/hardenlab, else ~/.cache/hardenlab; binaries go to
# <cache>/bin/<component>-<version>/ and a component whose folder is complete is skipped.
# shellcheck shell=bash

build_label="${1:?go-build.sh: source it with the label its log lines show}"
cache_root="${HARDENLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hardenlab}"
bin_root="$cache_root/bin"

# Never switch to a downloaded Go toolchain behind the user's back: fail with a clear message instead.
export GOTOOLCHAIN=local
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "$build_label" "$*"; }
die() { printf '%s [%s] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$build_label" "$*" >&2; exit 1; }

# require_go <minimum minor> <why>
require_go() {
  local minimum="$1" why="$2" version
  command -v go >/dev/null 2>&1 || die "'go' is not on PATH. Install Go >= 1.$minimum ($why)."
  version="$(go env GOVERSION)"
  [[ "$version" =~ ^go1\.([0-9]+) ]] || die "cannot read the Go version from '$version'."
  ((BASH_REMATCH[1] >= minimum)) || die "Go $version is too old; $why needs go1.$minimum or newer."
  log "using $version ($(command -v go))"
}

# Resolves a module version through the module proxy; a clear error names what is missing.
module_info() {
  local module="$1" out
  if ! out="$(go mod download -json "$module" 2>&1)"; then
    die "cannot download module $module from the Go module proxy (GOPROXY=$(go env GOPROXY)).
Is the proxy reachable and does it serve this version? Go said:
$out"
  fi
  if grep -q '"Error"' <<<"$out"; then
    die "the Go module proxy cannot serve $module: $(grep '"Error"' <<<"$out")"
  fi
  printf '%s\n' "$out"
}

json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}$/\1/p"; }

# pinned_gomod <module@version>: the path of that version's go.mod in the module cache (downloaded if missing).
pinned_gomod() {
  local gomod
  # A command substitution does not inherit set -e: stop here, module_info has said why.
  gomod="$(module_info "$1" | json_field GoMod)" || exit 1
  [[ -f "$gomod" ]] || die "go mod download did not report the go.mod of $1."
  printf '%s\n' "$gomod"
}

is_complete() {
  local out_dir="$1"; shift
  [[ -f "$out_dir/.complete" ]] || return 1
  local binary
  for binary in "$@"; do [[ -x "$out_dir/$binary" ]] || return 1; done
}

# cached <out_dir> <label> <binary...>: true, and says so, when the component's folder is complete.
cached() {
  local out_dir="$1" label="$2"; shift 2
  is_complete "$out_dir" "$@" || return 1
  log "$label: cached in $out_dir"
}

# build_wrapped <label> <out_dir> <go directive> <ldflags> <go mod edit flags...> -- <package@version...>
# Why a wrapper module: `go install pkg@version` refuses modules whose go.mod has replace lines, and a
# dependency's replace lines are ignored, so a throwaway module requires the pinned module and carries the
# replaces itself. Each package carries its version: without it `go get` would pick the latest release.
# Resolves the wrapper, builds all packages in one go build (shared packages compile once), installs atomically.
build_wrapped() {
  local label="$1" out_dir="$2" go_directive="$3" ldflags="$4"; shift 4
  local edit_flags=() packages=()
  while (($#)); do [[ "$1" == "--" ]] && { shift; break; }; edit_flags+=("$1"); shift; done
  packages=("$@")

  local build_packages=("${packages[@]%@*}") work staging
  work="$(mktemp -d "${TMPDIR:-/tmp}/hardenlab-build-$label.XXXXXX")"
  staging="$out_dir.partial.$$"
  # shellcheck disable=SC2064 # expand now: the folders are fixed for this build
  trap "rm -rf '$work' '$staging'" EXIT
  trap 'exit 130' INT TERM
  rm -rf "$staging" && mkdir -p "$staging"

  (
    cd "$work"
    go mod init "hardenlab.local/build-$label" >/dev/null 2>&1
    go mod edit -go="$go_directive" "${edit_flags[@]}"
    log "$label: resolving modules (downloads on a cold cache)"
    # -tool records the commands in the wrapper's go.mod and fetches exactly what they import.
    # Only downloads and problems are shown; the many "upgraded X v0.0.0 => v0.36.3" lines are expected.
    go get -tool "${packages[@]}" 2>&1 | sed -e '/^go: \(upgraded\|added\) /d' -e 's/^/    /' || exit 1
    log "$label: compiling ${#packages[@]} command(s) on $(nproc) cores (cold: many minutes)"
    go build -trimpath -ldflags "-s -w $ldflags" -o "$staging/" "${build_packages[@]}"
  ) || die "$label: build failed (see the Go output above)."

  rm -rf "$out_dir"
  mv "$staging" "$out_dir"
  rm -rf "$work"
  trap - EXIT
}

# The wrapper's go directive: the pinned module's, raised to 1.24 where `go get -tool` needs it.
go_directive_of() {
  local directive
  directive="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$1" | head -n1)"
  [[ "$directive" =~ ^1\.([0-9]+) ]] && ((BASH_REMATCH[1] < 24)) && directive=1.24
  printf '%s\n' "$directive"
}

finish() {
  local out_dir="$1" label="$2" started="$3"
  local seconds=$((SECONDS - started))
  printf '%s\n' "$seconds" >"$out_dir/.build-seconds"
  # The digests root checks before running these binaries (src/testbed/trustedPaths.ts).
  (cd "$out_dir" && find . -maxdepth 1 -type f ! -name '.*' ! -name SHA256SUMS -printf '%f\n' | sort | xargs -r sha256sum) >"$out_dir/SHA256SUMS"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$out_dir/.complete"
  log "$label: built in ${seconds}s -> $out_dir ($(du -sh "$out_dir" | cut -f1))"
}

# lock_cache <name>: one build of a kind at a time (two test runs may start together); the second waits,
# then finds the cache warm. Kinds lock separately, so the test bed's and Temporal's builds may overlap.
lock_cache() {
  mkdir -p "$bin_root"
  exec 9>"$bin_root/.$1.lock"
  flock -w 7200 9 || die "another build holds $bin_root/.$1.lock for over 2 hours."
}

# claim_build <name> <version> <go minor> <binary...>: for a script that builds one component into
# <cache>/bin/<name>-<version>/. Ends the script (status 0, saying so) when that folder is complete, also once another
# build of it has finished; otherwise returns with Go checked and the component's lock held, and sets out_dir.
claim_build() {
  local name="$1" version="$2" minimum="$3"; shift 3
  out_dir="$bin_root/$name-$version"
  if cached "$out_dir" "$name $version" "$@"; then exit 0; fi
  require_go "$minimum" "$name $version"
  lock_cache "$name"
  if cached "$out_dir" "$name $version" "$@"; then exit 0; fi
}
