/**
 * A hardenlab worker in a process of its own, so a fault-injection test can SIGKILL it and start another.
 * Prints `{"ready":true,"pid":…}` once the worker polls its task queue; SIGTERM shuts it down gracefully (the SDK runtime's default signal handling).
 * Run: node -r ./test/support/registerTs.js test/support/workerProcess.ts '{"address":"127.0.0.1:7233","taskQueue":"q"}'
 */
import { startWorker } from '../../worker/runWorker';
import { sharedWorkflowBundle } from './workflowBundle';

interface Args {
  address: string;
  taskQueue: string;
  namespace?: string;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args;
  const { worker, connection } = await startWorker({ address: args.address, namespace: args.namespace ?? 'default', taskQueue: args.taskQueue }, process.env, { workflowBundle: sharedWorkflowBundle });
  const running = worker.run();
  process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
  await running;
  await connection.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
