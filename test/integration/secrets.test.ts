/**
 * No credential enters a workflow history or an artifact: a full pipeline with the real worker, where
 * every secret is planted where the code reads it — the Linode provider (against the Linode fake, which
 * serves the test bed as each LKE cluster) reads its token from the worker config's tokenFile and creates
 * a cluster per scenario (per-scenario isolation), each sampled through the node map derived from its own
 * machines' addresses and the worker config's SSH settings; SSH keys and kubeconfig credentials are the test bed's, and payloads are encrypted with a key file. Then every
 * history on the (dedicated) dev server is read with `temporal workflow show --output json`, encrypted
 * and decrypted through the codec server, and every file the run wrote (report.html, report.md,
 * summary.json, samples.csv, records, tool output) is searched — as text, base64, and in decoded payloads.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { hardenlabHome } from '../../src/config/paths';
import { runIdFor } from '../../src/domain/naming';
import type { ScenarioRecord } from '../../src/domain/contracts';
import type { ExperimentResult } from '../../src/domain/progress';
import { lkeClusterLabel, runNodeMapPath } from '../../src/providers';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';
import { temporalCliPath } from '../../src/temporal/binaries';
import { AesGcmCodec, dataConverterFor, loadKeyFile } from '../../src/temporal/codec';
import { startCodecServer } from '../../src/temporal/codecServer';
import { startFakeLinode, type FakeLinode } from '../support/fakeLinode';
import {
  kubeconfigSecrets,
  PRIVATE_KEY_MARKERS,
  scanHistories,
  scanText,
  secretForms,
  sshKeySecrets,
  type Secret,
} from '../support/historyScan';
import { describeLeftover, listRunObjects } from '../support/leftovers';
import { ensureTestbed, type Testbed } from '../support/testbed';
import { workerConfigEnv } from '../support/workerConfig';
import { startWorkerRun, type WorkerRun } from '../support/workerRun';
import { showHistory } from '../support/histories';

jest.setTimeout(1_500_000);

const suffix = Date.now().toString(36);
/** Shaped like a Linode personal access token (64 hex digits); never valid anywhere. */
const FAKE_LINODE_TOKEN = randomBytes(32).toString('hex');
const execFileAsync = promisify(execFile);
let tb: Testbed;
let dir: string;
let run: WorkerRun;
let fake: FakeLinode;
let keyFile: string;
let secrets: Secret[];

beforeAll(async () => {
  tb = await ensureTestbed();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-secrets-'));
  const testbedNodes = (await loadNodeMap(tb.nodeMapPath)).nodes;
  // The nth cluster's machines: the test bed's nodes (its kubeconfig is every cluster's), each cluster at
  // addresses of its own (rotated), so a scenario that sampled another cluster's hosts would show.
  fake = await startFakeLinode({
    token: FAKE_LINODE_TOKEN,
    kubeconfig: await fs.readFile(tb.kubeconfigPath, 'utf8'),
    instance: (nth, index) => ({ label: testbedNodes[index]!.name, ipv4: [testbedNodes[(index + nth) % testbedNodes.length]!.host] }),
  });
  const tokenFile = path.join(dir, 'linode-token');
  await fs.writeFile(tokenFile, `${FAKE_LINODE_TOKEN}\n`, { mode: 0o600 });
  keyFile = path.join(dir, 'payload.key');
  const key = randomBytes(32);
  await fs.writeFile(keyFile, key.toString('base64'), { mode: 0o600 });
  const dataConverter = await dataConverterFor({ address: '', namespace: 'default', taskQueue: '', encryptionKeyPath: keyFile });
  // The worker's environment, as an LKE team's would be: the provider reads the token from this file.
  // No node map: each scenario's is derived from the cluster it creates, with the test bed's SSH settings.
  const { user, port, privateKeyPath, knownHostsPath } = testbedNodes[0]!;
  const ssh = { user, port, privateKeyPath, knownHostsPath };
  const env = await workerConfigEnv(dir, {
    experiment: { isolation: 'per-scenario', cluster: { provider: 'linode', linode: { apiUrl: fake.url, tokenFile, ssh } } },
  });
  run = await startWorkerRun({ dir, taskQueue: `secrets-${suffix}`, dataConverter, env: { ...env, LINODE_TOKEN: FAKE_LINODE_TOKEN } });
  const keyPaths = [...new Set(testbedNodes.map((n) => n.privateKeyPath).filter((p): p is string => Boolean(p)))];
  secrets = [
    ...(await kubeconfigSecrets(tb.kubeconfigPath)),
    ...(await Promise.all(keyPaths.map(sshKeySecrets))).flat(),
    ...PRIVATE_KEY_MARKERS,
    { label: 'fake Linode API token (tokenFile and worker env)', value: FAKE_LINODE_TOKEN },
    { label: 'payload encryption key (base64)', value: key.toString('base64') },
    { label: 'payload encryption key (hex)', value: key.toString('hex') },
  ];
});

afterAll(async () => {
  await run?.stop();
  await fake?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

async function filesUnder(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? filesUnder(path.join(root, e.name)) : [path.join(root, e.name)])));
  return nested.flat();
}

test('the scanner finds a secret hidden in a payload (positive control)', () => {
  const key = secrets.find((s) => s.label.includes('client-key'))!;
  expect(key).toBeDefined();
  const payload = Buffer.from(JSON.stringify({ leaked: key.value })).toString('base64');
  const history = JSON.stringify({ events: [{ input: { payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: payload }] } }] });
  expect(scanText('control', history, secrets).findings.map((f) => f.where)).toContain('decoded payload');
  const token = JSON.stringify({ events: [{ details: `token=${FAKE_LINODE_TOKEN}` }] });
  expect(scanText('control', token, secrets).findings).toHaveLength(1);
});

