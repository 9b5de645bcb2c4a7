import * as fs from 'node:fs';
import * as path from 'node:path';
import { V2_CONTROLLERS } from '../cgroupHost';
import { run, sleep, type Log } from '../../process/subprocess';
import { cgroupPids, killCgroup, readWords, removeCgroupTree, writeCgroupFile } from './cgroupFiles';
import { CPU_PERIOD_US, NODE_PIDS_MAX, cgroupParent, cpuQuotaUs, type NodeBed } from './nodeBed';
import type { NamespaceBed } from './forwards';

/**
 * A node's cgroup on the unified hierarchy (cgroup v2), delegated to it, in one of two ways cgroupHost.ts chooses:
 *   systemd-scope  PID 1 is systemd: a transient scope per node, Delegate=yes, limits as unit properties
 *   v2-by-hand     PID 1 is not systemd (containers, CI): the subtree is made under the cgroup root, with the
 *                  controllers enabled in the parents' cgroup.subtree_control
 * Either way the node's cgroup has the configured CPU (cpu.max) and memory (memory.max, no swap), pids.max 4096; nspawn
 * (--keep-unit) puts the node's payload in a child cgroup of it, so the node's systemd owns the subtree below. Its path
 * is written to <state>/cgroups/<node> for `testbed status` (cpu.stat, memory.current) and for the node's stop.
 */
export type V2Mode = { mode: 'systemd-scope' | 'v2-by-hand'; root: string };

export const SCOPE_SLICE = 'hardenlab.slice';
export const scopeUnit = (bed: NamespaceBed, name: string) => `${cgroupParent(bed)}-${name}.scope`;
const recordFile = (bed: NamespaceBed, name: string) => path.join(bed.state, 'cgroups', name);

/** The node's cgroup folder (deterministic, so status and stop find it without asking systemd). */
export function v2NodeCgroup(bed: NamespaceBed, cgroups: V2Mode, name: string): string {
  return cgroups.mode === 'systemd-scope'
    ? path.join(cgroups.root, SCOPE_SLICE, scopeUnit(bed, name))
    : path.join(cgroups.root, cgroupParent(bed), name);
}

/**
 * Enables every controller a cgroup is offered in its subtree_control (each may fail alone: io without a block device,
 * say), so the kubelet inside finds cpuset, io and hugetlb where the host has them; fails when one a node needs is off.
 */
export function enableControllers(dir: string): void {
  const offered = readWords(path.join(dir, 'cgroup.controllers'));
  const subtree = path.join(dir, 'cgroup.subtree_control');
  for (const controller of offered) {
    if (readWords(subtree).includes(controller)) continue;
    try {
      fs.writeFileSync(subtree, `+${controller}\n`);
    } catch {
      // not this one
    }
  }
  for (const controller of V2_CONTROLLERS) {
    if (!readWords(subtree).includes(controller))
      throw new Error(
        `cannot enable the ${controller} controller below ${dir} (offered: ${offered.join(' ')}); see hardenlab testbed host`,
      );
  }
}

/** The node's limits as files of its cgroup (by hand), in the order they are written. */
export function v2NodeLimits(bed: NodeBed, dir: string): { file: string; value: string }[] {
  const swap = path.join(dir, 'memory.swap.max');
  return [
    { file: path.join(dir, 'cpu.max'), value: `${cpuQuotaUs(bed)} ${CPU_PERIOD_US}` },
    { file: path.join(dir, 'memory.max'), value: String(bed.memoryBytes) },
    ...(fs.existsSync(swap) ? [{ file: swap, value: '0' }] : []),
    { file: path.join(dir, 'pids.max'), value: String(NODE_PIDS_MAX) },
  ];
}

