/**
 * What some pods cost their nodes over a window (issue 28: the policy engine's own pods), from two readings of each
 * pod's cgroup on its node: the cumulative CPU counter and the working set (usage less inactive file pages, as the
 * kubelet counts it), each reading with the node's own clock. CPU over the window is the counter's difference over
 * those times, so how late a reading came does not bend it. Pure.
 */

/** One pod at one edge of the window, as read on its node. */
export interface PodResourceSample {
  pod: string;
  node: string;
  cpuSeconds: number;
  /** The node's clock when it read the counter (epoch ms). */
  atMs: number;
  memoryBytes: number;
}

export interface PodResourceScrape {
  namespace: string;
  samples: PodResourceSample[];
  /** Pods or nodes that could not be read, with why. */
  errors: string[];
}

export interface PodResourceCost {
  pod: string;
  node: string;
  cpuCores: number;
  memoryMiB: number;
}

/**
 * Each pod read at both edges on the same node: its CPU over the window in cores and its mean working set. A pod
 * read at one edge only (started, moved or gone in between), or whose counter did not move forward, is named in
 * `missing` instead.
 */
export function podResourceCost(start: PodResourceScrape, end: PodResourceScrape): { pods: PodResourceCost[]; missing: string[] } {
  const pods: PodResourceCost[] = [];
  const missing: string[] = [];
  const key = (s: PodResourceSample) => `${s.pod} on ${s.node}`;
  const before = new Map(start.samples.map((s) => [key(s), s]));
  for (const after of end.samples) {
    const first = before.get(key(after));
    before.delete(key(after));
    const seconds = first ? (after.atMs - first.atMs) / 1000 : 0;
    if (!first || seconds <= 0 || after.cpuSeconds < first.cpuSeconds) {
      missing.push(`${key(after)}: ${first ? 'its CPU counter did not move forward' : 'not read at the window’s start'}`);
      continue;
    }
    const cpuCores = (after.cpuSeconds - first.cpuSeconds) / seconds;
    pods.push({ pod: after.pod, node: after.node, cpuCores, memoryMiB: (first.memoryBytes + after.memoryBytes) / 2 / 2 ** 20 });
  }
  for (const gone of before.keys()) missing.push(`${gone}: not read at the window’s end`);
  return { pods: pods.sort((a, b) => a.pod.localeCompare(b.pod)), missing };
}
