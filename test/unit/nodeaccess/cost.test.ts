import { execFileSync } from 'node:child_process';
import { accessPodCostScript, parseAccessPodCost } from '../../../src/nodeaccess/cost';
import { cgroupLayout as layout } from '../../support/cgroupLayout';

const uid = '0b5e7c1a-3f2d-4c55-9d1e-1234567890ab';

const run = (root: string) => parseAccessPodCost(execFileSync('sh', ['-c', accessPodCostScript(uid, root)], { encoding: 'utf8' }));

describe("the access pod's own CPU, read from the node's cgroupfs by the pod's UID", () => {
  test('cgroup v1, cgroupfs driver: cpuacct.usage in nanoseconds (the memory hierarchy has the same name, no counter)', () => {
    const root = layout({
      [`memory/kubepods/burstable/pod${uid}/memory.usage_in_bytes`]: '4096\n',
      [`cpu,cpuacct/kubepods/burstable/pod${uid}/cpuacct.usage`]: '1500000000\n',
      ['cpu,cpuacct/kubepods/burstable/podother/cpuacct.usage']: '9\n',
    });
    expect(run(root)).toEqual({ cpuSeconds: 1.5 });
  });

  test('cgroup v2, systemd driver: usage_usec of the pod slice (UID dashes as underscores)', () => {
    const slice = `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid.replace(/-/g, '_')}.slice`;
    const root = layout({ [`${slice}/cpu.stat`]: 'usage_usec 250000\nuser_usec 200000\nsystem_usec 50000\n' });
    expect(run(root)).toEqual({ cpuSeconds: 0.25 });
  });

  test('no cgroup of that pod: the reason, never a zero', () => {
    expect(run(layout({ 'cpu,cpuacct/kubepods/cpuacct.usage': '5\n' }))).toEqual({
      unavailable: "the access pod's cgroup was not found on the node",
    });
    expect(parseAccessPodCost('cpu_ns=5\n')).toEqual({ unavailable: 'the cgroup reading did not finish' });
  });
});
