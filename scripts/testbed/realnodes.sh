#!/usr/bin/env bash
# Real test-bed nodes: Debian system containers (systemd-nspawn + lxcfs), each in its own cgroups (1 CPU by
# CFS quota, 2 GiB memory) and its own network namespace, on a bridge inside a network namespace this script
# creates. Called by src/testbed/realNodes.ts; the facts behind each choice are in the project notes.
#
#   realnodes.sh node-create NAME INDEX     copy the image, give the node its own identity and address
#   realnodes.sh node-start NAME INDEX ADDR  boot the node in its cgroups (TypeScript then forwards ADDR:22 to its sshd)
#   realnodes.sh node-stop NAME             power the node off, remove its cgroups and forwards
#   realnodes.sh registry-up DIR [DIR...]   serve images on $GATEWAY:$HL_REGISTRY_PORT (nodes pull docker.io names from it) and push
#                                           the docker-archive tarballs in each DIR/push into it (the first DIR, from
#                                           build-node-images.sh, holds the registry; build-tool-images.sh adds one)
#   realnodes.sh net-down                   stop forwards and lxcfs, delete the namespace
# Parts live in sibling files it sources: realnodes-node.sh (node-create, node-start, node-stop) and
# realnodes-cgroup2.sh. Already TypeScript (src/testbed/realnodes/): the namespace, bridge, lxcfs and API forward
# (net-up), the sshd and kubelet forwards, the load balancer, each node's kubelet files, and the closure evidence.
#
# Environment: HL_STATE (state folder) and HL_NS (namespace name) always; HL_IMAGE (rootfs of the image) and
# HL_AUTHORIZED_KEYS (public key file) for node-create; HL_NODE_BIN (kubelet folder) and HL_IMAGES (image tarballs)
# for node-start, and HL_KUBE_HUNTER (the worker's kube-hunter site-packages, for --interface inside a node).
# From the test bed's configuration (realNodeSizeEnv in src/testbed/configInForce.ts, their one definition):
# HL_NODE_CPU_MILLI and HL_NODE_MEMORY_BYTES (each node's CPU in thousandths and memory) for node-start, and
# HL_REGISTRY_PORT (the registry's port on the bridge) for node-create and registry-up.
#
# Network rule: the namespace gets no link to the host's namespace (no veth out, no default route, no NAT,
# forwarding off). The host reaches it only through unix sockets (two socat processes per forward), so no
# packet from a node can leave the namespace whatever a tool inside it probes.
set -euo pipefail

: "${HL_STATE:?}" "${HL_NS:?}"
BRIDGE="${HL_BRIDGE:-hlbr0}"
SUBNET_PREFIX=10.77.0
GATEWAY="$SUBNET_PREFIX.1"
SERVICE_CIDR=10.0.0.0/24
NETNS_PATH="/run/netns/$HL_NS"
CGROUP_PARENT="hardenlab-$HL_NS"
CONTROLLERS=(cpu cpuacct memory pids cpuset blkio devices freezer)
LXCFS_DIR="$HL_STATE/lxcfs"
PIDS="$HL_STATE/pids"
FWD="$HL_STATE/fwd"

log() { printf '%s [real nodes] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '%s [real nodes] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }
in_ns() { nsenter --net="$NETNS_PATH" "$@"; }
node_ip() { printf '%s.%d' "$SUBNET_PREFIX" $((10 + $1)); }

# Starts a detached process with its pid in $PIDS/<name>.pid (its command line names the state folder).
spawn() {
  local name="$1"; shift
  mkdir -p "$PIDS" "$HL_STATE/logs"
  setsid "$@" </dev/null >>"$HL_STATE/logs/$name.log" 2>&1 &
  echo $! >"$PIDS/$name.pid"
}

# owned_pid FILE: prints the pid FILE names if that process runs and its command line names the state folder (every
# process spawn starts does). After a reboot a pid file may name anyone's process: root must not signal or count it.
owned_pid() {
  local file="$1" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$HL_STATE" || return 1
  printf '%s' "$pid"
}

