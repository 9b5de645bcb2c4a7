import { stopTestbedIfStartedHere } from './testbed';

/** Stops the test bed if globalSetup started it, unless HARDENLAB_KEEP_TESTBED is set (keep it for the next run). */
export default async function globalTeardown(): Promise<void> {
  if (process.env.HARDENLAB_NO_TESTBED) return;
  if (process.env.HARDENLAB_KEEP_TESTBED) {
    process.stderr.write('[testbed] HARDENLAB_KEEP_TESTBED is set: leaving the test bed running\n');
    return;
  }
  if (await stopTestbedIfStartedHere()) process.stderr.write('[testbed] stopped the test bed this run started\n');
}
