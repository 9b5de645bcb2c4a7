# shellcheck shell=bash
# Sourced by realnodes.sh: a node's life. node-create copies the image and gives the node its own identity,
# logins and address; node-start boots it with systemd-nspawn in cgroups of its own (CPU by CFS quota, memory)
# and forwards its sshd to a loopback address; node-stop powers it off and removes its cgroups and forwards.
# Uses realnodes.sh's variables and helpers (HL_STATE, HL_NS, NETNS_PATH, BRIDGE, SERVICE_CIDR, CGROUP_PARENT,
# CONTROLLERS, LXCFS_DIR, PIDS, node_ip, spawn, stop_pid, log, die).
# Environment: HL_IMAGE, HL_AUTHORIZED_KEYS, HL_REGISTRY_PORT (node-create); HL_NODE_BIN, HL_IMAGES, HL_KUBE_HUNTER,
# HL_NODE_CPU_MILLI, HL_NODE_MEMORY_BYTES (node-start).

node_create() {
  local name="$1" index="$2" dir="$HL_STATE/nodes/$1" root
  : "${HL_IMAGE:?}" "${HL_AUTHORIZED_KEYS:?}" "${HL_REGISTRY_PORT:?}"
  root="$dir/rootfs"
  [[ -f "$dir/.created" ]] && return 0
  rm -rf --one-file-system "$dir"
  mkdir -p "$dir"
  cp -a "$HL_IMAGE" "$root"
  # containerd pulls docker.io names from the test bed's registry, at the port the configuration gives it.
  sed -i "s|^\( *endpoint = \)\[\"http://[^\"]*\"\]|\1[\"http://$GATEWAY:$HL_REGISTRY_PORT\"]|" "$root/etc/containerd/config.toml"
  grep -qF "\"http://$GATEWAY:$HL_REGISTRY_PORT\"" "$root/etc/containerd/config.toml" || die "no registry mirror in the image's containerd config"
  printf '%s\n' "$name" >"$root/etc/hostname"
  printf '127.0.0.1 localhost\n%s %s\n' "$(node_ip "$index")" "$name" >"$root/etc/hosts"
  # A machine id and host keys of its own: a node is a machine, and the report tells machines apart by id.
  printf '%s\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >"$root/etc/machine-id"
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$root/etc/ssh/ssh_host_ed25519_key"
  install -d -m 0700 "$root/root/.ssh"
  install -m 0600 "$HL_AUTHORIZED_KEYS" "$root/root/.ssh/authorized_keys"
  # The same unprivileged login as the KWOK test bed's node hosts (no sudo), for the tests of least privilege.
  chroot "$root" useradd --create-home --shell /bin/bash hardenlab
  chroot "$root" usermod -p '*' hardenlab
  install -d -m 0700 -o "$(chroot "$root" id -u hardenlab)" -g "$(chroot "$root" id -g hardenlab)" "$root/home/hardenlab/.ssh"
  install -m 0600 -o "$(chroot "$root" id -u hardenlab)" -g "$(chroot "$root" id -g hardenlab)" "$HL_AUTHORIZED_KEYS" "$root/home/hardenlab/.ssh/authorized_keys"
  mkdir -p "$root/etc/systemd/network"
  cat >"$root/etc/systemd/network/10-host0.network" <<EOF
[Match]
Name=host0

[Network]
Address=$(node_ip "$index")/24
LinkLocalAddressing=no
IPv6AcceptRA=no
# A node forwards (as kubeadm requires): a NodePort reaches pods on other nodes, not only when a local pod made the
# CNI plugin turn it on. The node's own network namespace only: the host's setting is not touched.
IPForward=yes

# Services' cluster IPs (the API server's default range): a node's own processes need a route to them before
# kube-proxy's DNAT rewrites the address. No default route: nothing leaves the node network.
[Route]
Destination=$SERVICE_CIDR
EOF
  # The kubelet reads these host-wide settings; a node gets read-only files with the values it wants
  # instead of a writable /proc/sys (which would change the host kernel for every node and the host).
  # (nspawn resolves the source of a bind onto /proc inside the node, so the files live in the node's rootfs.)
  mkdir -p "$root/var/lib/hardenlab/sysctl"
  printf '1\n' >"$root/var/lib/hardenlab/sysctl/vm.overcommit_memory"
  printf '10\n' >"$root/var/lib/hardenlab/sysctl/kernel.panic"
  printf '1\n' >"$root/var/lib/hardenlab/sysctl/kernel.panic_on_oops"
  touch "$dir/.created"
}

