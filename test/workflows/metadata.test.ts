/**
 * What the Temporal UI shows of a run: each child's summary (`baseline #1`), each activity's and the
 * window timer's summary (user metadata), and the search attributes the workflow list filters by — set
 * only when the worker config says the namespace has them.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../src/domain/searchAttributes';
import { securityExperiment } from '../../workflows';
import { createActivityDoubles } from './doubles';
import { timeSkippingHarness } from './harness';

jest.setTimeout(120_000);

const harness = timeSkippingHarness('wf-meta');
const INPUT = { window: { durationSeconds: 3600, intervalSeconds: 60, healthCheckSeconds: 1800 } };
const SCENARIOS = ['baseline', 'best-practices', 'security-tools'] as const;

const text = (payload: temporal.api.common.v1.IPayload | null | undefined) =>
  payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;

/** The summaries of a workflow's scheduled activities and started timers, in history order. */
async function commandSummaries(handle: WorkflowHandle): Promise<string[]> {
  const { events } = await handle.fetchHistory();
  return events!
    .filter((e) => e.activityTaskScheduledEventAttributes || e.timerStartedEventAttributes)
    .map((e) => text(e.userMetadata?.summary) ?? '(none)');
}

function attributesOf(description: Awaited<ReturnType<WorkflowHandle['describe']>>) {
  const { experiment, scenario, repetition } = SEARCH_ATTRIBUTES;
  const sa = description.typedSearchAttributes;
  return { experiment: sa.get(experiment), scenario: sa.get(scenario), repetition: sa.get(repetition) };
}

test('children read "<scenario> #<repetition>", activities say what they do, and the search attributes name the run', async () => {
  const doubles = createActivityDoubles();
  const client = harness.env.client;
  await harness.withWorker(doubles, (taskQueue) =>
    client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-meta', args: [INPUT] }),
  );

  expect(attributesOf(await client.workflow.getHandle('exp-meta').describe())).toEqual({
    experiment: 'exp-meta',
    scenario: undefined,
    repetition: undefined,
  });
  for (const scenario of SCENARIOS) {
    const child = client.workflow.getHandle(`exp-meta/${scenario}/1`);
    const description = await child.describe();
    expect(await description.staticSummary()).toBe(`${scenario} #1`);
    expect(attributesOf(description)).toEqual({ experiment: 'exp-meta', scenario, repetition: 1 });
  }

  // The doubles' node map has one node, n1: kube-bench's node mode runs on it (the node map's first).
  const tools = await commandSummaries(client.workflow.getHandle('exp-meta/security-tools/1'));
  expect(tools).toEqual([
    'provision a local cluster',
    expect.stringMatching(/^deploy the workload into hl-tools-r1-[0-9a-f]{8}$/),
    'start sadc on every node, every 60 s',
    'kube-bench node on n1',
    'kube-hunter remote against the API server',
    'Trivy misconfiguration scan from the worker',
    'Trivy k8s-cis-1.23 compliance report from the worker',
    'sampling window',
    'sampling window',
    'stop sadc on every node',
    'collect the samples from every node',
    "read every node's boot time",
    expect.stringMatching(/^attack battery in hl-tools-r1-[0-9a-f]{8}$/),
    'remove the sampler files from every node',
    expect.stringMatching(/^reset: delete hl-tools-r1-[0-9a-f]{8} and the run's objects$/),
    'record security-tools #1',
  ]);
  expect(await commandSummaries(client.workflow.getHandle('exp-meta'))).toEqual([
    'resolve the input against the worker config',
    'build the report',
  ]);
});

test('a worker whose namespace lacks the search attributes sets none (and still names children and steps)', async () => {
  const doubles = createActivityDoubles({ searchAttributes: false });
  const client = harness.env.client;
  const input = { ...INPUT, scenarios: ['baseline' as const] };
  await harness.withWorker(doubles, (taskQueue) =>
    client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-meta-off', args: [input] }),
  );
  expect(attributesOf(await client.workflow.getHandle('exp-meta-off').describe())).toEqual({
    experiment: undefined,
    scenario: undefined,
    repetition: undefined,
  });
  const child = await client.workflow.getHandle('exp-meta-off/baseline/1').describe();
  expect(attributesOf(child)).toEqual({ experiment: undefined, scenario: undefined, repetition: undefined });
  expect(await child.staticSummary()).toBe('baseline #1');
});
