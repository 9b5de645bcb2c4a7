import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NODE_DEVICE_RULES, prepareV1NodeCgroups, removeV1NodeCgroups } from '../../../../src/testbed/realnodes/cgroupV1';
import {
  enableControllers,
  prepareV2NodeCgroup,
  removeV2NodeCgroup,
  v2Wrap,
  type V2Mode,
} from '../../../../src/testbed/realnodes/cgroupV2';
import { reservedCpuMilli } from '../../../../src/testbed/realnodes/kubeletFiles';
import { tempDirSync } from '../../../support/tempDir';
import { recorded, recordedBed, treeListing } from './recorded';

/**
 * A node's cgroups on stand-in trees (plain files in a temp folder, no root and no cgroupfs needed), against the files
 * node-start wrote on the same trees. Plain files keep only the last write, so the device rules are checked as a list.
 */
function standInTrees(): { root: string; v1: string; v2: string; state: string } {
  const root = tempDirSync('hardenlab-cgroup-trees-');
  const [v1, v2, state] = ['v1', 'v2', 'state'].map((dir) => path.join(root, dir)) as [string, string, string];
  fs.mkdirSync(path.join(v1, 'cpuset'), { recursive: true });
  fs.writeFileSync(path.join(v1, 'cpuset', 'cpuset.cpus'), '0-3\n');
  fs.writeFileSync(path.join(v1, 'cpuset', 'cpuset.mems'), '0\n');
  for (const dir of [v2, path.join(v2, 'hardenlab-hardenlab-rec')]) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'cgroup.controllers'), 'cpu io memory pids\n');
    fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), 'cpu io memory pids\n');
  }
  // The kernel's optional files: swap accounting on both.
  fs.mkdirSync(path.join(v1, 'memory', 'hardenlab-hardenlab-rec', 'n1'), { recursive: true });
  fs.writeFileSync(path.join(v1, 'memory', 'hardenlab-hardenlab-rec', 'n1', 'memory.memsw.limit_in_bytes'), '');
  fs.mkdirSync(path.join(v2, 'hardenlab-hardenlab-rec', 'n1'), { recursive: true });
  fs.writeFileSync(path.join(v2, 'hardenlab-hardenlab-rec', 'n1', 'memory.swap.max'), '');
  return { root, v1, v2, state };
}

/** The recorded listing, with values compared as the kernel reads them (a trailing newline or not). */
const expected = (file: string) => recorded(file).trim().split('\n').map((line) => line.replace(/\|$/, ''));
const listing = (root: string, trees: { v1: string; v2: string; state: string }) =>
  treeListing(root, ['v1', 'v2', 'state'])
    .map((line) => line.replace(/\|$/, ''))
    .map((line) => line.replaceAll(trees.v1, '<v1-root>').replaceAll(trees.v2, '<v2-root>').replaceAll(trees.state, '<state>'));

test('v1: a cgroup in every controller with the cpuset, devices and limits node-start wrote', () => {
  const trees = standInTrees();
  prepareV1NodeCgroups(recordedBed({ mode: 'v1' }, trees.state), 'n1', trees.v1);
  expect(listing(trees.root, trees)).toEqual(expected('node-start-files-v1.txt'));
  const devices = path.join(trees.v1, 'devices', 'hardenlab-hardenlab-rec', 'n1');
  expect(fs.readFileSync(path.join(devices, 'devices.allow'), 'utf8')).toBe(`${NODE_DEVICE_RULES.at(-1)}\n`);
  expect(NODE_DEVICE_RULES).toEqual([
    'c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', 'c 1:11 rw',
    'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm', 'c 10:200 rwm',
  ]);
  for (const controller of ['cpu', 'cpuacct', 'memory', 'pids', 'cpuset', 'blkio', 'devices', 'freezer'])
    expect(fs.existsSync(path.join(trees.v1, controller, 'hardenlab-hardenlab-rec', 'n1'))).toBe(true);
});

