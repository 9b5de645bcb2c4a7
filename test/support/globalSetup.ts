import * as fs from 'node:fs';
import * as path from 'node:path';
import { adoptTestbed, ensureTestbed, registerTestbedUser } from './testbed';
import { TEST_RUN_ID_ENV, testRunsDir } from './testRun';

/**
 * Jest globalSetup of the test bed's projects: the test bed runs before any of their tests. When one test run
 * spans several jest runs (scripts/run-tests.js: the parallel files, then the fault tests alone), the first
 * keeps the test bed it started (HARDENLAB_KEEP_TESTBED) and leaves a note, so the last one stops it.
 */
export default async function globalSetup(): Promise<void> {
  // For tests that need no test bed (the report's Chromium tests): run them while the test bed cannot start.
  if (process.env.HARDENLAB_NO_TESTBED) {
    process.stderr.write('[testbed] HARDENLAB_NO_TESTBED is set: not starting the test bed\n');
    return;
  }
  const testbed = await ensureTestbed();
  registerTestbedUser();
  const runId = (process.env[TEST_RUN_ID_ENV] ??= `${process.pid}-${Date.now().toString(36)}`);
  const startedNote = path.join(testRunsDir, `${runId}.testbed-started`);
  if (testbed.startedHere && process.env.HARDENLAB_KEEP_TESTBED) {
    fs.mkdirSync(testRunsDir, { recursive: true });
    fs.writeFileSync(startedNote, String(process.pid));
  } else if (!testbed.startedHere && fs.existsSync(startedNote)) {
    adoptTestbed();
    fs.rmSync(startedNote, { force: true });
  }
  process.stderr.write(`[testbed] ${testbed.startedHere ? 'started' : 'reusing'} ${testbed.apiServerUrl} (${testbed.nodeNames.join(', ')})\n`);
}