stop_pid() {
  local file="$1" pid grace="${2:-10}"
  [[ -f "$file" ]] || return 0
  if pid="$(owned_pid "$file")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# await_listener PIDFILE ADDR PORT [ns]: waits until the process of PIDFILE itself listens on ADDR:PORT (in the
# namespace with "ns"). Another process that bound the port first would otherwise receive what we forward.
await_listener() {
  local file="$1" addr="$2" port="$3" where="${4:-host}" pid listing
  for ((i = 0; i < 100; i++)); do
    # (Not owned_pid: until spawn's child has exec'd, its command line is still this script's.)
    pid="$(cat "$file")"
    kill -0 "$pid" 2>/dev/null || die "the forward on $addr:$port exited (is the port taken?): $(tail -n 3 "$HL_STATE/logs/$(basename "$file" .pid).log" 2>/dev/null)"
    if [[ "$where" == ns ]]; then listing="$(in_ns ss -Hltnp "sport = :$port")"; else listing="$(ss -Hltnp "sport = :$port")"; fi
    if grep -F " $addr:$port " <<<"$listing" | grep -qF "pid=$pid,"; then return 0; fi
    sleep 0.1
  done
  die "the forward's socat (pid $pid) does not listen on $addr:$port: $(grep -F ":$port " <<<"$listing" | head -n 2)"
}

wait_for() {
  local what="$1" tries="$2"; shift 2
  for ((i = 0; i < tries; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "timed out waiting for $what"
}


# node-create, node-start, node-stop: a node's image copy, boot in its cgroups, and poweroff.
# shellcheck source=realnodes-node.sh
source "$(dirname "${BASH_SOURCE[0]}")/realnodes-node.sh"
# cgroup v2 (HL_CGROUP_MODE systemd-scope or v2-by-hand): a delegated subtree per node; the v1 loops have nothing to do.
# shellcheck source=realnodes-cgroup2.sh
source "$(dirname "${BASH_SOURCE[0]}")/realnodes-cgroup2.sh"
cgroup2_active && CONTROLLERS=()

# registry_config READONLY: the registry's configuration; no deletes ever, and no pushes once READONLY is true.
registry_config() {
  cat >"$HL_STATE/registry/config.yml" <<REGISTRY
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $HL_STATE/registry/data}, delete: {enabled: false}, maintenance: {readonly: {enabled: $1}}}
http: {addr: "$GATEWAY:${HL_REGISTRY_PORT:?}"}
REGISTRY
}

registry_start() {
  spawn registry nsenter --net="$NETNS_PATH" "$REGISTRY_BIN" serve "$HL_STATE/registry/config.yml"
  wait_for "the registry on $GATEWAY:$HL_REGISTRY_PORT" 100 in_ns bash -c "exec 3<>/dev/tcp/$GATEWAY/$HL_REGISTRY_PORT"
  await_listener "$PIDS/registry.pid" "$GATEWAY" "$HL_REGISTRY_PORT" ns
}

# Pods reach the registry: it takes pushes only while the test bed fills it, then serves read-only, so no pod
# can replace an image a privileged tool Job runs (kube-bench's).
registry_up() {
  local dir="$1" tar ref push_dir
  : "${HL_REGISTRY_PORT:?}"
  REGISTRY_BIN="$dir/registry/registry"
  [[ -x "$REGISTRY_BIN" ]] || die "no registry binary in $dir/registry"
  mkdir -p "$HL_STATE/registry/data"
  if owned_pid "$PIDS/registry.pid" >/dev/null && [[ -f "$HL_STATE/registry/.sealed" ]]; then return 0; fi
  stop_pid "$PIDS/registry.pid" 5
  rm -f "$HL_STATE/registry/.sealed"
  registry_config false
  registry_start
  for push_dir in "$@"; do for tar in "$push_dir"/push/*.tar; do
    # The archive's own tag (docker.io/<repo>:<tag>) becomes <repo>:<tag> in the registry.
    ref="$(tar -xOf "$tar" manifest.json | sed -n 's/.*"RepoTags":\["docker\.io\/\([^"]*\)"\].*/\1/p')"
    [[ -n "$ref" ]] || die "$tar has no docker.io tag"
    # The digest the registry serves it under: the worker pins the access pod's image by it (src/testbed/accessImage.ts).
    mkdir -p "$HL_STATE/registry/digests"
    in_ns skopeo copy --quiet --dest-tls-verify=false --digestfile "$HL_STATE/registry/digests/${ref//[\/:]/_}" \
      "docker-archive:$tar" "docker://$GATEWAY:$HL_REGISTRY_PORT/$ref" >&2
    log "pushed $ref to the node network's registry"
  done; done
  stop_pid "$PIDS/registry.pid" 5
  registry_config true
  registry_start
  touch "$HL_STATE/registry/.sealed"
  log "the node network's registry serves read-only"
}

net_down() {
  local file
  for file in "$PIDS"/fwd-*.pid; do [[ -e "$file" ]] && stop_pid "$file" 2; done
  stop_pid "$PIDS/registry.pid" 5
  if [[ -f "$PIDS/lxcfs.pid" ]]; then stop_pid "$PIDS/lxcfs.pid" 10; fi
  mountpoint -q "$LXCFS_DIR" 2>/dev/null && umount -l "$LXCFS_DIR"
  [[ -e "$NETNS_PATH" ]] && ip netns del "$HL_NS"
  local controller
  for controller in "${CONTROLLERS[@]}"; do rmdir "/sys/fs/cgroup/$controller/$CGROUP_PARENT" 2>/dev/null || true; done
  cgroup2_remove_parent
  rm -rf "$FWD"
}

command="${1:-}"
shift || true
case "$command" in
  node-create) node_create "$@" ;;
  node-start) node_start "$@" ;;
  node-stop) node_stop "$@" ;;
  registry-up) registry_up "$@" ;;
  net-down) net_down ;;
  *) die "usage: realnodes.sh node-create NAME INDEX|node-start NAME INDEX ADDR|node-stop NAME|registry-up DIR [DIR...]|net-down" ;;
esac
