/**
 * The measured window: a durable timer that wakes every healthCheckSeconds to check the samplers. It runs in
 * workflow time, which survives worker restarts and time skipping.
 */
import { isCancellation, patched, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { HardenlabActivities } from '../src/domain/activities';
import type { ScenarioRecord } from '../src/domain/contracts';
import type { ScenarioProgress } from '../src/domain/progress';
import { healthCheckOptions } from './activityOptions';
import { describeFailure } from './failures';
import { recordHealth } from './health';
import { windowProgress } from './progressSnapshot';
import type { StepRunner } from './stepRunner';
import { PATCHES } from './patches';

// A local activity: an hourly health check then costs one marker event instead of three activity events,
// which keeps a 24 h scenario's history small.
const healthActs = proxyLocalActivities<Pick<HardenlabActivities, 'checkSampling'>>(healthCheckOptions);

export interface SamplingWindow {
  runId: string;
  /** The node map the samplers run from; undefined when nothing is sampled. */
  nodes: string | undefined;
  samplingStarted: boolean;
  sampledNodes: string[];
  start: number;
  end: number;
  healthCheckSeconds: number;
  /** Runs that record a failed check as a gap (PATCHES.healthChecksRecordGaps) rather than asking the operator. */
  healthRecordsGaps: boolean;
}

/** Sleeps until the window ends, checking the samplers' health on the way. */
export async function waitOutWindow(
  w: SamplingWindow,
  record: ScenarioRecord,
  progress: ScenarioProgress,
  step: StepRunner,
  refreshDetails: () => void,
): Promise<void> {
  const { runId, nodes, start: windowStart, end: windowEnd } = w;
  let lastCheck = windowStart;
  const period = w.healthCheckSeconds * 1000;
  // Earlier runs slept a period after each check, so each check's run time (seconds on a loaded cluster) pushed every
  // later one back: a day of minute checks lost some. On the grid, the next check is due at the next multiple.
  const onGrid = patched(PATCHES.healthChecksOnGrid);
  while (Date.now() < windowEnd) {
    progress.step = 'sampling-window';
    progress.window = windowProgress(windowStart, windowEnd, Date.now());
    refreshDetails();
    const due = windowStart + (Math.floor((Date.now() - windowStart) / period) + 1) * period;
    const pause = onGrid ? Math.min(due, windowEnd) - Date.now() : Math.min(period, windowEnd - Date.now());
    await sleep(pause, { summary: 'sampling window' });
    if (w.samplingStarted && nodes && Date.now() < windowEnd) {
      const check = () => healthActs.checkSampling({ runId, nodeMapPath: nodes });
      if (w.healthRecordsGaps) {
        // Checking changes nothing on the cluster: a failed check is a gap on the node, not an operator's question.
        const outcome = await check().then(
          (health) => ({ health }),
          (err: unknown) => {
            if (isCancellation(err)) throw err;
            return { error: describeFailure(err) };
          },
        );
        recordHealth(record.sampling!, outcome, w.sampledNodes, lastCheck, Date.now());
      } else {
        const health = await step('sampling-window', check);
        recordHealth(record.sampling!, { health }, [], lastCheck, Date.now());
        delete record.sampling!.healthChecks;
      }
      lastCheck = Date.now();
    }
  }
  progress.window = windowProgress(windowStart, windowEnd, Date.now());
}
