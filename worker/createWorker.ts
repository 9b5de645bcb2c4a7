import { NativeConnection, Worker, type WorkflowBundleOption, type WorkerOptions } from '@temporalio/worker';
import type { HardenlabActivities } from '../src/domain/activities';

export interface HardenlabWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: HardenlabActivities;
  /** A prebuilt workflow bundle (tests share one); by default the worker bundles workflows/ itself. */
  workflowBundle?: WorkflowBundleOption;
  /** Extra worker options (tests shorten shutdown, set identities, …). */
  overrides?: Partial<WorkerOptions>;
}

/** The worker: both workflow types and every activity on one task queue. */
export function createHardenlabWorker(options: HardenlabWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: options.activities,
    // Scenario steps are slow and few; several scenarios may run in parallel on one worker.
    maxConcurrentActivityTaskExecutions: 20,
    shutdownGraceTime: '10 seconds',
    ...options.overrides,
  });
}
