#!/usr/bin/env bash
# Builds the test bed's binaries from the Go module proxy into the version-keyed cache:
#   <cache>/bin/kubernetes-<v>/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}
#   <cache>/bin/etcd-<v>/{etcd,etcdctl}
#   <cache>/bin/kwok-<v>/{kwok,kwokctl}
#   <cache>/bin/kubernetes-node-<v>/{kubelet,kube-proxy}   (real nodes; same module and version as the control plane)
# <cache> is $HARDENLAB_CACHE, else $XDG_CACHE_HOME/hardenlab, else ~/.cache/hardenlab. A component whose
# folder is complete is skipped, so running this again is cheap. Versions live in versions.env.
#
# Why wrapper modules (scripts/lib/go-build.sh): both k8s.io/kubernetes (staging modules -> ./staging/src/...)
# and etcd's server (sibling modules -> ../api) have replace lines, so a throwaway module requires the
# pinned module and, for Kubernetes, replaces each staging module (required at v0.0.0) with the published
# v0.X.Y tag; staging-replaces.sh derives that list from the pinned go.mod.
#
# Why ldflags: Kubernetes normally stamps its version from git in hack/lib/version.sh. Built from a module
# zip there is no git, and the binaries would report v0.0.0-master, which kubectl, kube-bench and
# kube-hunter misread. So the same variables are set with -X in k8s.io/component-base/version (servers)
# and k8s.io/client-go/pkg/version (kubectl's client side). -s -w and -trimpath keep the binaries small
# and independent of this machine's paths; CGO_ENABLED=0 gives static binaries and needs no C compiler.
#
# The four Kubernetes commands are built in one `go build` so their shared packages compile once.
# Cold build on 2 cores takes many minutes (see the report in the project notes); warm runs take seconds.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$script_dir/versions.env"

# shellcheck source=../lib/go-build.sh
source "$script_dir/../lib/go-build.sh" "testbed build"

build_etcd() {
  local out_dir="$bin_root/etcd-$ETCD_VERSION"
  if cached "$out_dir" "etcd $ETCD_VERSION" etcd etcdctl; then return; fi
  local started=$SECONDS gomod
  log "etcd $ETCD_VERSION: building etcd and etcdctl"
  gomod="$(pinned_gomod "go.etcd.io/etcd/server/v3@$ETCD_VERSION")"
  module_info "go.etcd.io/etcd/etcdctl/v3@$ETCD_VERSION" >/dev/null
  build_wrapped etcd "$out_dir" "$(go_directive_of "$gomod")" "" \
    -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION" -require="go.etcd.io/etcd/etcdctl/v3@$ETCD_VERSION" -- \
    "go.etcd.io/etcd/server/v3@$ETCD_VERSION" "go.etcd.io/etcd/etcdctl/v3@$ETCD_VERSION"
  # The server's main package is its module root, which go build names after the path ("server").
  mv "$out_dir/server" "$out_dir/etcd"
  finish "$out_dir" "etcd $ETCD_VERSION" "$started"
}

build_kwok() {
  local out_dir="$bin_root/kwok-$KWOK_VERSION"
  if cached "$out_dir" "kwok $KWOK_VERSION" kwok kwokctl; then return; fi
  local started=$SECONDS gomod
  log "kwok $KWOK_VERSION: building kwok and kwokctl"
  gomod="$(pinned_gomod "sigs.k8s.io/kwok@$KWOK_VERSION")"
  build_wrapped kwok "$out_dir" "$(go_directive_of "$gomod")" \
    "-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" \
    -require="sigs.k8s.io/kwok@$KWOK_VERSION" -- \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
  finish "$out_dir" "kwok $KWOK_VERSION" "$started"
}

# build_kubernetes <folder name> <command...>: commands of k8s.io/kubernetes at the pinned version.
build_kubernetes() {
  local folder="$1"; shift
  local out_dir="$bin_root/$folder-$KUBERNETES_VERSION"
  local commands=("$@")
  if cached "$out_dir" "$folder $KUBERNETES_VERSION" "${commands[@]}"; then return; fi
  local started=$SECONDS gomod
  log "$folder $KUBERNETES_VERSION: building ${commands[*]}"
  gomod="$(pinned_gomod "k8s.io/kubernetes@$KUBERNETES_VERSION")"
  local replaces=()
  mapfile -t replaces < <("$script_dir/staging-replaces.sh" "$gomod" "$KUBERNETES_VERSION")
  log "$folder $KUBERNETES_VERSION: replacing ${#replaces[@]} staging modules with their published tags"

  local major minor ldflags="" pkg
  [[ "$KUBERNETES_VERSION" =~ ^v([0-9]+)\.([0-9]+)\. ]] && major="${BASH_REMATCH[1]}" minor="${BASH_REMATCH[2]}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitCommit=module-$KUBERNETES_VERSION -X $pkg.gitTreeState=clean"
    ldflags+=" -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  done

  local packages=() command
  for command in "${commands[@]}"; do packages+=("k8s.io/kubernetes/cmd/$command@$KUBERNETES_VERSION"); done
  build_wrapped "$folder" "$out_dir" "$(go_directive_of "$gomod")" "$ldflags" \
    -require="k8s.io/kubernetes@$KUBERNETES_VERSION" "${replaces[@]}" -- "${packages[@]}"
  local reported
  reported="$("$out_dir/${commands[0]}" --version 2>/dev/null | sed -n 's/^Kubernetes //p')"
  [[ "$reported" == "$KUBERNETES_VERSION" ]] || die "${commands[0]} reports version '$reported', expected $KUBERNETES_VERSION (ldflags not applied)."
  if [[ -x "$out_dir/kubectl" ]]; then
    # kubectl's client side reads client-go's variables, which kube-bench and kube-hunter see.
    reported="$("$out_dir/kubectl" version --client -o yaml | sed -n 's/^  gitVersion: //p')"
    [[ "$reported" == "$KUBERNETES_VERSION" ]] || die "kubectl reports version '$reported', expected $KUBERNETES_VERSION."
  fi
  finish "$out_dir" "$folder $KUBERNETES_VERSION" "$started"
}

main() {
  local total_started=$SECONDS
  log "cache: $bin_root"
  require_go 26 "Kubernetes ${KUBERNETES_VERSION} and etcd ${ETCD_VERSION}"
  lock_cache build
  build_etcd
  build_kwok
  build_kubernetes kubernetes kube-apiserver kube-controller-manager kube-scheduler kubectl
  # Kubelet 1.37 will need containerd 2.x, which Debian 12 (the node image) lacks: the nodes' Kubernetes
  # version is pinned with the control plane's in versions.env, so raising it means checking containerd too.
  build_kubernetes kubernetes-node kubelet kube-proxy
  log "all test bed binaries ready in $((SECONDS - total_started))s"
}

main "$@"
