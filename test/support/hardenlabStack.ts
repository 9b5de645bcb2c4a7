/**
 * A complete hardenlab stack for integration tests: the embedded Temporal dev server (with its Web UI),
 * a real worker with the production activities, and a data folder of its own whose worker config file
 * points experiments at the test bed — the way a team's worker is configured, so `{}`-style inputs
 * started from the UI run on the test bed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { stringify } from 'yaml';
import { TASK_QUEUE } from '../../src/config/workerConfig';
import { startDevServer, type DevServer } from '../../src/temporal/devServer';
import { startWorker } from '../../worker/runWorker';
import type { Testbed } from './testbed';
import { sharedWorkflowBundle } from './workflowBundle';
import { temporalCliPath } from '../../src/temporal/binaries';

export interface HardenlabStack {
  server: DevServer;
  client: Client;
  /** The worker's data folder (artifacts, reports); removed by stop() unless HARDENLAB_KEEP_TEST_HOME is set. */
  home: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** `environments`: named environments of the worker config (given the data folder), for inputs that pick one. */
export async function startHardenlabStack(
  testbed: Testbed,
  name: string,
  environments: (home: string) => Record<string, Record<string, unknown>> = () => ({}),
): Promise<HardenlabStack> {
  const home = await mkdtemp(join(tmpdir(), `hardenlab-${name}-`));
  const configFile = join(home, 'config.yaml');
  await writeFile(
    configFile,
    stringify({
      experiment: { cluster: { provider: 'local', kubeconfigPath: testbed.kubeconfigPath }, nodeMapPath: testbed.nodeMapPath },
      environments: environments(home),
    }),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, HARDENLAB_HOME: home, HARDENLAB_CONFIG: configFile };
  const server = await startDevServer({
    temporalCli: temporalCliPath(env),
    port: 0,
    uiPort: 0,
    logFile: join(home, 'temporal-server.log'),
  });
  let worker: Worker | undefined;
  let workerConnection: NativeConnection | undefined;
  let running: Promise<void> | undefined;
  let client: Client | undefined;
  const stop = async () => {
    // A test that failed half-way must not leave its runs' objects on the shared test bed: cancel what
    // still runs (reset follows) while the worker is still there, bounded.
    if (client)
      await cancelRunning(client, 240_000).catch((err) => process.stderr.write(`[stack] cancelling runs: ${(err as Error).message}\n`));
    await client?.connection.close().catch(() => undefined);
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    await workerConnection?.close().catch(() => undefined);
    await server.stop();
    if (!process.env.HARDENLAB_KEEP_TEST_HOME) await rm(home, { recursive: true, force: true });
  };
  try {
    ({ worker, connection: workerConnection } = await startWorker(
      { address: server.address, namespace: 'default', taskQueue: TASK_QUEUE },
      env,
      { workflowBundle: sharedWorkflowBundle },
    ));
    running = worker.run();
    client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: 'default' });
    return { server, client, home, env, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Cancels every running securityExperiment and waits (bounded) until no workflow runs any more. */
export async function cancelRunning(client: Client, timeoutMs: number): Promise<void> {
  const running = async () => {
    const ids: { id: string; type: string }[] = [];
    for await (const w of client.workflow.list({ query: 'ExecutionStatus="Running"' })) ids.push({ id: w.workflowId, type: w.type });
    return ids;
  };
  const first = await running();
  for (const w of first.filter((w) => w.type === 'securityExperiment'))
    await client.workflow
      .getHandle(w.id)
      .cancel()
      .catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  while ((await running()).length > 0) {
    if (Date.now() > deadline) throw new Error(`workflows still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
