/**
 * What the access pod itself costs a node: every command the worker runs through it is an exec in the pod's
 * cgroup (nsenter changes namespaces, not the cgroup), so the pod cgroup's CPU counter holds the cost of all
 * of them (the sampler excepted: it runs as a node service and counts as the sampler's own). Read through the
 * node's own cgroupfs, found by the pod's UID: the cgroupfs driver names it `pod<uid>`, systemd's
 * `…-pod<uid with underscores>.slice`, on either hierarchy.
 */
import { shellQuote } from '../ssh/shell';

export interface AccessPodCost {
  /** CPU seconds the pod's cgroup used since the pod (its latest incarnation) started. */
  cpuSeconds: number;
}

/** `root`: the node's cgroupfs (a test points it at a recorded layout). */
export function accessPodCostScript(podUid: string, root = '/sys/fs/cgroup'): string {
  return `uid=${shellQuote(podUid)}; alt=$(printf %s "$uid" | tr - _)
for d in $(find ${shellQuote(root)} -maxdepth 6 -type d \\( -name "pod$uid" -o -name "*pod$alt.slice" \\) 2>/dev/null); do
  if [ -r "$d/cpuacct.usage" ]; then echo "cpu_ns=$(cat "$d/cpuacct.usage")"; break; fi
  if [ -r "$d/cpu.stat" ]; then u=$(awk '$1 == "usage_usec" { print $2 }' "$d/cpu.stat"); [ -n "$u" ] && echo "cpu_ns=\${u}000" && break; fi
done
echo done`;
}

/** The script's answer, or the reason there is none (a node whose cgroups the pod's UID is not found in). */
export function parseAccessPodCost(output: string): AccessPodCost | { unavailable: string } {
  const line = output.split('\n').find((l) => l.startsWith('cpu_ns='));
  const ns = line ? Number(line.slice('cpu_ns='.length)) : NaN;
  if (!output.split('\n').includes('done')) return { unavailable: 'the cgroup reading did not finish' };
  if (!Number.isSafeInteger(ns) || ns < 0) return { unavailable: "the access pod's cgroup was not found on the node" };
  return { cpuSeconds: ns / 1e9 };
}