test.each([['v2-by-hand'], ['systemd-scope']] as const)('%s: the files and record node-start wrote', (mode) => {
  const trees = standInTrees();
  const cgroups: V2Mode = { mode, root: trees.v2 };
  prepareV2NodeCgroup(recordedBed(cgroups, trees.state), cgroups, 'n1', () => undefined);
  expect(listing(trees.root, trees)).toEqual(expected(`node-start-files-${mode}.txt`));
});

test('v2 by hand: the start says what the node got; the stop removes the subtree and its record', async () => {
  const trees = standInTrees();
  const cgroups: V2Mode = { mode: 'v2-by-hand', root: trees.v2 };
  const logged: string[] = [];
  prepareV2NodeCgroup(recordedBed(cgroups, trees.state), cgroups, 'n1', (line) => logged.push(line));
  expect(logged).toEqual([expect.stringContaining('(cpu.max 150000 100000, memory.max 1073741824, pids.max 4096)')]);
  const node = path.join(trees.v2, 'hardenlab-hardenlab-rec', 'n1');
  for (const file of fs.readdirSync(node)) fs.rmSync(path.join(node, file)); // cgroupfs files never block a rmdir
  fs.mkdirSync(path.join(node, 'node', 'payload'), { recursive: true });
  await removeV2NodeCgroup(recordedBed(cgroups, trees.state), 'v2-by-hand', 'n1');
  expect([fs.existsSync(node), fs.existsSync(path.join(trees.state, 'cgroups', 'n1'))]).toEqual([false, false]);
});

test('systemd scope: CPUQuota, MemoryMax, no swap and the task limit as unit properties', () => {
  const bed = recordedBed({ mode: 'systemd-scope', root: '/sys/fs/cgroup' });
  expect(v2Wrap(bed, { mode: 'systemd-scope', root: '/sys/fs/cgroup' }, 'n1', 'node')).toEqual([
    'systemd-run', '--scope', '--quiet', '--collect', '--slice=hardenlab.slice', '--unit=hardenlab-hardenlab-rec-n1.scope',
    '-p', 'Delegate=yes', '-p', 'CPUQuota=150%', '-p', `MemoryMax=${2 ** 30}`, '-p', 'MemorySwapMax=0', '-p', 'TasksMax=4096', '--',
  ]);
  expect(v2Wrap(bed, { mode: 'systemd-scope', root: '/sys/fs/cgroup' }, 'n1', 'launcher')).toEqual([]);
});

test('a controller a node needs that cannot be enabled is named, with what is offered', () => {
  const dir = tempDirSync('hardenlab-cgroup-off-');
  fs.writeFileSync(path.join(dir, 'cgroup.controllers'), 'cpu io\n');
  fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), 'cpu io\n');
  const refusal = `cannot enable the memory controller below ${dir} (offered: cpu io); see hardenlab testbed host`;
  expect(() => enableControllers(dir)).toThrow(refusal);
});

test('v1 stop: removes the cgroups bottom-up, and nothing is asked of a node without them', async () => {
  const trees = standInTrees();
  const bed = recordedBed({ mode: 'v1' }, trees.state);
  const payload = path.join(trees.v1, 'pids', 'hardenlab-hardenlab-rec', 'n1', 'payload');
  fs.mkdirSync(payload, { recursive: true });
  await removeV1NodeCgroups(bed, 'n1', trees.v1);
  expect(fs.existsSync(path.join(trees.v1, 'pids', 'hardenlab-hardenlab-rec', 'n1'))).toBe(false);
  await expect(removeV1NodeCgroups(bed, 'n2', trees.v1)).resolves.toBeUndefined();
});

test("the kubelet reserves the host's CPUs beyond the node's share (the node sees them all, as nproc counts them)", () => {
  const cpus = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  expect(reservedCpuMilli(1500)).toBe(Math.max(0, cpus * 1000 - 1500));
  expect(reservedCpuMilli(cpus * 1000 + 500)).toBe(0);
});
