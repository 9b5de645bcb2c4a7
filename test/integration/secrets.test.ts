/**
 * No credential enters a workflow history: a full pipeline on the test bed with the real worker, then
 * every history on the (dedicated) dev server is read with `temporal workflow show --output json` and
 * searched for the test bed's kubeconfig credentials, SSH private key, any private key material and a
 * fake Linode token placed in the worker's environment — as text, base64, and inside decoded payloads.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runIdFor } from '../../src/domain/naming';
import type { ExperimentResult } from '../../src/domain/progress';
import { loadNodeMap } from '../../src/ssh/nodeMap';
import { kubeconfigSecrets, PRIVATE_KEY_MARKERS, scanHistories, scanText, sshKeySecrets, type Secret } from '../support/historyScan';
import { describeLeftover, listRunObjects } from '../support/leftovers';
import { ensureTestbed, type Testbed } from '../support/testbed';
import { workerConfigEnv } from '../support/workerConfig';
import { startWorkerRun, type WorkerRun } from '../support/workerRun';

jest.setTimeout(1_500_000);

const suffix = Date.now().toString(36);
/** Shaped like a Linode personal access token (64 hex digits); never valid anywhere. */
const FAKE_LINODE_TOKEN = randomBytes(32).toString('hex');
let tb: Testbed;
let dir: string;
let run: WorkerRun;
let secrets: Secret[];

beforeAll(async () => {
  tb = await ensureTestbed();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-secrets-'));
  run = await startWorkerRun({ dir, taskQueue: `secrets-${suffix}`, env: await workerConfigEnv(dir, undefined, { ...process.env, LINODE_TOKEN: FAKE_LINODE_TOKEN, HARDENLAB_LINODE_TOKEN: FAKE_LINODE_TOKEN }) });
  const keyPaths = [...new Set((await loadNodeMap(tb.nodeMapPath)).nodes.map((n) => n.privateKeyPath).filter((p): p is string => Boolean(p)))];
  secrets = [
    ...(await kubeconfigSecrets(tb.kubeconfigPath)),
    ...(await Promise.all(keyPaths.map(sshKeySecrets))).flat(),
    ...PRIVATE_KEY_MARKERS,
    { label: 'fake Linode API token from the worker env', value: FAKE_LINODE_TOKEN },
  ];
});

afterAll(async () => {
  await run?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

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
    args: [{ window: { durationSeconds: 20, intervalSeconds: 2, healthCheckSeconds: 10 }, workload: { loadBalancerWaitSeconds: 5 } }],
    workflowExecutionTimeout: '20 minutes',
  });
  expect(result.scenarios.map((s) => `${s.scenario}:${s.status}`).sort()).toEqual(['baseline:completed', 'best-practices:completed', 'security-tools:completed']);

  // Every execution on this dev server (it serves only this test): the parent, its children, anything else.
  const ids: string[] = [];
  for await (const execution of run.client.workflow.list()) ids.push(execution.workflowId);
  expect(ids).toEqual(expect.arrayContaining([workflowId, ...result.scenarios.map((s) => s.workflowId)]));

  const scan = scanHistories(run.server.address, ids, secrets);
  process.stdout.write(
    `secrets scan: ${scan.histories} histories, ${scan.bytes} bytes of history JSON, ${scan.decodedBytes} bytes of decoded payloads, ` +
      `${secrets.length} secrets in ${secrets.length * 2}+ forms, ${scan.findings.length} found\n`,
  );
  expect(scan.histories).toBeGreaterThanOrEqual(4);
  expect(scan.findings).toEqual([]);

  for (const scenario of result.scenarios) {
    const leftovers = await listRunObjects(tb.kubeconfigPath, runIdFor(scenario.workflowId));
    expect(leftovers.map(describeLeftover)).toEqual([]);
  }
});
