import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { binaryPaths, readVersions, simDown, simStatus, simUp, type SimInstance } from '../../src/testbed';
import { isAlive, tcpOpen } from '../../src/testbed/process';

// `sim down` must leave no process behind. Proven on a second, disjoint test bed (own data folder, other
// ports and node addresses) so the shared one on 6443/2379/127.0.0.11-13 keeps serving other tests.
jest.setTimeout(300_000);

const exec = promisify(execFile);
const instance: SimInstance = {
  clusterName: 'hardenlab-downtest',
  ports: { kubeApiserver: 16443, etcd: 12379, etcdPeer: 12380, kubeControllerManager: 20257, kubeScheduler: 20259, kwokController: 20247, ssh: 22 },
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

describe('sim down', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hardenlab-downtest-'));
  const options = { home, instance };

  afterAll(async () => {
    await simDown(options).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('stops every process sim up started and removes the state', async () => {
    for (const [host, port] of [['127.0.0.1', 16443], ['127.0.0.1', 12379], ['127.0.0.21', 22]] as const) {
      expect(`${host}:${port} ${(await tcpOpen(host, port)) ? 'busy' : 'free'}`).toBe(`${host}:${port} free`);
    }

    const up = await simUp(options);
    expect(up.started).toBe(true);
    expect(up.apiServerUrl).toBe('https://127.0.0.1:16443');
    const kubectl = binaryPaths(readVersions()).kubectl;
    const { stdout } = await exec(kubectl, ['--kubeconfig', up.kubeconfigPath, 'get', 'nodes', '-o', 'name']);
    expect(stdout.trim()).toBe('node/downtest-node-1');

    const status = await simStatus(options);
    expect(status.running).toBe(true);
    const pids = [...status.components, ...status.nodeHosts].map((entry) => entry.pid!);
    expect(pids).toHaveLength(6);
    expect(processesMentioning(home).length).toBeGreaterThanOrEqual(6);

    const down = await simDown(options);
    expect(down.leftover).toEqual([]);
    expect(down.stopped).toEqual(expect.arrayContaining(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok-controller', 'sshd downtest-node-1']));
    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesMentioning(home)).toEqual([]);
    expect(await tcpOpen('127.0.0.1', 16443)).toBe(false);
    expect(await tcpOpen('127.0.0.21', 22)).toBe(false);
    expect(fs.existsSync(path.join(home, 'sim'))).toBe(false);
    expect((await simStatus(options)).components).toEqual([]);
  });
});
