/**
 * The whole pipeline for real: the Temporal CLI dev server, a worker with the production activities,
 * the test bed's kube-apiserver with KWOK nodes, sshd + sysstat node hosts, kube-bench and kube-hunter.
 */
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Worker } from '@temporalio/worker';
import type { ScenarioRecord } from '../../src/domain/contracts';
import { hardenlabHome } from '../../src/config/paths';
import { startDevServer, type DevServer } from '../../src/temporal/devServer';
import { startWorker } from '../../worker/runWorker';
import { securityExperiment } from '../../workflows';
import { recordHistories } from '../support/histories';
import { ensureTestbed, type Testbed } from '../support/testbed';
import { sharedWorkflowBundle } from '../support/workflowBundle';

jest.setTimeout(15 * 60_000);

let testbed: Testbed;
let server: DevServer;
let client: Client;
const workers: { worker: Worker; running: Promise<void>; close: () => Promise<void> }[] = [];

async function runWorker(taskQueue: string, env: NodeJS.ProcessEnv = process.env) {
  const { worker, connection } = await startWorker({ address: server.address, namespace: 'default', taskQueue }, env, { workflowBundle: await sharedWorkflowBundle() });
  const running = worker.run();
  workers.push({ worker, running, close: () => connection.close() });
}

beforeAll(async () => {
  testbed = await ensureTestbed();
  server = await startDevServer({});
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
});

afterAll(async () => {
  for (const w of workers) {
    w.worker.shutdown();
    await w.running.catch(() => undefined);
    await w.close();
  }
  await client?.connection.close();
  await server?.stop();
});

test('all three scenarios run on the test bed and write the report', async () => {
  await runWorker('it-pipeline');
  const workflowId = `it-pipeline-${Date.now()}`;
  const input = {
    cluster: { provider: 'local' as const },
    window: { durationSeconds: 20, intervalSeconds: 2, healthCheckSeconds: 10 },
    workload: { loadBalancerWaitSeconds: 5 },
  };
  const result = await client.workflow.execute(securityExperiment, { taskQueue: 'it-pipeline', workflowId, args: [input] });
  expect(result.scenarios.map((s) => [s.scenario, s.status, s.error ?? ''])).toEqual(
    expect.arrayContaining([
      ['baseline', 'completed', ''],
      ['best-practices', 'completed', ''],
      ['security-tools', 'completed', ''],
    ]),
  );
  expect(result.partial).toBe(false);
  const html = await fs.readFile(result.htmlPath!, 'utf8');
  expect(html).toContain('<svg');

  for (const s of result.scenarios) {
    const record = JSON.parse(await fs.readFile(path.join(hardenlabHome(), s.artifactKey, 'scenario-record.json'), 'utf8')) as ScenarioRecord;
    // Every node sampled at 2 s over a 20 s window, and nothing left behind on the cluster.
    expect(record.collect?.nodes).toHaveLength(testbed.nodeNames.length);
    for (const node of record.collect!.nodes) expect(node.cpuSamples).toBeGreaterThanOrEqual(8);
    expect(record.reset?.leftovers).toEqual([]);
    expect(record.deploy?.replicas).toBe(5);
    if (s.scenario === 'best-practices') expect(record.harden?.evidence.every((e) => e.passed)).toBe(true);
    if (s.scenario === 'security-tools') expect(record.tools?.map((t) => `${t.tool}/${t.mode}`)).toEqual(['kube-bench/node', 'kube-hunter/remote']);
  }
  await recordHistories(server.address, 'testbed', [workflowId, ...result.scenarios.map((s) => s.workflowId)]);
});

test('{} from the UI on an unconfigured worker fails at once, naming the missing settings', async () => {
  const emptyHome = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-unconfigured-'));
  await runWorker('it-unconfigured', { ...process.env, HARDENLAB_HOME: emptyHome, HARDENLAB_CONFIG: '', KUBECONFIG: path.join(emptyHome, 'no-kubeconfig') });
  const started = Date.now();
  const err = await client.workflow.execute('securityExperiment', { taskQueue: 'it-unconfigured', workflowId: `it-unconfigured-${Date.now()}`, args: [{}] }).catch((e: unknown) => e);
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe('InvalidInput');
  expect(cause.message).toContain('cluster.kubeconfigPath');
  expect(cause.message).toContain('nodeMapPath');
});
