import type { NativeConnection, Worker } from '@temporalio/worker';

/**
 * The main of a worker child process (workerProcess.ts, teamWorker.ts): starts the worker, prints
 * `{"ready":true,"pid":…}` once it polls, runs until shut down (SIGTERM: the SDK runtime's default handling),
 * then exits 0; a failure exits 1 with its stack on stderr.
 */
export function runWorkerMain(start: () => Promise<{ worker: Worker; connection: NativeConnection }>): void {
  const main = async () => {
    const { worker, connection } = await start();
    const running = worker.run();
    process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
    await running;
    await connection.close();
  };
  main().then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