# The node gets nspawn's default capabilities (with CAP_NET_ADMIN for its own network) plus CAP_SYSLOG (the kubelet
# will not start without reading /dev/kmsg): what systemd, containerd, runc, the kubelet, kube-proxy and the bridge
# CNI use. Not the other extra ones of --capability=all (CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_TIME, CAP_BPF,
# CAP_PERFMON, CAP_MAC_ADMIN, ...), and not these defaults, which reach host-wide state: the audit rules, immutable
# flags, terminal configuration.
NODE_ADDED_CAPS=CAP_SYSLOG
NODE_DROPPED_CAPS=CAP_AUDIT_CONTROL,CAP_LINUX_IMMUTABLE,CAP_SYS_TTY_CONFIG

# node_devices CGROUP: the devices a node (and every pod in it) may open: the pseudo devices, terminals, tun (runc's
# and containerd's default set for a container, which must be a subset) and the kernel log the kubelet reads; device
# nodes may be created (runc makes them for containers) but not opened otherwise, so no host disk or memory device is
# reachable from a node. (A privileged pod, which asks for every device, cannot start on these nodes.)
node_devices() {
  local cg="$1" rule
  echo a >"$cg/devices.deny"
  for rule in 'c *:* m' 'b *:* m' 'c 1:3 rwm' 'c 1:5 rwm' 'c 1:7 rwm' 'c 1:8 rwm' 'c 1:9 rwm' 'c 1:11 rw' \
    'c 5:0 rwm' 'c 5:1 rwm' 'c 5:2 rwm' 'c 136:* rwm' 'c 10:200 rwm'; do
    echo "$rule" >"$cg/devices.allow"
  done
}

