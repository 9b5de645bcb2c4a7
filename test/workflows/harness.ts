/** One time-skipping server per test file, and a worker on a fresh task queue per run with activity doubles. */
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { scenarioProgressQuery } from '../../workflows';
import type { ScenarioProgress } from '../../src/domain/progress';
import { createHardenlabWorker } from '../../worker/createWorker';
import { createTimeSkippingEnv } from '../support/temporal';
import { sharedWorkflowBundle } from '../support/workflowBundle';
import type { createActivityDoubles } from './doubles';

export interface ProgressPoll {
  /** Server time skipped between two queries. */
  advanceMs: number;
  /** Queries before giving up: a wait that cannot end fails with what it saw instead of hanging until jest's timeout. */
  maxQueries: number;
}

export function timeSkippingHarness(queuePrefix: string) {
  let env: TestWorkflowEnvironment | undefined;
  let queue = 0;
  // Workers still running when the file ends (a test failed or timed out inside runUntil): shut down before the
  // server, so one failure does not also fail the teardown.
  const running = new Set<{ worker: Worker; done: Promise<unknown> }>();
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    for (const run of running) {
      if (run.worker.getState() === 'RUNNING') run.worker.shutdown();
      await run.done.catch(() => undefined);
    }
    await env?.teardown();
  });
  return {
    get env(): TestWorkflowEnvironment {
      if (!env) throw new Error('the time-skipping server is not up (use the harness inside tests)');
      return env;
    },
    async withWorker<T>(doubles: ReturnType<typeof createActivityDoubles>, fn: (taskQueue: string, worker: Worker) => Promise<T>): Promise<T> {
      const taskQueue = `${queuePrefix}-${++queue}`;
      const worker = await createHardenlabWorker({ connection: this.env.nativeConnection, namespace: 'default', taskQueue, activities: doubles.activities, workflowBundle: await sharedWorkflowBundle() });
      const done = worker.runUntil(fn(taskQueue, worker));
      const run = { worker, done };
      running.add(run);
      try {
        return await done;
      } finally {
        running.delete(run);
      }
    },
    /**
     * Queries a scenario's progress until `until` accepts it, skipping `advanceMs` of server time between queries.
     * A query may fail while the child has not started yet; that counts as one attempt.
     */
    async waitForProgress(workflowId: string, until: (progress: ScenarioProgress) => boolean, poll: ProgressPoll): Promise<ScenarioProgress> {
      const handle = this.env.client.workflow.getHandle(workflowId);
      let last: ScenarioProgress | string = 'no answer yet';
      for (let attempt = 1; attempt <= poll.maxQueries; attempt++) {
        const progress = await handle.query(scenarioProgressQuery).catch((error: unknown) => `query failed: ${(error as Error).message}`);
        if (typeof progress !== 'string' && until(progress)) return progress;
        last = progress;
        await this.env.sleep(poll.advanceMs);
      }
      throw new Error(`${workflowId}: the awaited progress did not come after ${poll.maxQueries} queries ${poll.advanceMs} ms apart; last: ${JSON.stringify(last)}`);
    },
  };
}

/** The patch ids a history marks: patched() records one marker per id it returned true for. */
export function patchMarkers(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [JSON.parse(Buffer.from(data).toString('utf8')).id as string] : [];
  });
}
