import { ensureTestbed, markStartedHere, registerTestbedUser } from './testbed';
import { laneHome } from './lane';
import { LANE_SETUP_FAILURE_ENV } from './testRun';

/**
 * Jest globalSetup of the shared test bed's project. The lane runs in a data folder of its own (HARDENLAB_HOME,
 * inherited by the jest workers and what they start), on a test bed of its own: started here, or a running one
 * of this lane reused; globalTeardown stops it only if it was started here. A user's test bed, in the default
 * data folder or elsewhere, is never used, stopped or changed.
 *
 * A test bed that cannot start does not end the run here: every test that needs it then fails naming the lane
 * and the reason, and test/runner/run-tests.js counts those tests as not run.
 */
export default async function globalSetup(): Promise<void> {
  process.env.HARDENLAB_HOME = laneHome('integration');
  delete process.env[LANE_SETUP_FAILURE_ENV];
  process.stderr.write(`[testbed] this lane's data folder: ${process.env.HARDENLAB_HOME}\n`);
  // For tests that need no test bed (the report's Chromium tests): run them while the test bed cannot start.
  if (process.env.HARDENLAB_NO_TESTBED) {
    process.stderr.write('[testbed] HARDENLAB_NO_TESTBED is set: not starting the test bed\n');
    return;
  }
  // A user before the test bed runs: a run that started it and ends meanwhile must not stop it under this one.
  registerTestbedUser();
  try {
    const testbed = await ensureTestbed();
    process.stderr.write(
      `[testbed] ${testbed.startedHere ? 'started' : 'reusing'} ${testbed.apiServerUrl} (${testbed.nodeNames.join(', ')})\n`,
    );
  } catch (error) {
    const reason = (error as Error).message;
    process.env[LANE_SETUP_FAILURE_ENV] = reason;
    markStartedHere();
    process.stderr.write(`[testbed] the lane's test bed could not start; its tests will not run: ${reason}\n`);
  }
}