node_start() {
  local name="$1" index="$2" address="$3" dir="$HL_STATE/nodes/$1" controller cg
  [[ "$address" == 127.* ]] || die "node $name: the forward address must be on loopback, got '$address'"
  [[ -f "$dir/.created" ]] || die "node $name was not created"
  if owned_pid "$PIDS/node-$name.pid" >/dev/null; then return 0; fi
  cgroup2_active && cgroup2_prepare "$name"
  for controller in "${CONTROLLERS[@]}"; do
    cg="/sys/fs/cgroup/$controller/$CGROUP_PARENT/$name"
    mkdir -p "$cg"
    [[ "$controller" == devices ]] && node_devices "$cg"
    if [[ "$controller" == cpuset ]]; then
      cat "/sys/fs/cgroup/cpuset/cpuset.cpus" >"/sys/fs/cgroup/cpuset/$CGROUP_PARENT/cpuset.cpus"
      cat "/sys/fs/cgroup/cpuset/cpuset.mems" >"/sys/fs/cgroup/cpuset/$CGROUP_PARENT/cpuset.mems"
      cat "/sys/fs/cgroup/cpuset/cpuset.cpus" >"$cg/cpuset.cpus"
      cat "/sys/fs/cgroup/cpuset/cpuset.mems" >"$cg/cpuset.mems"
    fi
  done
  # The configured CPU and memory (default: the thesis's Linode 2 GB nodes, 1 CPU and 2 GiB), no swap beyond it
  # (v2: cgroup2_prepare).
  if ! cgroup2_active; then
  echo 100000 >"/sys/fs/cgroup/cpu/$CGROUP_PARENT/$name/cpu.cfs_period_us"
  node_cpu_quota_us >"/sys/fs/cgroup/cpu/$CGROUP_PARENT/$name/cpu.cfs_quota_us"
  node_memory_bytes >"/sys/fs/cgroup/memory/$CGROUP_PARENT/$name/memory.limit_in_bytes"
  [[ -f "/sys/fs/cgroup/memory/$CGROUP_PARENT/$name/memory.memsw.limit_in_bytes" ]] &&
    node_memory_bytes >"/sys/fs/cgroup/memory/$CGROUP_PARENT/$name/memory.memsw.limit_in_bytes"
  echo 4096 >"/sys/fs/cgroup/pids/$CGROUP_PARENT/$name/pids.max"
  fi

  local binds=(--bind="$LXCFS_DIR:/var/lib/lxcfs" --bind=/dev/kmsg)
  local file
  for file in stat meminfo cpuinfo uptime loadavg swaps diskstats; do
    binds+=(--bind="/var/lib/lxcfs/proc/$file:/proc/$file")
  done
  for file in vm.overcommit_memory kernel.panic kernel.panic_on_oops; do
    binds+=(--bind-ro="/var/lib/hardenlab/sysctl/$file:/proc/sys/${file//.//}")
  done
  [[ -n "${HL_NODE_BIN:-}" ]] && binds+=(--bind-ro="$HL_NODE_BIN:/opt/hardenlab/bin")
  [[ -n "${HL_IMAGES:-}" ]] && binds+=(--bind-ro="$HL_IMAGES:/opt/hardenlab/images")
  [[ -n "${HL_KUBE_HUNTER:-}" ]] && binds+=(--bind-ro="$HL_KUBE_HUNTER:/opt/hardenlab/kube-hunter")

  # The launcher joins the node's cgroups first, so nspawn and everything the node runs is charged there. A
  # reboot inside the node ends nspawn with 133 (as systemd-nspawn@.service restarts it): boot it again. SIGTERM
  # goes on to nspawn, which asks the node's systemd for an orderly poweroff.
  local tasks="" c
  for c in "${CONTROLLERS[@]}"; do tasks+=" /sys/fs/cgroup/$c/$CGROUP_PARENT/$name/tasks"; done
  local wrap=() join=()
  mapfile -t wrap < <(cgroup2_wrap "$name" launcher)
  mapfile -t join < <(cgroup2_wrap "$name" node)
  # shellcheck disable=SC2016 # $$, $child and "$@" belong to the launcher shell
  spawn "node-$name" "${wrap[@]}" sh -c 'for t in '"$tasks"'; do echo $$ > "$t"; done
    stopping=0; trap '\''stopping=1; kill -TERM "$child" 2>/dev/null'\'' TERM
    while :; do
      "$@" & child=$!
      while :; do wait "$child"; rc=$?; kill -0 "$child" 2>/dev/null || break; done
      [ "$stopping" = 0 ] && [ "$rc" = 133 ] || exit "$rc"
    done' launcher \
    "${join[@]}" nsenter --net="$NETNS_PATH" systemd-nspawn -b -q -D "$dir/rootfs" -M "$name" --register=no --keep-unit \
    --network-bridge="$BRIDGE" --capability="$NODE_ADDED_CAPS" --drop-capability="$NODE_DROPPED_CAPS" --system-call-filter='@keyring bpf' \
    --resolv-conf=off --timezone=off --link-journal=no "${binds[@]}"
}

node_stop() {
  local name="$1" controller cg
  stop_pid "$PIDS/fwd-ssh-$name-host.pid" 2
  stop_pid "$PIDS/fwd-ssh-$name-ns.pid" 2
  stop_pid "$PIDS/fwd-kubelet-$name-host.pid" 2
  stop_pid "$PIDS/fwd-kubelet-$name-ns.pid" 2
  # SIGTERM makes nspawn ask the node's systemd for an orderly poweroff.
  stop_pid "$PIDS/node-$name.pid" 20
  for controller in "${CONTROLLERS[@]}"; do
    cg="/sys/fs/cgroup/$controller/$CGROUP_PARENT/$name"
    [[ -d "$cg" ]] || continue
    # Whatever is left in the node's cgroups belongs to the node: end it, then remove the cgroups bottom-up.
    if [[ "$controller" == pids || "$controller" == memory ]]; then
      while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done < <(cat "$cg/cgroup.procs" 2>/dev/null; find "$cg" -mindepth 2 -name cgroup.procs -exec cat {} + 2>/dev/null)
    fi
  done
  sleep 0.2
  for controller in "${CONTROLLERS[@]}"; do
    cg="/sys/fs/cgroup/$controller/$CGROUP_PARENT/$name"
    [[ -d "$cg" ]] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  cgroup2_remove "$name"
  return 0
}
