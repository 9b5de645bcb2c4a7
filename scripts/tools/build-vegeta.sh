#!/usr/bin/env bash
# Builds vegeta (the HTTP load generator of the load pod, issue 27) from its Go module into the version-keyed cache:
#   <cache>/bin/vegeta-<version>/vegeta   (static binary; build-load-images.sh puts it in the load pod's image)
# <cache> is $HARDENLAB_CACHE, else $XDG_CACHE_HOME/hardenlab, else ~/.cache/hardenlab. A complete folder is reused.
# The version lives in versions.env; VEGETA_VERSION overrides.
#
# Why vegeta: open-loop at a constant rate (-rate, -duration) with a bounded worker pool (-max-workers), a fixed
# target list, and a JSON report (latency quantiles, success, status codes); its go.mod has no replace lines.
# Why ldflags: `vegeta -version` prints main.Version, which upstream's makefile sets.
set -euo pipefail

requested="${VEGETA_VERSION:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
VEGETA_VERSION="${requested:-$VEGETA_VERSION}"
module=github.com/tsenart/vegeta/v12

# shellcheck source=../lib/go-build.sh
source "$here/../lib/go-build.sh" "vegeta build"

claim_build vegeta "$VEGETA_VERSION" 22 vegeta

started=$SECONDS
gomod="$(pinned_gomod "$module@$VEGETA_VERSION")"
build_wrapped vegeta "$out_dir" "$(go_directive_of "$gomod")" "-X main.Version=$VEGETA_VERSION" \
  -require="$module@$VEGETA_VERSION" -- "$module@$VEGETA_VERSION"
[[ -x "$out_dir/vegeta" ]] || die "the build made no vegeta binary in $out_dir"
reported="$("$out_dir/vegeta" -version | sed -n 's/^Version: //p')"
[[ "$reported" == "$VEGETA_VERSION" ]] || die "the built vegeta reports version '$reported', expected $VEGETA_VERSION."
chmod 0755 "$out_dir"
finish "$out_dir" "vegeta $VEGETA_VERSION" "$started"
