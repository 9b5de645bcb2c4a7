/**
 * A hardenlab worker in a process of its own, so a fault-injection test can SIGKILL it and start another.
 * Prints `{"ready":true,"pid":…}` once the worker polls its task queue; SIGTERM shuts it down gracefully (the SDK runtime's default signal handling).
 * Run: node -r ./test/support/registerTs.js test/support/workerProcess.ts '{"address":"127.0.0.1:7233","taskQueue":"q"}'
 */
import { startWorker } from '../../worker/runWorker';
import { sharedWorkflowBundle } from './workflowBundle';
import { runWorkerMain } from './workerMain';

interface Args {
  address: string;
  taskQueue: string;
  namespace?: string;
}

runWorkerMain(() => {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args;
  return startWorker({ address: args.address, namespace: args.namespace ?? 'default', taskQueue: args.taskQueue }, process.env, { workflowBundle: sharedWorkflowBundle });
});
