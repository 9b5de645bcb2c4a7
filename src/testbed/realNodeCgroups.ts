import * as fs from 'node:fs';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { TestbedLayout } from './layout';
import { describeMissing, type CgroupPlan } from './cgroupHost';
import { detectCgroupHost } from './cgroupHostRecord';
import type { NodeCgroupMode } from './realnodes/nodeBed';

/**
 * The real nodes' cgroups: which hierarchy and delegation a test bed uses (decided by cgroupHost.ts when it
 * starts, kept in its folder so status and stop use the same), the mode realnodes/ makes them in, and each
 * node's CPU and memory use read from its cgroup.
 */

function planFile(layout: TestbedLayout): string {
  return path.join(layout.testbedDir, 'real', 'cgroup-plan.json');
}

/** This host's plan, or an error naming every missing piece and what to do. */
export function realNodesPlanOrThrow(): CgroupPlan {
  const verdict = detectCgroupHost();
  if (!verdict.ok) throw new Error(describeMissing(verdict));
  return verdict.plan;
}

export function writeCgroupPlan(layout: TestbedLayout, plan: CgroupPlan): void {
  fs.mkdirSync(path.dirname(planFile(layout)), { recursive: true });
  writeFileAtomic.sync(planFile(layout), `${JSON.stringify(plan)}\n`);
}

/** The plan the test bed in this folder started with (undefined before its first start). */
export function readCgroupPlan(layout: TestbedLayout): CgroupPlan | undefined {
  try {
    const plan = JSON.parse(fs.readFileSync(planFile(layout), 'utf8')) as CgroupPlan;
    return ['v1', 'v2'].includes(plan.hierarchy) ? plan : undefined;
  } catch {
    return undefined;
  }
}

/** The real nodes run on cgroup v1 (today's path, also for a folder without a plan). */
export function realNodesOnCgroupV1(layout: TestbedLayout): boolean {
  const plan = readCgroupPlan(layout);
  return !plan || plan.delegation === 'v1-by-hand';
}

/** How each node of the bed gets its cgroups (realnodes/nodeBed.ts): v1 for a folder without a plan too. */
export function nodeCgroupMode(layout: TestbedLayout): NodeCgroupMode {
  const plan = readCgroupPlan(layout);
  if (!plan || plan.delegation === 'v1-by-hand') return { mode: 'v1' };
  return { mode: plan.delegation, root: plan.cgroupRoot };
}

function readNumber(file: string): number | undefined {
  try {
    const value = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The CPU seconds and memory charged to a node's cgroup: cpuacct and memory (v1), or cpu.stat and memory.current (v2). */
export function nodeCgroupUsage(layout: TestbedLayout, namespace: string, nodeName: string): { cpuSeconds?: number; memoryBytes?: number } {
  if (readCgroupPlan(layout)?.hierarchy === 'v2') {
    let dir: string;
    try {
      dir = fs.readFileSync(path.join(layout.testbedDir, 'real', 'cgroups', nodeName), 'utf8').trim();
    } catch {
      return {};
    }
    const usec = /^usage_usec (\d+)$/m.exec(
      fs.existsSync(path.join(dir, 'cpu.stat')) ? fs.readFileSync(path.join(dir, 'cpu.stat'), 'utf8') : '',
    )?.[1];
    return { cpuSeconds: usec === undefined ? undefined : Number(usec) / 1e6, memoryBytes: readNumber(path.join(dir, 'memory.current')) };
  }
  const v1 = (controller: string, file: string) => path.join('/sys/fs/cgroup', controller, `hardenlab-${namespace}`, nodeName, file);
  const nanoseconds = readNumber(v1('cpuacct', 'cpuacct.usage'));
  return {
    cpuSeconds: nanoseconds === undefined ? undefined : nanoseconds / 1e9,
    memoryBytes: readNumber(v1('memory', 'memory.usage_in_bytes')),
  };
}
