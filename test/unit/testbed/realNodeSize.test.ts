/**
 * The real nodes' size as realnodes-cgroup2.sh applies it, run for real on a stand-in cgroup v2 tree (plain files
 * in a temp folder): the configuration's CPU and memory (realNodeSizeEnv) become cpu.max, memory.max, systemd's
 * CPUQuota/MemoryMax; the kubelet's reserved CPU is kubeletFiles.ts's. No root and no cgroup are needed.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../../src/config/paths';
import { tempDirSync } from '../../support/tempDir';
import { reservedCpuMilli } from '../../../src/testbed/realnodes/kubeletFiles';

const library = path.join(repoRoot, 'scripts', 'testbed', 'realnodes-cgroup2.sh');
const size = { HL_NODE_CPU_MILLI: '1500', HL_NODE_MEMORY_BYTES: String(2 ** 30) };

/** Runs `script` after sourcing the library, with realnodes.sh's log and die and the variables it sets. */
function withLibrary(script: string, env: Record<string, string>): string {
  const prelude = 'set -euo pipefail; log() { :; }; die() { echo "died: $*" >&2; exit 1; }; CGROUP_PARENT=hardenlab-test';
  return execFileSync('bash', ['-c', `${prelude}; source "$0"; ${script}`, library], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function fakeCgroupTree(): string {
  const root = tempDirSync('hardenlab-cgroup-tree-');
  for (const dir of [root, path.join(root, 'hardenlab-test')]) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'cgroup.controllers'), 'cpu memory pids\n');
    fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), 'cpu memory pids\n');
  }
  return root;
}

test('v2 by hand: the node cgroup gets the configured CPU (cpu.max) and memory (memory.max, no swap)', () => {
  const root = fakeCgroupTree();
  const state = tempDirSync('hardenlab-cgroup-state-');
  withLibrary('cgroup2_prepare n1', { ...size, HL_STATE: state, HL_CGROUP_MODE: 'v2-by-hand', HL_CGROUP_ROOT: root });
  const node = path.join(root, 'hardenlab-test', 'n1');
  const read = (file: string) => fs.readFileSync(path.join(node, file), 'utf8').trim();
  expect([read('cpu.max'), read('memory.max'), read('pids.max')]).toEqual(['150000 100000', String(2 ** 30), '4096']);
  expect(fs.readFileSync(path.join(state, 'cgroups', 'n1'), 'utf8').trim()).toBe(node);
});

test('systemd scope: the node scope gets CPUQuota and MemoryMax from the same variables', () => {
  const words = withLibrary('cgroup2_wrap n1 node', { ...size, HL_STATE: '/nonexistent', HL_CGROUP_MODE: 'systemd-scope' }).split('\n');
  expect(words).toEqual(expect.arrayContaining(['CPUQuota=150%', `MemoryMax=${2 ** 30}`, 'MemorySwapMax=0']));
});

test("the kubelet reserves the host's CPUs beyond the node's share, and a missing size names its variable", () => {
  const cpus = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  // The node sees them all (nproc: the CPUs this process may run on), as the kubelet config says (kubeletFiles.ts).
  expect(reservedCpuMilli(Number(size.HL_NODE_CPU_MILLI))).toBe(Math.max(0, cpus * 1000 - 1500));
  expect(reservedCpuMilli(cpus * 1000 + 500)).toBe(0);
  expect(() => withLibrary('node_cpu_quota_us', { HL_STATE: '/nonexistent' })).toThrow(/HL_NODE_CPU_MILLI/);
});
