/** One time-skipping server per test file, and a worker on a fresh task queue per run with activity doubles. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createHardenlabWorker } from '../../worker/createWorker';
import { createTimeSkippingEnv } from '../support/temporal';
import { sharedWorkflowBundle } from '../support/workflowBundle';
import type { createActivityDoubles } from './doubles';

export function timeSkippingHarness(queuePrefix: string) {
  let env: TestWorkflowEnvironment | undefined;
  let queue = 0;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
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
      return worker.runUntil(fn(taskQueue, worker));
    },
  };
}
