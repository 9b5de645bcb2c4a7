/**
 * Pods' CPU and memory read from their cgroups on a node (the policy engine's own cost, issue 28): the kubelet's
 * cgroupfs names a pod's cgroup `pod<uid>`, systemd's `…-pod<uid with underscores>.slice`, on either hierarchy
 * (on v1 the CPU and memory controllers hold a directory each). One script per node reads all its pods, with the
 * node's clock, so the counters of two readings can be set against each other.
 */
import { shellQuote } from '../ssh/shell';

export interface PodCgroupReading {
  /** The node's clock (epoch ms). */
  atMs: number;
  /** By pod UID: the cumulative CPU seconds and the working set (usage less inactive file pages), or why not. */
  pods: Map<string, { cpuSeconds: number; memoryBytes: number } | { unavailable: string }>;
}

/** `root`: the node's cgroupfs (a test points it at a recorded layout). */
export function podCgroupScript(podUids: readonly string[], root = '/sys/fs/cgroup'): string {
  return `echo "now_ns=$(date +%s%N)"
for uid in ${podUids.map(shellQuote).join(' ')}; do
  alt=$(printf %s "$uid" | tr - _); cpu=; mem=; inactive=
  for d in $(find ${shellQuote(root)} -maxdepth 6 -type d \\( -name "pod$uid" -o -name "*pod$alt.slice" \\) 2>/dev/null); do
    if [ -z "$cpu" ] && [ -r "$d/cpuacct.usage" ]; then cpu=$(cat "$d/cpuacct.usage"); fi
    if [ -z "$cpu" ] && [ -r "$d/cpu.stat" ]; then u=$(awk '$1 == "usage_usec" { print $2 }' "$d/cpu.stat"); [ -n "$u" ] && cpu=\${u}000; fi
    if [ -z "$mem" ] && [ -r "$d/memory.usage_in_bytes" ]; then
      mem=$(cat "$d/memory.usage_in_bytes"); inactive=$(awk '$1 == "total_inactive_file" { print $2 }' "$d/memory.stat")
    fi
    if [ -z "$mem" ] && [ -r "$d/memory.current" ]; then
      mem=$(cat "$d/memory.current"); inactive=$(awk '$1 == "inactive_file" { print $2 }' "$d/memory.stat")
    fi
  done
  echo "pod=$uid cpu_ns=$cpu mem_bytes=$mem inactive_bytes=$inactive"
done
echo done`;
}

const count = (text: string | undefined) => (text && /^\d+$/.test(text) ? Number(text) : undefined);

/** The script's answer; a reading that did not finish throws, naming what is missing. */
export function parsePodCgroups(output: string, podUids: readonly string[]): PodCgroupReading {
  const lines = output.split('\n');
  const now = count(lines.find((l) => l.startsWith('now_ns='))?.slice('now_ns='.length));
  if (!lines.includes('done') || now === undefined) throw new Error('the pods’ cgroup reading did not finish');
  const pods: PodCgroupReading['pods'] = new Map();
  for (const uid of podUids) {
    const line = lines.find((l) => l.startsWith(`pod=${uid} `));
    const fields = Object.fromEntries((line ?? '').split(' ').map((f) => f.split('=', 2) as [string, string]));
    const cpu = count(fields.cpu_ns);
    const mem = count(fields.mem_bytes);
    if (cpu === undefined || mem === undefined) {
      pods.set(uid, { unavailable: `its cgroup was not found on the node (${cpu === undefined ? 'CPU' : 'memory'})` });
      continue;
    }
    pods.set(uid, { cpuSeconds: cpu / 1e9, memoryBytes: Math.max(0, mem - (count(fields.inactive_bytes) ?? 0)) });
  }
  return { atMs: Math.round(now / 1e6), pods };
}
