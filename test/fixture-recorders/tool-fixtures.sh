#!/usr/bin/env bash
# Records REAL output of kube-bench and kube-hunter from the running test bed (`hardenlab testbed up`) into
# test/fixtures/tools/, for the parser tests. Run it again after changing a tool version.
#   kube-bench-node.json              kube-bench over SSH on node host 127.0.0.11 (--json --outputfile)
#   kube-bench-node.stdout-stderr.txt the same run with the JSON on stdout and its stderr merged in (malformed)
#   kube-bench-node.truncated.json    the first half of kube-bench-node.json (malformed)
#   kube-hunter-remote.json           kube-hunter --remote 127.0.0.1 --report json --log none
#   kube-hunter-remote.log-info.txt   the same without --log none, stderr merged as in a pod log (malformed)
#   kube-hunter-remote.truncated.json the report cut in the middle (malformed)
#   trivy-misconfig.json              trivy k8s --scanners misconfig,rbac --report all --format json, offline, of the
#                                     namespace hl-trivy-fixture (a small root Deployment, applied here and deleted after)
#   trivy-compliance.json             the same with --compliance k8s-cis-1.23, whole cluster (Trivy lists failures only)
# Usage: tool-fixtures.sh [kube-bench] [kube-hunter] [trivy]   (all three when none is named)
# Network rule: kube-hunter hunts only 127.0.0.1, by exact address. Trivy runs as the activity does (src/tools/toolCommands.ts)
# with every proxy variable pointing at a closed local port, so anything it tried to fetch would fail.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/tools/versions.env
source "$repo/scripts/tools/versions.env"
# shellcheck source=../../scripts/testbed/versions.env
source "$repo/scripts/testbed/versions.env"
cache_root="${HARDENLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hardenlab}"
sim="${HARDENLAB_HOME:-$repo/.hardenlab}/sim"
out="$repo/test/fixtures/tools"
kb_dir="$cache_root/bin/kube-bench-$KUBE_BENCH_VERSION"
hunter="$cache_root/venv/kube-hunter-$KUBE_HUNTER_VERSION/bin/kube-hunter"
trivy="$cache_root/bin/trivy-$TRIVY_VERSION/trivy"
kubectl="$cache_root/bin/kubernetes-$KUBERNETES_VERSION/kubectl"
node=127.0.0.11
tools=("$@")
((${#tools[@]})) || tools=(kube-bench kube-hunter trivy)
wanted() { [[ " ${tools[*]} " == *" $1 "* ]]; }

log() { printf '%s [record fixtures] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { printf '%s [record fixtures] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

[[ -f "$sim/kubeconfig" && -f "$sim/ssh/id_ed25519" ]] || die "the test bed is not up (no $sim/kubeconfig): run 'hardenlab testbed up'."
! wanted kube-bench || [[ -x "$kb_dir/kube-bench" ]] || die "kube-bench is not built: run scripts/tools/build-kube-bench.sh"
! wanted kube-hunter || [[ -x "$hunter" ]] || die "kube-hunter is not installed: run scripts/tools/install-kube-hunter.sh"
! wanted trivy || [[ -x "$trivy" ]] || die "Trivy is not built: run scripts/tools/build-trivy.sh"
mkdir -p "$out"

on_node() {
  ssh -i "$sim/ssh/id_ed25519" -o UserKnownHostsFile="$sim/ssh/known_hosts" -o StrictHostKeyChecking=yes \
    -o BatchMode=yes "root@$node" "$@"
}

record_kube_bench() {
# The version the activity passes in auto mode (the API server's major.minor).
kube_minor="$("$cache_root/bin/kubernetes-$KUBERNETES_VERSION/kubectl" --kubeconfig "$sim/kubeconfig" version -o json |
  python3 -c 'import json,sys; v=json.load(sys.stdin)["serverVersion"]; print(v["major"]+"."+v["minor"].rstrip("+"))')"
log "kube-bench $KUBE_BENCH_VERSION on node host $node (Kubernetes $kube_minor)"
# Root's kube-bench writes into a fresh private folder on the node (mktemp -d: 0700, unpredictable name), never
# to a fixed path another user could have planted a symlink at. Every value in the remote commands is quoted.
q() { printf '%q' "$1"; }
remote_dir="$(on_node 'umask 077 && mktemp -d /var/tmp/hardenlab-fixture.XXXXXXXXXX')"
[[ "$remote_dir" =~ ^/var/tmp/hardenlab-fixture\.[A-Za-z0-9]{10}$ ]] || die "mktemp on $node printed '$remote_dir'"
trap 'on_node "rm -rf -- $(q "$remote_dir")" || true' EXIT
on_node "[ \"\$(stat -c '%u %a' $(q "$remote_dir"))\" = '0 700' ]" || die "$remote_dir on $node is not root's 0700 folder"
kube_bench=("$kb_dir/kube-bench" run --version "$kube_minor" --config-dir "$kb_dir/cfg" --json)
remote_out="$remote_dir/kube-bench.json"
on_node "$(printf '%q ' "${kube_bench[@]}") --outputfile $(q "$remote_out")" >/dev/null
on_node "cat $(q "$remote_out")" >"$out/kube-bench-node.json"
on_node "$(printf '%q ' "${kube_bench[@]}") 2>&1" >"$out/kube-bench-node.stdout-stderr.txt" || true
head -c "$(($(wc -c <"$out/kube-bench-node.json") / 2))" "$out/kube-bench-node.json" >"$out/kube-bench-node.truncated.json"
}

record_kube_hunter() {
log "kube-hunter $KUBE_HUNTER_VERSION --remote 127.0.0.1"
# As the activity does: a CA bundle in the environment would override kube-hunter's unverified HTTPS probes.
unset REQUESTS_CA_BUNDLE CURL_CA_BUNDLE
"$hunter" --remote 127.0.0.1 --report json --log none >"$out/kube-hunter-remote.json"
# Its log goes to stderr; a pod log (pod mode) merges both streams, as here.
"$hunter" --remote 127.0.0.1 --report json >"$out/kube-hunter-remote.log-info.txt" 2>&1
head -c "$(($(wc -c <"$out/kube-hunter-remote.json") * 2 / 3))" "$out/kube-hunter-remote.json" >"$out/kube-hunter-remote.truncated.json"
}

record_trivy() {
namespace=hl-trivy-fixture   # global: the EXIT trap deletes it
work="$(mktemp -d "${TMPDIR:-/tmp}/hardenlab-trivy-fixtures.XXXXXX")"
trap 'rm -rf "$work"; "$kubectl" --kubeconfig "$sim/kubeconfig" delete namespace "$namespace" --ignore-not-found --wait=false >/dev/null' EXIT

"$kubectl" --kubeconfig "$sim/kubeconfig" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Namespace
metadata: { name: $namespace }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: root-web, namespace: $namespace }
spec:
  replicas: 1
  selector: { matchLabels: { app: root-web } }
  template:
    metadata: { labels: { app: root-web } }
    spec:
      containers:
        - { name: web, image: thenetworkchuck/nccoffee:pourover, ports: [{ containerPort: 80 }] }
YAML

offline=(env -u TRIVY_DB_REPOSITORY HOME="$work" TMPDIR="$work" HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 "NO_PROXY=127.0.0.1,localhost")
common=(--kubeconfig "$sim/kubeconfig" --format json --report all --scanners "misconfig,rbac" --disable-node-collector --skip-images
  --skip-db-update --skip-java-db-update --skip-check-update --skip-vex-repo-update --offline-scan
  --skip-version-check --disable-telemetry --no-progress --cache-dir "$work/cache" --timeout 600s)

log "trivy $TRIVY_VERSION misconfiguration scan of namespace $namespace"
"${offline[@]}" "$trivy" k8s "${common[@]}" --include-namespaces "$namespace" --output "$out/trivy-misconfig.json" 2>/dev/null
log "trivy $TRIVY_VERSION compliance k8s-cis-1.23, whole cluster"
"${offline[@]}" "$trivy" k8s "${common[@]}" --compliance k8s-cis-1.23 --output "$out/trivy-compliance.json" 2>/dev/null

}

for tool in "${tools[@]}"; do
  case "$tool" in
    kube-bench) record_kube_bench ;;
    kube-hunter) record_kube_hunter ;;
    trivy) record_trivy ;;
    *) die "unknown tool '$tool' (kube-bench, kube-hunter or trivy)" ;;
  esac
done

log "recorded into $out:"
ls -l "$out"
