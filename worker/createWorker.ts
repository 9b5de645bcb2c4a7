import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { HardenlabActivities } from '../src/domain/activities';

export interface HardenlabWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: HardenlabActivities;
  /** Extra worker options (tests shorten shutdown, set identities, …). */
  overrides?: Partial<WorkerOptions>;
}

/** The worker: both workflow types and every activity on one task queue. */
export function createHardenlabWorker(options: HardenlabWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: options.activities,
    // Scenario steps are slow and few; several scenarios may run in parallel on one worker.
    maxConcurrentActivityTaskExecutions: 20,
    shutdownGraceTime: '10 seconds',
    ...options.overrides,
  });
}
