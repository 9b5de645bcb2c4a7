#!/usr/bin/env bash
# Builds Trivy from its Go module into the version-keyed cache:
#   <cache>/bin/trivy-<version>/trivy   (static binary, run on the worker host against the cluster's kubeconfig)
# <cache> is $HARDENLAB_CACHE, else $XDG_CACHE_HOME/hardenlab, else ~/.cache/hardenlab. A complete folder is
# reused, so running this again is cheap. The version lives in versions.env; TRIVY_VERSION overrides.
#
# Trivy's go.mod has no replace lines, so the wrapper module of scripts/lib/go-build.sh only requires it (the
# wrapper also avoids `go install`'s version-list lookup, which this network refuses). Why GOEXPERIMENT=jsonv2:
# Trivy imports encoding/json/v2, which Go 1.26 builds only with that experiment (upstream's goreleaser sets it).
# Why ldflags: `trivy version` prints pkg/version/app.ver, which upstream's release build stamps.
# The checks Trivy runs (trivy-checks) are a Go dependency embedded in the binary: nothing is downloaded at scan
# time when the tools activity passes --skip-check-update / --skip-db-update (src/tools/trivy.ts).
set -euo pipefail

requested="${TRIVY_VERSION:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
TRIVY_VERSION="${requested:-$TRIVY_VERSION}"
module=github.com/aquasecurity/trivy

# shellcheck source=../lib/go-build.sh
source "$here/../lib/go-build.sh" "trivy build"
export GOEXPERIMENT=jsonv2

claim_build trivy "$TRIVY_VERSION" 26 trivy

started=$SECONDS
gomod="$(pinned_gomod "$module@$TRIVY_VERSION")"
build_wrapped trivy "$out_dir" "$(go_directive_of "$gomod")" "-X $module/pkg/version/app.ver=${TRIVY_VERSION#v}" \
  -require="$module@$TRIVY_VERSION" -- "$module/cmd/trivy@$TRIVY_VERSION"
reported="$("$out_dir/trivy" --version 2>/dev/null | sed -n 's/^Version: //p')"
[[ "$reported" == "${TRIVY_VERSION#v}" ]] || die "the built trivy reports version '$reported', expected ${TRIVY_VERSION#v}."
chmod 0755 "$out_dir"
finish "$out_dir" "trivy $TRIVY_VERSION" "$started"
