import { ensureTestbed, registerTestbedUser } from './testbed';

/** Jest globalSetup of the integration project: the test bed runs before any integration test. */
export default async function globalSetup(): Promise<void> {
  // For tests that need no test bed (the report's Chromium tests): run them while the test bed cannot start.
  if (process.env.HARDENLAB_NO_TESTBED) {
    process.stderr.write('[testbed] HARDENLAB_NO_TESTBED is set: not starting the test bed\n');
    return;
  }
  const testbed = await ensureTestbed();
  registerTestbedUser();
  process.stderr.write(`[testbed] ${testbed.startedHere ? 'started' : 'reusing'} ${testbed.apiServerUrl} (${testbed.nodeNames.join(', ')})\n`);
}
