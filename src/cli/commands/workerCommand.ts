import { installRuntime } from '../../temporal/runtime';
import { startWorker, stopWorker } from '../../../worker/runWorker';
import { temporalSettings, untilSignal } from './shared';

/** `hardenlab worker`: serves the task queue until SIGINT/SIGTERM, then drains. */
export async function workerCommand(): Promise<void> {
  installRuntime('INFO', process.env);
  const temporal = await temporalSettings();
  const { worker, connection } = await startWorker(temporal);
  console.log(`hardenlab worker: ${temporal.address}, namespace ${temporal.namespace}, task queue "${temporal.taskQueue}"`);
  const running = worker.run();
  await Promise.race([running, untilSignal().then(() => stopWorker(worker))]);
  await running;
  await connection.close();
}