test('a full pipeline leaves no credential in any workflow history', async () => {
  const workflowId = `secrets-${suffix}`;
  const result: ExperimentResult = await run.client.workflow.execute('securityExperiment', {
    taskQueue: run.temporal.taskQueue,
    workflowId,
    // Short windows: the scan needs every step's history, not samples.
    args: [{ window: { durationSeconds: 6, intervalSeconds: 2, healthCheckSeconds: 6 }, workload: { loadBalancerWaitSeconds: 5 } }],
    workflowExecutionTimeout: '20 minutes',
  });
  expect(result.scenarios.map((s) => `${s.scenario}:${s.status}`).sort()).toEqual([
    'baseline:completed',
    'best-practices:completed',
    'security-tools:completed',
  ]);

  // Every execution on this dev server (it serves only this test): the parent, its children, anything else.
  const ids: string[] = [];
  for await (const execution of run.client.workflow.list()) ids.push(execution.workflowId);
  expect(ids).toEqual(expect.arrayContaining([workflowId, ...result.scenarios.map((s) => s.workflowId)]));

  // The provider really read the planted token (the fake answers 401 to anything else): a cluster per scenario, each deleted.
  expect(fake.requests.filter((r) => r === 'POST /v4/lke/clusters')).toHaveLength(3);
  expect(fake.requests.filter((r) => r.startsWith('DELETE /v4/lke/clusters/'))).toHaveLength(3);
  expect(fake.clusters.size).toBe(0);

  // Each scenario sampled the machines of the cluster it created, at the addresses the Linode API gave them.
  const sampled = new Set<string>();
  for (const scenario of result.scenarios) {
    const record = JSON.parse(
      await fs.readFile(path.join(hardenlabHome(), scenario.artifactKey, 'scenario-record.json'), 'utf8'),
    ) as ScenarioRecord;
    const label = lkeClusterLabel(runIdFor(scenario.workflowId));
    const own = [...fake.instances.values()].filter((i) => i.cluster === label).map((i) => ({ node: i.label, host: i.ipv4[0] }));
    expect(own).toHaveLength(3);
    expect(record.facts?.sampledHosts).toEqual(own);
    expect(record.collect?.nodes.map((n) => [n.node, n.cpuSamples > 0])).toEqual(own.map((o) => [o.node, true]));
    sampled.add(JSON.stringify(own));
    await expect(fs.access(runNodeMapPath(hardenlabHome(), runIdFor(scenario.workflowId)))).rejects.toThrow();
  }
  expect(sampled.size).toBe(3);

  const scan = scanHistories(
    ids.map((workflowId) => ({ workflowId, text: showHistory(run.server.address, workflowId) })),
    secrets,
  );
  process.stdout.write(
    `secrets scan: ${scan.histories} histories, ${scan.bytes} bytes of history JSON, ${scan.decodedBytes} bytes of decoded payloads, ` +
      `${secrets.length} secrets in ${secrets.length * 2}+ forms, ${scan.findings.length} found\n`,
  );
  expect(scan.histories).toBeGreaterThanOrEqual(4);
  expect(scan.findings).toEqual([]);

  // The same histories decrypted (as an operator's UI with the codec server shows them).
  const codecServer = await startCodecServer({ codec: new AesGcmCodec(await loadKeyFile(keyFile)) });
  try {
    let decryptedBytes = 0;
    for (const id of ids) {
      const { stdout } = await execFileAsync(
        temporalCliPath(process.env),
        ['workflow', 'show', '--workflow-id', id, '--address', run.server.address, '--codec-endpoint', codecServer.url, '--output', 'json'],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      decryptedBytes += stdout.length;
      expect(scanText(id, stdout, secrets).findings).toEqual([]);
    }
    expect(decryptedBytes).toBeGreaterThan(scan.bytes / 2);
  } finally {
    await codecServer.close();
  }

  // Every file the run wrote: the report, its data, the scenario records and the tools' output.
  const home = hardenlabHome();
  const experimentDir = path.dirname(result.reportDir!); // <experiment folder>/report
  const files = (
    await Promise.all([experimentDir, ...result.scenarios.map((s) => path.join(home, s.artifactKey))].map((dir) => filesUnder(dir)))
  ).flat();
  expect(files.map((f) => path.basename(f))).toEqual(
    expect.arrayContaining(['report.html', 'report.md', 'summary.json', 'samples.csv', 'scenario-record.json']),
  );
  const forms = secrets.flatMap(secretForms);
  let artifactBytes = 0;
  const leaks: string[] = [];
  for (const file of files) {
    const text = (await fs.readFile(file)).toString('latin1');
    artifactBytes += text.length;
    for (const form of forms) if (text.includes(form.value)) leaks.push(`${form.label} in ${path.relative(home, file)}`);
  }
  process.stdout.write(`secrets scan: ${files.length} artifact files, ${artifactBytes} bytes, ${leaks.length} found\n`);
  expect(leaks).toEqual([]);

  for (const scenario of result.scenarios) {
    const leftovers = await listRunObjects(tb.kubeconfigPath, runIdFor(scenario.workflowId));
    expect(leftovers.map(describeLeftover)).toEqual([]);
  }
});
