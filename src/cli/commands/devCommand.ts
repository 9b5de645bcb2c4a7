import * as path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import type { WorkflowBundleOption } from '@temporalio/worker';
import { hardenlabHome } from '../../config/paths';
import type { LoadedWorkerConfig } from '../../scenarios/resolveExperiment';
import { configFilePath, loadWorkerConfig } from '../../config/workerConfig';
import { startDevServer, type DevServer } from '../../temporal/devServer';
import { installRuntime } from '../../temporal/runtime';
import { runningTestbedEnvironment, TESTBED_UP_COMMAND, type TestbedEnvironment } from '../../testbed/workerEnvironment';
import { startWorker, stopWorker } from '../../../worker/runWorker';
import { startLink, untilSignal } from './shared';
import { temporalCliPath } from '../../temporal/binaries';

export interface DevOptions {
  port: number;
  uiPort: number;
  worker: boolean;
}

/** What tests vary; `hardenlab dev` uses the defaults. */
export interface DevSetup {
  /** The worker's environment variables (data folder, config file); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The data folder whose test bed the worker uses when there is no config file; default the data folder. */
  testbedHome?: string;
  log?: (line: string) => void;
  /** A prebuilt workflow bundle (tests share one); by default the worker bundles. */
  workflowBundle?: (dataConverter: DataConverter | undefined) => Promise<WorkflowBundleOption>;
}

export interface RunningDev {
  server: DevServer;
  taskQueue: string;
  stop(): Promise<void>;
}

/** `hardenlab dev`: the embedded Temporal dev server (persisted, so a restart keeps running workflows) plus a worker. */
export async function devCommand(opts: DevOptions): Promise<void> {
  installRuntime('INFO', process.env);
  const dev = await startDev(opts);
  if (opts.worker) console.log('Ctrl-C stops the server and the worker.');
  await untilSignal();
  await dev.stop();
}

/** Starts the dev server and (unless `worker: false`) a worker for it, and says where `{}` will run. */
export async function startDev(opts: DevOptions, setup: DevSetup = {}): Promise<RunningDev> {
  const env = setup.env ?? process.env;
  const log = setup.log ?? ((line: string) => console.log(line));
  const home = hardenlabHome(env);
  const loaded = await loadWorkerConfig(env);
  const server = await startDevServer({
    temporalCli: temporalCliPath(env),
    port: opts.port,
    uiPort: opts.uiPort,
    dbFile: path.join(home, 'temporal', 'dev.db'),
    logFile: path.join(home, 'temporal', 'dev-server.log'),
  });
  const temporal = { ...loaded.config.temporal, address: server.address };
  log(`Temporal dev server: ${server.address}`);
  log(`Temporal Web UI:     ${server.uiUrl}`);
  log(`Start an experiment: ${startLink(server.uiUrl, temporal.taskQueue)}`);
  if (!opts.worker) return { server, taskQueue: temporal.taskQueue, stop: () => server.stop() };
  try {
    const workerConfig = devWorkerConfig(env, setup.testbedHome ?? home);
    describeEnvironment(await workerConfig(), configFilePath(env), log);
    const { worker, connection } = await startWorker(temporal, env, { workerConfig, workflowBundle: setup.workflowBundle });
    const running = worker.run();
    log(`Worker on task queue "${temporal.taskQueue}".`);
    return {
      server,
      taskQueue: temporal.taskQueue,
      async stop() {
        stopWorker(worker);
        await running;
        await connection.close();
        await server.stop();
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

type DevWorkerConfig = LoadedWorkerConfig & { testbed?: TestbedEnvironment };

/**
 * The dev worker's config, looked up for every run: the config file when there is one, else the running
 * test bed (so a test bed started after `dev` is used without a restart). The dev server has hardenlab's
 * search attributes, so runs set them.
 */
function devWorkerConfig(env: NodeJS.ProcessEnv, testbedHome: string): () => Promise<DevWorkerConfig> {
  return async () => {
    const loaded = await loadWorkerConfig(env);
    const config = { ...loaded.config, temporal: { ...loaded.config.temporal, searchAttributes: true } };
    if (loaded.file) return { config, file: loaded.file };
    const testbed = await runningTestbedEnvironment({ env, home: testbedHome });
    return testbed ? { config: { ...config, experiment: { ...config.experiment, ...testbed.experiment } }, testbed } : { config };
  };
}

function describeEnvironment(config: DevWorkerConfig, configFile: string, log: (line: string) => void): void {
  if (config.file) {
    log(`Worker environment: from ${config.file} (read again for every run).`);
  } else if (config.testbed) {
    log(`No config file (${configFile}): the worker is configured for the running test bed.`);
    log(`  kubeconfig ${config.testbed.kubeconfigPath}`);
    log(`  node map   ${config.testbed.nodeMapPath} (SSH key and known_hosts beside it)`);
  } else {
    log(`No config file (${configFile}) and no test bed running: experiments have no cluster to run on.`);
    log(`Start the test bed (runs started afterwards use it, no restart needed):  ${TESTBED_UP_COMMAND}`);
  }
}
