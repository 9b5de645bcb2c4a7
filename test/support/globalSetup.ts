import { ensureTestbed, registerTestbedUser } from './testbed';
import { TEST_RUN_ID_ENV } from './testRun';

/**
 * Jest globalSetup of the shared test bed's project: the test bed runs before any of its tests (started here,
 * or a running one reused; globalTeardown stops it only if it was started here). The test run id lets the
 * files of one run share the full pipeline run (test/support/fullRun.ts).
 */
export default async function globalSetup(): Promise<void> {
  // For tests that need no test bed (the report's Chromium tests): run them while the test bed cannot start.
  if (process.env.HARDENLAB_NO_TESTBED) {
    process.stderr.write('[testbed] HARDENLAB_NO_TESTBED is set: not starting the test bed\n');
    return;
  }
  const testbed = await ensureTestbed();
  registerTestbedUser();
  process.env[TEST_RUN_ID_ENV] ??= `${process.pid}-${Date.now().toString(36)}`;
  process.stderr.write(`[testbed] ${testbed.startedHere ? 'started' : 'reusing'} ${testbed.apiServerUrl} (${testbed.nodeNames.join(', ')})\n`);
}
