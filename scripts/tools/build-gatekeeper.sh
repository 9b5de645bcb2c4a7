#!/usr/bin/env bash
# Builds OPA Gatekeeper (the policy engine of the policy-engine pack) from its Go module into the version-keyed cache:
#   <cache>/bin/gatekeeper-<version>/manager         (static binary: webhook, audit and controllers in one process)
#   <cache>/bin/gatekeeper-<version>/gator           (its offline policy tester: the policies' tests run it)
#   <cache>/bin/gatekeeper-<version>/gatekeeper.yaml  (upstream's install manifest of that version: its CRDs come from here)
# <cache> is $HARDENLAB_CACHE, else $XDG_CACHE_HOME/hardenlab, else ~/.cache/hardenlab. A complete folder is reused.
# The version lives in versions.env; GATEKEEPER_VERSION overrides.
#
# Why Gatekeeper and not Kyverno: Gatekeeper's go.mod has no replace lines and its manager is one binary, so the
# wrapper module of scripts/lib/go-build.sh only requires it; Kyverno needs four controllers and a staging go.mod
# repeating its replace of k8s.io/pod-security-admission. Why ldflags: the manager logs pkg/version.Version.
set -euo pipefail

requested="${GATEKEEPER_VERSION:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
GATEKEEPER_VERSION="${requested:-$GATEKEEPER_VERSION}"
module=github.com/open-policy-agent/gatekeeper/v3

# shellcheck source=../lib/go-build.sh
source "$here/../lib/go-build.sh" "gatekeeper build"

claim_build gatekeeper "$GATEKEEPER_VERSION" 26 manager gator

started=$SECONDS
gomod="$(pinned_gomod "$module@$GATEKEEPER_VERSION")"
module_dir="$(module_info "$module@$GATEKEEPER_VERSION" | json_field Dir)"
[[ -f "$module_dir/deploy/gatekeeper.yaml" ]] || die "the module has no deploy/gatekeeper.yaml at $module_dir"
build_wrapped gatekeeper "$out_dir" "$(go_directive_of "$gomod")" "-X $module/pkg/version.Version=$GATEKEEPER_VERSION" \
  -require="$module@$GATEKEEPER_VERSION" -- "$module@$GATEKEEPER_VERSION" "$module/cmd/gator@$GATEKEEPER_VERSION"
# The module root's main package is named after the path without its major version suffix (gatekeeper).
mv "$out_dir/gatekeeper" "$out_dir/manager"
install -m 0644 "$module_dir/deploy/gatekeeper.yaml" "$out_dir/gatekeeper.yaml"
chmod 0755 "$out_dir"
finish "$out_dir" "gatekeeper $GATEKEEPER_VERSION" "$started"
