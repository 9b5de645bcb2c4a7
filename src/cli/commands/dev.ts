import * as path from 'node:path';
import { hardenlabHome } from '../../config/paths';
import { startDevServer } from '../../temporal/devServer';
import { installRuntime } from '../../temporal/runtime';
import { startWorker, stopWorker } from '../../../worker/runWorker';
import { startLink, temporalSettings, untilSignal } from './shared';

/** `hardenlab dev`: the embedded Temporal dev server (persisted, so a restart keeps running workflows) plus a worker. */
export async function devCommand(opts: { port: number; uiPort: number; worker: boolean }): Promise<void> {
  installRuntime('INFO');
  const home = hardenlabHome();
  const server = await startDevServer({
    port: opts.port,
    uiPort: opts.uiPort,
    dbFile: path.join(home, 'temporal', 'dev.db'),
    logFile: path.join(home, 'temporal', 'dev-server.log'),
  });
  const temporal = { ...(await temporalSettings()), address: server.address };
  console.log(`Temporal dev server: ${server.address}`);
  console.log(`Temporal Web UI:     ${server.uiUrl}`);
  console.log(`Start an experiment: ${startLink(server.uiUrl, temporal.taskQueue)}`);
  let stopAll = async () => undefined as void;
  if (opts.worker) {
    const { worker, connection } = await startWorker(temporal);
    const running = worker.run();
    stopAll = async () => {
      stopWorker(worker);
      await running;
      await connection.close();
    };
    console.log(`Worker on task queue "${temporal.taskQueue}". Ctrl-C stops both.`);
  }
  await untilSignal();
  await stopAll();
  await server.stop();
}