/** Records the node's cgroup; by hand, also makes it and sets its limits (with systemd, systemd-run makes it). */
export function prepareV2NodeCgroup(bed: NodeBed, cgroups: V2Mode, name: string, log: Log): void {
  const dir = v2NodeCgroup(bed, cgroups, name);
  fs.mkdirSync(path.dirname(recordFile(bed, name)), { recursive: true });
  fs.writeFileSync(recordFile(bed, name), `${dir}\n`);
  if (cgroups.mode !== 'v2-by-hand') return;
  enableControllers(cgroups.root);
  fs.mkdirSync(dir, { recursive: true });
  enableControllers(path.dirname(dir));
  for (const { file, value } of v2NodeLimits(bed, dir)) writeCgroupFile(file, value);
  const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8').trim();
  log(`node ${name}: cgroup v2 subtree ${dir} (cpu.max ${read('cpu.max')}, memory.max ${read('memory.max')}, pids.max ${NODE_PIDS_MAX})`);
}

/**
 * cgroup v2 lets only cgroups without processes of their own hand controllers down. By hand, the launcher (which
 * stays, to boot the node again after a reboot) and nspawn live in two children of the node's cgroup, <node>/launcher
 * and <node>/node: this program (its values are its arguments: the folder, then the command) makes the folder,
 * enables in its parent every controller the parent is offered, joins the folder and execs the command.
 */
export const CGROUP2_JOIN =
  'd="$1"; shift; mkdir -p "$d" || exit 1; p="${d%/*}"; ' +
  'for c in $(cat "$p/cgroup.controllers"); do echo "+$c" > "$p/cgroup.subtree_control" 2>/dev/null; done; ' +
  'echo $$ > "$d/cgroup.procs" || exit 1; exec "$@"';

/**
 * The words before the launcher (part 'launcher') or before nspawn (part 'node'). By hand: the join above. With
 * systemd, the launcher stays where it is and nspawn alone runs in the node's scope (systemd-run execs it), as
 * systemd-nspawn@.service runs it. Either way nspawn makes its payload's cgroup below its own.
 */
export function v2Wrap(bed: NodeBed, cgroups: V2Mode, name: string, part: 'launcher' | 'node'): string[] {
  if (cgroups.mode === 'v2-by-hand') return ['sh', '-c', CGROUP2_JOIN, 'join', path.join(v2NodeCgroup(bed, cgroups, name), part)];
  if (part === 'launcher') return [];
  return [
    'systemd-run', '--scope', '--quiet', '--collect', `--slice=${SCOPE_SLICE}`, `--unit=${scopeUnit(bed, name)}`,
    '-p', 'Delegate=yes', '-p', `CPUQuota=${Math.trunc(bed.cpuMilli / 10)}%`, '-p', `MemoryMax=${bed.memoryBytes}`,
    '-p', 'MemorySwapMax=0', '-p', `TasksMax=${NODE_PIDS_MAX}`, '--',
  ];
}

/**
 * After the node's launcher has stopped: ends whatever is left in the cgroup its start recorded, then removes the
 * subtree (and, with systemd, the scope). Nothing to do when no cgroup was recorded (v1, or never started).
 */
export async function removeV2NodeCgroup(bed: NamespaceBed, mode: NodeBed['cgroups']['mode'], name: string): Promise<void> {
  let dir: string;
  try {
    dir = fs.readFileSync(recordFile(bed, name), 'utf8').trim();
  } catch {
    return;
  }
  if (fs.existsSync(dir)) {
    if (fs.existsSync(path.join(dir, 'cgroup.kill'))) writeCgroupFile(path.join(dir, 'cgroup.kill'), 1);
    else killCgroup(dir);
    for (let i = 0; i < 50 && cgroupPids(dir).length > 0; i++) await sleep(100);
    if (mode === 'systemd-scope') await run('systemctl', ['stop', scopeUnit(bed, name)], { timeoutMs: 30_000 }).catch(() => undefined);
    removeCgroupTree(dir);
  }
  fs.rmSync(recordFile(bed, name), { force: true });
}

/** The nodes' parent (by hand), once every node is gone. */
export function removeV2Parent(bed: NamespaceBed, cgroups: NodeBed['cgroups']): void {
  if (cgroups.mode !== 'v2-by-hand') return;
  try {
    fs.rmdirSync(path.join(cgroups.root, cgroupParent(bed)));
  } catch {
    // busy, or never made
  }
}
