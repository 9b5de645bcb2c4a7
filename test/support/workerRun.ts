/**
 * A real Temporal dev server and a real hardenlab worker (production activities) for one test file,
 * on a task queue of its own; `stop` shuts both down, bounded.
 */
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import * as path from 'node:path';
import { createActivities } from '../../activities';
import type { WorkerConfig } from '../../src/config/workerConfig';
import { hardenlabHome } from '../../src/config/paths';
import { Ssh2Connector } from '../../src/ssh';
import { ArtifactStore } from '../../src/store/artifactStore';
import { startDevServer, type DevServer } from '../../src/temporal/devServer';
import { loadToolKubeClient } from '../../src/tools/kubeAccess';
import { defaultToolBinaries } from '../../src/tools/install';
import { createHardenlabWorker } from '../../worker/createWorker';
import { startWorker } from '../../worker/runWorker';

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
   * Client and worker data converter. When set, the worker is built like `startWorker` builds it but with
   * this converter (startWorker takes it from the config once the lead wires `dataConverterFor`).
   */
  dataConverter?: DataConverter;
}

const bounded = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms).unref())]);

async function encryptingWorker(temporal: WorkerConfig['temporal'], env: NodeJS.ProcessEnv, dataConverter: DataConverter) {
  const connection = await NativeConnection.connect({ address: temporal.address });
  const store = new ArtifactStore(hardenlabHome(env));
  const activities = createActivities({ store, ssh: new Ssh2Connector(), toolKube: (ref) => loadToolKubeClient(ref), toolBinaries: defaultToolBinaries(env), env });
  const worker = await createHardenlabWorker({ connection, namespace: temporal.namespace, taskQueue: temporal.taskQueue, activities, overrides: { dataConverter } });
  return { worker, connection };
}

export async function startWorkerRun(options: WorkerRunOptions): Promise<WorkerRun> {
  const env = options.env ?? process.env;
  const server = await startDevServer({ logFile: path.join(options.dir, 'temporal.log') });
  const temporal: WorkerConfig['temporal'] = { address: server.address, namespace: 'default', taskQueue: options.taskQueue };
  try {
    const { worker, connection } = options.dataConverter ? await encryptingWorker(temporal, env, options.dataConverter) : await startWorker(temporal, env);
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
