import { describeTestbedStatus } from '../../../src/testbed/describe';
import { V2_PROC_STAT } from '../../../src/testbed/cgroupHost';

describe('describeTestbedStatus', () => {
  it('lists components and node hosts with their state', () => {
    const lines = describeTestbedStatus({
      running: false,
      apiReady: true,
      apiServerUrl: 'https://127.0.0.1:6443',
      components: [
        { name: 'etcd', pid: 10, running: true },
        { name: 'kube-apiserver', pid: 11, running: true },
      ],
      nodeHosts: [
        { name: 'sim-node-1', address: '127.0.0.11', pid: 20, running: true },
        { name: 'sim-node-2', address: '127.0.0.12', running: false },
      ],
      kubeconfigPath: '/h/sim/kubeconfig',
    });
    expect(lines).toEqual([
      'test bed: degraded',
      'API server https://127.0.0.1:6443: ready',
      '  etcd: running (pid 10)',
      '  kube-apiserver: running (pid 11)',
      '  node host sim-node-1 127.0.0.11:22: running (pid 20)',
      '  node host sim-node-2 127.0.0.12:22: stopped',
      'kubeconfig: /h/sim/kubeconfig',
    ]);
  });

  it('says which cgroup hierarchy real nodes use', () => {
    const lines = describeTestbedStatus({
      running: true,
      nodes: 'real',
      cgroup: { hierarchy: 'v2', delegation: 'v2-by-hand', cgroupRoot: '/sys/fs/cgroup' },
      apiReady: true,
      apiServerUrl: 'https://127.0.0.1:6443',
      components: [],
      nodeHosts: [],
    });
    expect(lines.slice(2)).toEqual([
      'nodes: real (system containers with a kubelet)',
      'cgroup: v2 (unified): a subtree per node made by hand under /sys/fs/cgroup/hardenlab-<namespace> (controllers enabled in subtree_control); 1 CPU, 2 GiB, 4096 tasks each',
      `  ${V2_PROC_STAT}`,
    ]);
  });

  it('says when nothing was started', () => {
    const stopped = { running: false, apiReady: false, apiServerUrl: 'https://127.0.0.1:6443', components: [], nodeHosts: [] };
    const lines = describeTestbedStatus(stopped);
    expect(lines[0]).toBe('test bed: not started');
  });
});
