/**
 * `testbed up --config FILE` as a user runs it (the compiled CLI, so `npm run build` must have run): a test bed file
 * with five KWOK nodes of its own size, on ports and loopback addresses of its own and in a data folder of its own,
 * so the shared test bed keeps serving other tests. `testbed status` prints the configuration in force; `testbed down`
 * removes it.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../src/config/paths';
import { binaryPaths, readVersions } from '../../src/testbed';
import { tcpOpen } from '../../src/process/subprocess';
import { tempDirSync } from '../support/tempDir';

jest.setTimeout(300_000);

const exec = promisify(execFile);
const bin = path.join(repoRoot, 'bin', 'hardenlab.js');
const home = tempDirSync('hardenlab-simconfig-');
const env = { ...process.env, HARDENLAB_HOME: home };
const configFile = path.join(home, 'five-nodes.yaml');
const addresses = ['127.0.33.11', '127.0.33.12', '127.0.33.13', '127.0.33.14', '127.0.33.15'];

fs.writeFileSync(
  configFile,
  [
    'apiVersion: hardenlab.io/v1alpha1',
    'kind: TestBed',
    'name: hardenlab-configtest',
    'nodes: {kind: kwok, count: 5, cpu: 1, memory: 2Gi, namePrefix: config-node, firstAddress: 127.0.33.11}',
    'networking:',
    '  ports: {kubeApiserver: 17443, etcd: 17379, etcdPeer: 17380, kubeControllerManager: 27257, kubeScheduler: 27259, ' +
      'kwokController: 27247}',
    '',
  ].join('\n'),
);

const hardenlab = (...args: string[]) => exec(process.execPath, [bin, ...args], { env, maxBuffer: 16 * 2 ** 20 });

afterAll(async () => {
  await hardenlab('testbed', 'down').catch(() => undefined);
});

it('testbed up --config starts the test bed the file describes, and testbed status prints the configuration in force', async () => {
  for (const [host, port] of [['127.0.0.1', 17443], ['127.0.0.1', 17379], ...addresses.map((address) => [address, 22] as const)] as const) {
    expect(`${host}:${port} ${(await tcpOpen(host, port)) ? 'busy' : 'free'}`).toBe(`${host}:${port} free`);
  }

  const up = await hardenlab('testbed', 'up', '--config', configFile);
  expect(up.stdout).toContain('API server: https://127.0.0.1:17443');
  const kubeconfig = path.join(home, 'sim', 'kubeconfig');
  const { stdout: nodes } = await exec(binaryPaths(readVersions()).kubectl, [
    '--kubeconfig',
    kubeconfig,
    'get',
    'nodes',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name} {.status.addresses[0].address} {.status.capacity.cpu} ' +
      '{.status.capacity.memory}{"\\n"}{end}',
  ]);
  expect(nodes.trim().split('\n').sort()).toEqual(addresses.map((address, i) => `config-node-${i + 1} ${address} 1 2Gi`));
  for (const address of addresses) expect(`${address}:22 ${(await tcpOpen(address, 22)) ? 'open' : 'closed'}`).toBe(`${address}:22 open`);

  const status = await hardenlab('testbed', 'status');
  expect(status.stdout).toContain('test bed: running');
  expect(status.stdout).toContain(`configuration in force (from ${configFile}):`);
  for (const line of [
    'name: hardenlab-configtest',
    'kind: kwok',
    'count: 5',
    'memory: 2Gi',
    'kubeApiserver: 17443',
    'firstAddress: 127.0.33.11',
  ])
    expect(status.stdout).toContain(line);

  const down = await hardenlab('testbed', 'down');
  expect(down.stdout).toContain('sshd config-node-5');
  expect(await tcpOpen('127.0.0.1', 17443)).toBe(false);
  expect(fs.existsSync(path.join(home, 'sim'))).toBe(false);
});

it('testbed up --config names the file, line and field of a bad value, and starts nothing', async () => {
  const bad = path.join(home, 'bad.yaml');
  fs.writeFileSync(bad, 'apiVersion: hardenlab.io/v1alpha1\nkind: TestBed\nnodes:\n  kind: real\n  count: 7\n');
  const failed = await hardenlab('testbed', 'up', '--config', bad).then(
    () => 'exit 0',
    (error: { code: number; stderr: string }) => `exit ${error.code}: ${error.stderr.trim()}`,
  );
  expect(failed).toBe(`exit 1: hardenlab: ${bad}:5: nodes.count: real nodes: 1..5`);
  expect(fs.existsSync(path.join(home, 'sim'))).toBe(false);
});
