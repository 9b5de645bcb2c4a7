#!/usr/bin/env bash
# Builds kube-router (the real nodes' NetworkPolicy enforcer, run firewall-only in each node) from its Go module
# into the version-keyed cache:
#   <cache>/bin/kube-router-<version>/kube-router   (static binary; the test bed copies it into each node)
# <cache> is $HARDENLAB_CACHE, else $XDG_CACHE_HOME/hardenlab, else ~/.cache/hardenlab. A complete folder is
# reused. The version lives in versions.env; KUBE_ROUTER_VERSION overrides.
#
# Why kube-router: this kernel has no nftables `queue` (kube-network-policies needs it); kube-router uses iptables,
# ipset and conntrack, and runs as a plain process with a kubeconfig (docs/security.md: its reported flaws).
# Its go.mod has no replace lines, so the wrapper module of scripts/lib/go-build.sh only requires it.
# Why ldflags: kube-router logs pkg/version.Version at start.
set -euo pipefail

requested="${KUBE_ROUTER_VERSION:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
KUBE_ROUTER_VERSION="${requested:-$KUBE_ROUTER_VERSION}"
module=github.com/cloudnativelabs/kube-router/v2

# shellcheck source=../lib/go-build.sh
source "$here/../lib/go-build.sh" "kube-router build"

claim_build kube-router "$KUBE_ROUTER_VERSION" 21 kube-router

started=$SECONDS
gomod="$(pinned_gomod "$module@$KUBE_ROUTER_VERSION")"
build_wrapped kube-router "$out_dir" "$(go_directive_of "$gomod")" "-X $module/pkg/version.Version=$KUBE_ROUTER_VERSION" \
  -require="$module@$KUBE_ROUTER_VERSION" -- "$module/cmd/kube-router@$KUBE_ROUTER_VERSION"
reported="$("$out_dir/kube-router" --version 2>&1 | head -n1)"
[[ "$reported" == *"$KUBE_ROUTER_VERSION"* ]] || die "the built kube-router reports '$reported', expected $KUBE_ROUTER_VERSION."
chmod 0755 "$out_dir"
finish "$out_dir" "kube-router $KUBE_ROUTER_VERSION" "$started"
