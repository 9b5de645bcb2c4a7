/**
 * A real Temporal dev server and a real hardenlab worker (production activities) for one test file,
 * on a task queue of its own; `stop` shuts both down, bounded.
 */
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import * as path from 'node:path';
import type { WorkerConfig } from '../../src/config/workerConfig';
import { startDevServer, type DevServer } from '../../src/temporal/devServer';
import { startWorker } from '../../worker/runWorker';
import { sharedWorkflowBundle } from './workflowBundle';
import { temporalCliPath } from '../../src/temporal/binaries';

export interface WorkerRun {
  server: DevServer;
  client: Client;
  temporal: WorkerConfig['temporal'];
  worker: Worker;
  /** Settles when worker.run() ends; rejects if the worker crashed. */
  running: Promise<void>;
  stop(): Promise<void>;
}

export interface WorkerRunOptions {
  /** Folder for the dev server's log. */
  dir: string;
  taskQueue: string;
  /** The worker's environment (config file, tokens). */
  env?: NodeJS.ProcessEnv;
  /**
   * Client and worker data converter (otherwise the worker takes it from its config, like production).
   */
  dataConverter?: DataConverter;
  /** Where the local test bed lives, when not in the process's own data folder (a real-node bed of the test's). */
  testbedEnv?: NodeJS.ProcessEnv;
}

const bounded = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms).unref()),
  ]);

export async function startWorkerRun(options: WorkerRunOptions): Promise<WorkerRun> {
  const env = options.env ?? process.env;
  const server = await startDevServer({ temporalCli: temporalCliPath(process.env), logFile: path.join(options.dir, 'temporal.log') });
  const temporal: WorkerConfig['temporal'] = { address: server.address, namespace: 'default', taskQueue: options.taskQueue };
  try {
    const { worker, connection } = await startWorker(temporal, env, {
      dataConverter: options.dataConverter,
      workflowBundle: sharedWorkflowBundle,
      testbedEnv: options.testbedEnv,
    });
    const running = worker.run();
    const clientConnection = await Connection.connect({ address: server.address });
    const client = new Client({ connection: clientConnection, namespace: 'default', dataConverter: options.dataConverter });
    return {
      server,
      client,
      temporal,
      worker,
      running,
      async stop() {
        try {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await bounded(running, 30_000, 'worker shutdown');
        } finally {
          await clientConnection.close();
          await connection.close();
          await server.stop();
        }
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
