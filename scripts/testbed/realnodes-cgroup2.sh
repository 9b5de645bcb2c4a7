# shellcheck shell=bash
# Sourced by realnodes.sh: a node's cgroup on the unified hierarchy (cgroup v2). HL_CGROUP_MODE, chosen by
# src/testbed/cgroupHost.ts from the host's layout, says how each node gets a delegated subtree of its own:
#   v1 (default)    today's path: a cgroup per node in each v1 controller (realnodes-node.sh); nothing here runs
#   systemd-scope   PID 1 is systemd: a transient scope per node, Delegate=yes, limits as unit properties
#   v2-by-hand      PID 1 is not systemd (containers, CI): the subtree is made under $HL_CGROUP_ROOT, with the
#                   controllers enabled in the parents' cgroup.subtree_control
# Either way the node's cgroup has the configured CPU (cpu.max) and memory (memory.max, no swap), pids.max 4096; nspawn
# (--keep-unit) puts the node's payload in a child cgroup of it, so the node's systemd owns the subtree below.
# Its path is written to $HL_STATE/cgroups/<node> for `sim status` (cpu.stat, memory.current) and for node-stop.
# Uses realnodes.sh's variables and helpers (HL_STATE, HL_NS, CGROUP_PARENT, log, die).

CGROUP2_MODE="${HL_CGROUP_MODE:-v1}"
CGROUP2_ROOT="${HL_CGROUP_ROOT:-/sys/fs/cgroup}"
# The controllers a node needs (cpu.max, memory.max, pids.max); the rest of what the root offers is handed down
# too, so the kubelet inside finds cpuset, io and hugetlb where the host has them.
CGROUP2_NEEDED=(cpu memory pids)

cgroup2_active() { [[ "$CGROUP2_MODE" != v1 ]]; }

# The node's cgroup folder (deterministic, so status and stop find it without asking systemd).
cgroup2_node_dir() {
  case "$CGROUP2_MODE" in
    systemd-scope) printf '%s/hardenlab.slice/%s' "$CGROUP2_ROOT" "$(cgroup2_scope_unit "$1")" ;;
    v2-by-hand) printf '%s/%s/%s' "$CGROUP2_ROOT" "$CGROUP_PARENT" "$1" ;;
    *) die "HL_CGROUP_MODE must be v1, systemd-scope or v2-by-hand, got '$CGROUP2_MODE'" ;;
  esac
}

# Each node's size from HL_NODE_CPU_MILLI and HL_NODE_MEMORY_BYTES, for v1 and v2 alike: its CFS quota in
# microseconds per 100 ms period, and its memory limit in bytes (no swap beyond it).
node_cpu_quota_us() { printf '%d' $((${HL_NODE_CPU_MILLI:?} * 100)); }
node_memory_bytes() { printf '%d' "${HL_NODE_MEMORY_BYTES:?}"; }

cgroup2_scope_unit() { printf '%s-%s.scope' "$CGROUP_PARENT" "$1"; }

# Enables every controller a cgroup is offered in its subtree_control (each may fail alone: io without a
# block device, say); dies when one a node needs is still off.
cgroup2_enable_all() {
  local dir="$1" controller offered
  read -ra offered <"$dir/cgroup.controllers"
  for controller in "${offered[@]}"; do
    grep -qw "$controller" "$dir/cgroup.subtree_control" || echo "+$controller" >"$dir/cgroup.subtree_control" 2>/dev/null || true
  done
  for controller in "${CGROUP2_NEEDED[@]}"; do
    grep -qw "$controller" "$dir/cgroup.subtree_control" ||
      die "cannot enable the $controller controller below $dir (offered: $(cat "$dir/cgroup.controllers")); see hardenlab sim host"
  done
}

