/**
 * Issue 25 on the real components (Temporal dev server, a real worker with the production activities):
 * a `scenarioRun` started directly, as anyone with the UI can, fails as InvalidInput before any activity
 * runs and nothing reaches the Linode URL its input names; and an experiment input with a prototype key over
 * any environment field fails as InvalidInput naming the key, one started workflow per field, every variant kind.
 * Needs no test bed: every case must end before a cluster is touched.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { validateExperiment, type ExperimentInput } from '../../src/config/experiment';
import { scenarioKey } from '../../src/domain/naming';
import { experimentRunKey } from '../../src/store/runFolder';
import type { ScenarioRunInput } from '../../workflows/scenarioRun';
import { ENVIRONMENT_FIELD_NAMES, prototypeVariant, refusalText, VARIANT_KINDS } from '../support/prototypeVariants';
import { tempDir } from '../support/tempDir';
import { startWorkerRun, type WorkerRun } from '../support/workerRun';

jest.setTimeout(300_000);

const suffix = Date.now().toString(36);
const TOKEN_VARIABLE = 'HARDENLAB_TRUST_TEST_TOKEN';
// Any well-formed Temporal run id: the victim's folder the forged input names.
const VICTIM_RUN_ID = '00000000-0000-4000-8000-000000000001';
let dir: string;
let run: WorkerRun;
let listener: net.Server;
let connections = 0;
let apiUrl: string;

beforeAll(async () => {
  dir = await tempDir('hardenlab-trust-it-');
  const configFile = path.join(dir, 'config.yaml');
  await fs.writeFile(configFile, stringify({ experiment: { cluster: { provider: 'local' } } }));
  listener = net.createServer((socket) => socket.destroy());
  listener.on('connection', () => connections++);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/`;
  const env = {
    ...process.env,
    HARDENLAB_CONFIG: configFile,
    HARDENLAB_HOME: path.join(dir, 'home'),
    [TOKEN_VARIABLE]: 'worker-secret-token',
  };
  run = await startWorkerRun({ dir, taskQueue: `trust-${suffix}`, env });
});

afterAll(async () => {
  await run?.stop();
  await new Promise((resolve) => listener?.close(resolve));
});

async function failureOf(
  workflowType: 'scenarioRun' | 'securityExperiment',
  workflowId: string,
  input: unknown,
): Promise<ApplicationFailure> {
  const error = await run.client.workflow
    .execute(workflowType, { taskQueue: run.temporal.taskQueue, workflowId, args: [input as never], workflowExecutionTimeout: '2 minutes' })
    .then(
      () => new Error('workflow completed instead of failing'),
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe('InvalidInput');
  return cause as ApplicationFailure;
}

async function scheduledActivities(workflowId: string): Promise<string[]> {
  const history = await run.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .filter(
      (e) =>
        e.eventType === proto.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED ||
        e.eventType === proto.api.enums.v1.EventType.EVENT_TYPE_MARKER_RECORDED,
    )
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? e.markerRecordedEventAttributes?.markerName ?? '?')
    .filter((name) => name !== 'core_patch');
}

test('a scenarioRun started directly with a Linode apiUrl and tokenEnv fails as InvalidInput naming them; nothing reaches the URL', async () => {
  const design = validateExperiment({
    cluster: { provider: 'linode', linode: { apiUrl, tokenEnv: TOKEN_VARIABLE, ssh: { user: 'sampler' } } },
    tools: { kubeBench: { binaryPath: '/tmp/evil-kube-bench' }, kubeHunter: { active: true } },
    scenarios: ['baseline'],
  });
  if (!design.ok) throw new Error(JSON.stringify(design.errors));
  const workflowId = `direct-${suffix}`;
  const input: ScenarioRunInput = {
    experimentId: 'victim',
    scenario: 'baseline',
    repetition: 1,
    config: design.config,
    artifactKey: scenarioKey(experimentRunKey('victim', VICTIM_RUN_ID), 'baseline', 1),
    definitionsKey: experimentRunKey('victim', VICTIM_RUN_ID),
  };
  const failure = await failureOf('scenarioRun', workflowId, input);
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain('scenarioRun was started directly');
  for (const field of [
    'config.cluster.linode.apiUrl',
    'config.cluster.linode.tokenEnv',
    'config.tools.kubeBench.binaryPath',
    'config.tools.kubeHunter.active',
    'artifactKey',
    'definitionsKey',
  ]) {
    expect(failure.message).toContain(field);
  }
  expect(failure.message).not.toContain('worker-secret-token');
  // Before any activity: no activity scheduled, and the URL saw no connection at all.
  expect(await scheduledActivities(workflowId)).toEqual([]);
  expect(connections).toBe(0);
});

// Field i through kind i mod 4: every field once, and with 13 fields every kind at least three times.
test.each(ENVIRONMENT_FIELD_NAMES.map((field, i) => [field, VARIANT_KINDS[i % VARIANT_KINDS.length]!] as const))(
  'a started experiment whose input sets %s through %s fails as InvalidInput naming the key',
  async (field, kind) => {
    const variant = prototypeVariant(kind, field, field.endsWith('apiUrl') ? JSON.stringify(apiUrl) : 'true', { repetitions: 1 });
    const input = JSON.parse(variant.json) as ExperimentInput;
    const workflowId = `proto-${field.replace(/\./g, '-')}-${suffix}`;
    const failure = await failureOf('securityExperiment', workflowId, input);
    expect(failure.message).toContain(refusalText(variant));
    // Refused by the resolve activity: nothing after it ran.
    expect((await scheduledActivities(workflowId)).filter((name) => name !== 'resolveExperiment')).toEqual([]);
    expect(connections).toBe(0);
  },
);
