#!/bin/bash
# Runs inside the cgroup v2 guest (scripts/testbed/vm/guest-files/hardenlab-vm-check starts it from a checked
# private copy): records the guest's cgroup layout and the decision on it, brings up the real-node test bed from the
# read-only checkout and cache, pins a busy pod to node 2 of two, runs the sampler on both nodes, and leaves
# everything in /mnt/out for the host's test (cgroupV2.test.ts, beside this file) to assert on. Ends with the step's
# number in /mnt/out/rc (0: every step ran). No `testbed down`: the guest is thrown away (its disk is a snapshot),
# and its unit powers it off at once.
set -uo pipefail
out=/mnt/out
export HARDENLAB_CACHE=/mnt/cache HARDENLAB_HOME=/root/hl-home PATH="/usr/local/bin:$PATH"
sim="$HARDENLAB_HOME/sim"
step=0
say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }
next() { step=$((step + 1)); say "step $step: $*"; }
hl() { node /mnt/repo/bin/hardenlab.js "$@"; }
# On a failed step: the nodes' and forwards' logs for the host to read. rc comes last: once it is there the host
# stops QEMU (else the unit powers the guest off without stopping anything). The 9p share has no cache: what is
# written is on the host.
finish() {
  if ((step != 0)); then
    cp -r "$sim/real/logs" "$out/real-logs" 2>/dev/null
    for unit in $(systemctl list-units 'hardenlab-*.scope' --plain --no-legend | cut -d' ' -f1); do
      systemctl status "$unit" --no-pager -l >>"$out/scopes.txt" 2>&1
    done
  fi
  echo "$step" >"$out/rc.partial"
  mv "$out/rc.partial" "$out/rc"
}
trap finish EXIT
kubectl_bins=("$HARDENLAB_CACHE"/bin/kubernetes-v*/kubectl)
kubectl() { "${kubectl_bins[0]}" --kubeconfig "$sim/kubeconfig" "$@"; }
# One SSH connection per node, kept open for the sessions after it (ControlMaster): a login per session cost the
# guest a key exchange, sshd's start and a PAM session each time, seconds apiece under TCG.
on_node() {
  local address="$1"; shift
  ssh -i "$sim/ssh/id_ed25519" -o "UserKnownHostsFile=$sim/ssh/known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes \
    -o ConnectTimeout=30 -o ControlMaster=auto -o "ControlPath=/root/hl/ssh-%C" -o ControlPersist=yes "root@$address" "$@"
}

clock="$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
next "the guest: $(uname -r), PID 1 $(cat /proc/1/comm), $(stat -fc %T /sys/fs/cgroup) at /sys/fs/cgroup, clock source $clock"
# Seconds from the guest kernel's start to this check (its boot), for the host's log.
cut -d' ' -f1 /proc/uptime >"$out/boot-seconds"
# The read-only disks (scripts/testbed/vm/payload-disks.sh): the node image over its folder in the 9p cache, the built checkout
# over the 9p checkout this script came from (9p reads many small files very slowly under TCG), its node_modules
# (a disk of its own, cached) on the checkout's empty folder.
node_image="/mnt/cache/$(cat "$out/node-image-dir")/rootfs"
mount -o ro,noload /dev/vdb "$node_image" || exit
mount -o ro,noload /dev/vdc /mnt/repo || exit
mount -o ro,noload /dev/vdd /mnt/repo/node_modules || exit
hl testbed host --record >"$out/host-record.txt" || exit
hl testbed host >"$out/host-verdict.txt" || exit
# The guest's own network configuration (evidence only: nothing is sent anywhere).
ip -j link show >"$out/guest-links.json"
ip -j route show table all >"$out/guest-routes.json"

# What the check needs and no more, on two TCG vCPUs: two nodes (the busy one and another), no registry and no
# load balancer (the busy pod's image is imported at each node's boot), and the guest's own wait for slow boots.
next "testbed up --config (2 real nodes) --minimal"
printf 'apiVersion: hardenlab.io/v1alpha1\nkind: TestBed\nnodes:\n  kind: real\n  count: 2\n' >"$out/testbed.yaml"
started=$(date +%s%N)
hl testbed up --config "$out/testbed.yaml" --minimal --ready-timeout 1200 >"$out/sim-up.log" 2>&1 || exit
echo "$(( ($(date +%s%N) - started) / 1000000 ))" >"$out/sim-up-ms"
hl testbed status >"$out/sim-status.txt" 2>&1 || exit
kubectl get nodes -o wide >"$out/nodes.txt" || exit