# v2-by-hand: makes the node's cgroup and sets its limits. systemd-scope: systemd makes it (cgroup2_wrap).
cgroup2_prepare() {
  local name="$1" dir
  dir="$(cgroup2_node_dir "$name")"
  mkdir -p "$HL_STATE/cgroups"
  printf '%s\n' "$dir" >"$HL_STATE/cgroups/$name"
  [[ "$CGROUP2_MODE" == v2-by-hand ]] || return 0
  cgroup2_enable_all "$CGROUP2_ROOT"
  mkdir -p "$CGROUP2_ROOT/$CGROUP_PARENT" "$dir"
  cgroup2_enable_all "$CGROUP2_ROOT/$CGROUP_PARENT"
  printf '%s 100000\n' "$(node_cpu_quota_us)" >"$dir/cpu.max"
  node_memory_bytes >"$dir/memory.max"
  [[ -f "$dir/memory.swap.max" ]] && echo 0 >"$dir/memory.swap.max"
  echo 4096 >"$dir/pids.max"
  log "node $name: cgroup v2 subtree $dir (cpu.max $(cat "$dir/cpu.max"), memory.max $(cat "$dir/memory.max"), pids.max 4096)"
}

# cgroup v2 lets only cgroups without processes of their own hand controllers down. By hand, the launcher
# (which stays, to boot the node again after a reboot) and nspawn live in two children of the node's cgroup,
# <node>/launcher and <node>/node; CGROUP2_JOIN DIR CMD... makes DIR, enables in its parent every controller the
# parent is offered, joins DIR and execs CMD. With systemd, the launcher stays where it is and nspawn alone runs
# in the node's scope (systemd-run execs it), as systemd-nspawn@.service runs it. Either way nspawn makes its
# payload's cgroup below its own.
# shellcheck disable=SC2016 # expanded by the sh that runs it
CGROUP2_JOIN='d="$1"; shift; mkdir -p "$d" || exit 1; p="${d%/*}";
  for c in $(cat "$p/cgroup.controllers"); do echo "+$c" > "$p/cgroup.subtree_control" 2>/dev/null; done;
  echo $$ > "$d/cgroup.procs" || exit 1; exec "$@"'
CGROUP2_JOIN="${CGROUP2_JOIN//$'\n'/}" # one line: cgroup2_wrap prints one word per line

# The words before the launcher (PART=launcher) or before nspawn (PART=node), one per line; none on v1.
cgroup2_wrap() {
  local name="$1" part="$2"
  case "$CGROUP2_MODE/$part" in
    v2-by-hand/*) printf '%s\n' sh -c "$CGROUP2_JOIN" join "$(cgroup2_node_dir "$name")/$part" ;;
    systemd-scope/node)
      printf '%s\n' systemd-run --scope --quiet --collect --slice=hardenlab.slice --unit="$(cgroup2_scope_unit "$name")" \
        -p Delegate=yes -p CPUQuota="$((HL_NODE_CPU_MILLI / 10))%" -p MemoryMax="$(node_memory_bytes)" -p MemorySwapMax=0 \
        -p TasksMax=4096 -- ;;
  esac
  return 0
}

# After the node's launcher has stopped: end whatever is left in its cgroup, then remove the subtree.
cgroup2_remove() {
  local name="$1" dir
  [[ -f "$HL_STATE/cgroups/$name" ]] || return 0
  dir="$(cat "$HL_STATE/cgroups/$name")"
  if [[ -d "$dir" ]]; then
    if [[ -f "$dir/cgroup.kill" ]]; then
      echo 1 >"$dir/cgroup.kill"
    else
      find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
    fi
    for ((i = 0; i < 50; i++)); do [[ -z "$(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null)" ]] && break; sleep 0.1; done
    [[ "$CGROUP2_MODE" == systemd-scope ]] && systemctl stop "$(cgroup2_scope_unit "$name")" 2>/dev/null
    [[ -d "$dir" ]] && find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null
  fi
  rm -f "$HL_STATE/cgroups/$name"
  return 0
}

# net-down: the nodes' parent (by hand), once every node is gone.
cgroup2_remove_parent() {
  cgroup2_active || return 0
  [[ "$CGROUP2_MODE" == v2-by-hand ]] && rmdir "$CGROUP2_ROOT/$CGROUP_PARENT" 2>/dev/null
  return 0
}
