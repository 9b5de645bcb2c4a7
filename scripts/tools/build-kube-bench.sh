#!/usr/bin/env bash
# Builds kube-bench from its Go module into the version-keyed cache, with its benchmark definitions:
#   <cache>/bin/kube-bench-<version>/kube-bench      (static binary, uploaded to nodes by the tools activity)
#   <cache>/bin/kube-bench-<version>/cfg/            (the module's cfg/ folder: pass it as --config-dir)
# <cache> is $HARDENLAB_CACHE, else $XDG_CACHE_HOME/hardenlab, else ~/.cache/hardenlab. A complete folder
# is reused, so running this again is cheap. Versions live in versions.env; KUBE_BENCH_VERSION overrides.
#
# Why a wrapper module: `go install module@version` asks the proxy for the module's version list (to look
# for a deprecation notice), and that list is refused here while exact versions are served. Building the
# package from a throwaway module that requires the exact version needs no list. kube-bench's own go.sum is
# copied in, so its dependencies resolve to the versions and hashes upstream tested.
# Why a pinned checksum: the public checksum database has no entry for kube-bench's tags on this network
# (its lookup fails), so the module itself is exempted from that lookup (GONOSUMDB) and its zip hash is
# compared with the value pinned below instead. Its dependencies are still verified by kube-bench's go.sum.
# Why ldflags: kube-bench prints cmd.KubeBenchVersion for `kube-bench version`; upstream's makefile sets it.
set -euo pipefail

requested="${KUBE_BENCH_VERSION:-}"
# shellcheck source=versions.env
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/versions.env"
KUBE_BENCH_VERSION="${requested:-$KUBE_BENCH_VERSION}"
module=github.com/aquasecurity/kube-bench

# h1: hashes of the module zips, as `go mod download -json` reports them (field "Sum").
declare -A pinned_sums=(
  [v0.14.0]='h1:LBt4OyzKIDP654v+IWtfbeCG40Q+mhdbBnXZRuewpvY='
  [v0.14.1]='h1:Z/NcXfuwIQJ8jJQ5Qy2QXXVuBkJiIekl/oQ/rM56phA='
)

cache_root="${HARDENLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hardenlab}"
target="$cache_root/bin/kube-bench-$KUBE_BENCH_VERSION"

log() { printf '%s [kube-bench build] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { printf '%s [kube-bench build] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

complete() { [[ -x "$target/kube-bench" && -f "$target/cfg/config.yaml" ]]; }

if complete; then
  log "kube-bench $KUBE_BENCH_VERSION already built in $target"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "'go' is not on PATH. Install Go >= 1.24 (kube-bench's go.mod needs it)."
export GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}$module"
log "using $(go env GOVERSION) ($(command -v go))"

expected_sum="${KUBE_BENCH_SUM:-${pinned_sums[$KUBE_BENCH_VERSION]:-}}"
[[ -n "$expected_sum" ]] || die "no pinned checksum for kube-bench $KUBE_BENCH_VERSION; set KUBE_BENCH_SUM to its h1: hash."

log "downloading $module@$KUBE_BENCH_VERSION"
if ! info="$(go mod download -json "$module@$KUBE_BENCH_VERSION" 2>&1)" || grep -q '"Error"' <<<"$info"; then
  die "the Go module proxy (GOPROXY=$(go env GOPROXY)) cannot serve $module@$KUBE_BENCH_VERSION:
$info"
fi
field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}$/\1/p" <<<"$info" | head -n1; }
sum="$(field Sum)"
module_dir="$(field Dir)"
[[ "$sum" == "$expected_sum" ]] || die "checksum mismatch for $module@$KUBE_BENCH_VERSION: got $sum, pinned $expected_sum."
[[ -f "$module_dir/cfg/config.yaml" ]] || die "the module has no cfg/config.yaml at $module_dir/cfg."

# Build into a temporary folder next to the target, then rename: an interrupted run leaves no half folder.
mkdir -p "$cache_root/bin"
staging="$(mktemp -d "$cache_root/bin/.kube-bench-$KUBE_BENCH_VERSION.XXXXXX")"
wrapper="$(mktemp -d "${TMPDIR:-/tmp}/hardenlab-kube-bench-build.XXXXXX")"
trap 'rm -rf "$staging" "$wrapper"' EXIT
cat >"$wrapper/go.mod" <<GOMOD
module hardenlab.local/kube-bench-build

go 1.24

require $module $KUBE_BENCH_VERSION
GOMOD
{ cat "$module_dir/go.sum"; printf '%s %s %s\n' "$module" "$KUBE_BENCH_VERSION" "$sum" "$module" "$KUBE_BENCH_VERSION/go.mod" "$(field GoModSum)"; } >"$wrapper/go.sum"

log "building kube-bench $KUBE_BENCH_VERSION (static, CGO off); this takes a few minutes on a busy 2-core machine"
start=$SECONDS
(cd "$wrapper" && go build -mod=mod -trimpath \
  -ldflags "-s -w -X $module/cmd.KubeBenchVersion=$KUBE_BENCH_VERSION" \
  -o "$staging/kube-bench" "$module") || die "building $module@$KUBE_BENCH_VERSION failed (see Go's message above)."
log "built in $((SECONDS - start)) s"

cp -R "$module_dir/cfg" "$staging/cfg"
chmod -R u+w,go+rX "$staging/cfg" # module cache files are read-only; keep the copy removable.
chmod 0755 "$staging" # mktemp makes it 0700; node-host users and the worker read it.
reported="$("$staging/kube-bench" version 2>/dev/null | tail -n1)"
[[ "$reported" == "$KUBE_BENCH_VERSION" ]] || die "the built kube-bench reports version '$reported', expected $KUBE_BENCH_VERSION."

rm -rf "$target"
mv "$staging" "$target"
trap 'rm -rf "$wrapper"' EXIT
log "kube-bench $KUBE_BENCH_VERSION ready: $target/kube-bench (benchmarks in $target/cfg)"
