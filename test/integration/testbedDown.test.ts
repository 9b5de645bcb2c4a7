import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { binaryPaths, readVersions, testbedDown, testbedStatus, testbedUp, type TestbedInstance } from '../../src/testbed';
import { isAlive, tcpOpen, waitFor } from '../../src/process/subprocess';

// `testbed down` must leave no process behind. Proven on a second, disjoint test bed (own data folder, other
// ports and node addresses) so the shared one on 6443/2379/127.0.0.11-13 keeps serving other tests.
jest.setTimeout(300_000);

const exec = promisify(execFile);
const instance: TestbedInstance = {
  clusterName: 'hardenlab-downtest',
  ports: {
    kubeApiserver: 16443,
    etcd: 12379,
    etcdPeer: 12380,
    kubeControllerManager: 20257,
    kubeScheduler: 20259,
    kwokController: 20247,
    ssh: 22,
  },
  nodes: [{ name: 'downtest-node-1', address: '127.0.0.21' }],
};

function processesMentioning(text: string): string[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .map((pid) => {
      try {
        return `${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')}`;
      } catch {
        return '';
      }
    })
    .filter((line) => line.includes(text) && isAlive(Number(line.split(' ')[0])));
}

describe('testbed down', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hardenlab-downtest-'));
  const options = { env: process.env, home, instance };

  afterAll(async () => {
    await testbedDown(options).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('reuses a slow cluster and restarts its stopped parts; testbed down stops what testbed up started, removes the state', async () => {
    for (const [host, port] of [
      ['127.0.0.1', 16443],
      ['127.0.0.1', 12379],
      ['127.0.0.21', 22],
    ] as const) {
      expect(`${host}:${port} ${(await tcpOpen(host, port)) ? 'busy' : 'free'}`).toBe(`${host}:${port} free`);
    }

    const up = await testbedUp(options);
    expect(up.started).toBe(true);
    expect(up.apiServerUrl).toBe('https://127.0.0.1:16443');
    const kubectl = binaryPaths(readVersions()).kubectl;
    const { stdout } = await exec(kubectl, ['--kubeconfig', up.kubeconfigPath, 'get', 'nodes', '-o', 'name']);
    expect(stdout.trim()).toBe('node/downtest-node-1');

    const status = await testbedStatus(options);
    expect(status.running).toBe(true);
    const pids = [...status.components, ...status.nodeHosts].map((entry) => entry.pid!);
    expect(pids).toHaveLength(6);
    expect(processesMentioning(home).length).toBeGreaterThanOrEqual(6);

    // A second testbed up while the API server does not answer (stopped, as on a starved machine) waits for it and
    // reuses the cluster: the same processes and CA, so other runs' kubeconfigs stay valid.
    const apiserver = status.components.find((component) => component.name === 'kube-apiserver')!.pid!;
    const caPath = path.join(home, 'sim', 'kwok', 'clusters', instance.clusterName, 'pki', 'ca.crt');
    const ca = fs.readFileSync(caPath, 'utf8');
    process.kill(apiserver, 'SIGSTOP');
    const resume = () => isAlive(apiserver) && process.kill(apiserver, 'SIGCONT');
    const resumeLater = setTimeout(resume, 15_000);
    try {
      const again = await testbedUp({ ...options, readyTimeoutMs: 120_000 });
      expect(again.started).toBe(false);
      expect(again.durationMs).toBeGreaterThanOrEqual(10_000);
    } finally {
      clearTimeout(resumeLater);
      resume();
    }
    expect(fs.readFileSync(caPath, 'utf8')).toBe(ca);
    expect((await testbedStatus(options)).components.map((entry) => entry.pid)).toEqual(status.components.map((entry) => entry.pid));

    // Components that stopped (kwokctl does not supervise them) are started again, the rest and the CA kept.
    const restartable = ['kube-controller-manager', 'kube-scheduler'];
    const stoppedPids = status.components.filter((component) => restartable.includes(component.name)).map((component) => component.pid!);
    for (const pid of stoppedPids) process.kill(pid, 'SIGKILL');
    await waitFor('the two to end', async () => (stoppedPids.some(isAlive) ? undefined : true), 10_000, 100);
    const restarted = await testbedUp(options);
    expect(restarted.started).toBe(false);
    const after = await testbedStatus(options);
    const kept = (components: typeof status.components) =>
      components.filter((c) => !restartable.includes(c.name)).map((c) => `${c.name} ${c.pid}`);
    expect(kept(after.components)).toEqual(kept(status.components));
    expect(
      after.components.filter((c) => restartable.includes(c.name)).map((c) => [c.name, c.running, stoppedPids.includes(c.pid!)]),
    ).toEqual(restartable.map((name) => [name, true, false]));
    expect(fs.readFileSync(caPath, 'utf8')).toBe(ca);
    const pidsAfter = [...after.components, ...after.nodeHosts].map((entry) => entry.pid!);

    const down = await testbedDown(options);
    expect(down.leftover).toEqual([]);
    expect(down.stopped).toEqual(
      expect.arrayContaining([
        'etcd',
        'kube-apiserver',
        'kube-controller-manager',
        'kube-scheduler',
        'kwok-controller',
        'sshd downtest-node-1',
      ]),
    );
    expect([...pids, ...pidsAfter].filter(isAlive)).toEqual([]);
    expect(processesMentioning(home)).toEqual([]);
    expect(await tcpOpen('127.0.0.1', 16443)).toBe(false);
    expect(await tcpOpen('127.0.0.21', 22)).toBe(false);
    expect(fs.existsSync(path.join(home, 'sim'))).toBe(false);
    expect((await testbedStatus(options)).components).toEqual([]);
  });
});