next "a busy pod pinned to node 2"
name_and_ip='{range .items[*]}{.metadata.name}{" "}{.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}'
mapfile -t nodes < <(kubectl get nodes -o jsonpath="$name_and_ip" | sort)
((${#nodes[@]} == 2)) || { say "expected 2 nodes, got ${#nodes[*]}"; exit; }
busy_node="${nodes[1]%% *}"
kubectl apply -f - <<POD || exit
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "busy", "namespace": "default"},
 "spec": {"nodeName": "$busy_node", "restartPolicy": "Never", "terminationGracePeriodSeconds": 0,
  "containers": [{"name": "busy", "image": "hardenlab.local/busybox:1", "imagePullPolicy": "Never",
   "command": ["sh", "-c", "while :; do :; done"]}]}}
POD
kubectl wait --for=jsonpath='{.status.phase}'=Running pod/busy --timeout=900s || exit
echo "$busy_node" >"$out/busy-node"

next "the sampler (sadc, and the node's cgroup where /proc/stat is not its own) on both nodes; their cgroups over 20 s"
# The sampler's own node scripts, as the worker sends them (src/sampling/samplingScripts.ts, from the built
# checkout), over SSH: start (interval 2 s), stop after the window, prepare the collect; what they leave is copied out.
# All six written by one Node.js process (each start of it takes seconds under TCG) into a private folder.
install -d -m 0700 /root/hl/sampler
node -e 'const fs = require("node:fs"); const s = require("/mnt/repo/dist/src/sampling/samplingScripts.js");
  for (const node of process.argv.slice(1)) {
    const p = s.remotePaths("vm", node);
    const scripts = { start: s.ensureSamplerScript(p, { intervalSeconds: 2, durationSeconds: 120, mode: "start" }),
      stop: s.stopSamplerScript(p), collect: s.prepareCollectScript(p) };
    for (const [mode, text] of Object.entries(scripts)) fs.writeFileSync("/root/hl/sampler/" + node + "-" + mode, text, { mode: 0o600 });
  }' "${nodes[@]%% *}" || exit
sampler() { on_node "$3" sh <"/root/hl/sampler/$1-$2"; }
for entry in "${nodes[@]}"; do sampler "${entry%% *}" start "${entry#* }" >"$out/sampler-start-${entry%% *}.txt" 2>&1 || exit; done
# usage_usec of each node's cgroup (the path src/testbed/realnodes/cgroupV2.ts recorded) and the time: CPU the node used, as
# the host's cgroup v2 accounts it, whatever the node's own /proc/stat says.
cgroup_usage() {
  local entry name
  for entry in "${nodes[@]}"; do
    name="${entry%% *}"
    printf '%s %s %s\n' "$name" "$(date +%s%N)" "$(awk '$1 == "usage_usec" {print $2}' "$(cat "$sim/real/cgroups/$name")/cpu.stat")"
  done
}
cgroup_usage >"$out/cgroup-usage-before.txt"
sleep 20
cgroup_usage >"$out/cgroup-usage-after.txt"
for entry in "${nodes[@]}"; do
  name="${entry%% *}"
  sampler "$name" stop "${entry#* }" >"$out/sampler-stop-$name.txt" 2>&1 || exit
  sampler "$name" collect "${entry#* }" >"$out/sampler-collect-$name.txt" 2>&1 || exit
  on_node "${entry#* }" "cat .hardenlab/runs/vm/$name/cgroup-cpu.tsv" >"$out/cgroup-cpu-$name.tsv" || exit
  on_node "${entry#* }" "cat .hardenlab/runs/vm/$name/sadf.json" >"$out/sadf-$name.json" || exit
done
for entry in "${nodes[@]}"; do on_node "${entry#* }" "cat /sys/fs/cgroup/cgroup.controllers; grep -c ^processor /proc/cpuinfo; free -m" \
  >"$out/inside-${entry%% *}.txt" 2>&1; done
cat /sys/fs/cgroup/hardenlab.slice/*/cpu.max /sys/fs/cgroup/hardenlab.slice/*/memory.max >"$out/scope-limits.txt" 2>&1

step=0
say "done"
