import { stopTestbedIfStartedHere } from './testbed';
import { LANE_SETUP_FAILURE_ENV } from './testRun';

/** Stops the test bed if globalSetup started it, unless HARDENLAB_KEEP_TESTBED is set (keep it for the next run). */
export default async function globalTeardown(): Promise<void> {
  if (process.env.HARDENLAB_NO_TESTBED) return;
  if (process.env.HARDENLAB_KEEP_TESTBED) {
    process.stderr.write('[testbed] HARDENLAB_KEEP_TESTBED is set: leaving the test bed running\n');
    return;
  }
  try {
    if (await stopTestbedIfStartedHere()) process.stderr.write('[testbed] stopped the test bed this run started\n');
  } catch (error) {
    // After a set-up that failed, what it left is removed where possible; the tests already count as not run.
    if (!process.env[LANE_SETUP_FAILURE_ENV]) throw error;
    process.stderr.write(`[testbed] could not remove what the failed set-up left: ${(error as Error).message}\n`);
  }
}
