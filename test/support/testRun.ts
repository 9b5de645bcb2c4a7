/**
 * What the files of one test run share: an id (set by the shared test bed's globalSetup unless given) and a
 * folder for what they hand on (the full pipeline run).
 */
import * as path from 'node:path';

export const TEST_RUN_ID_ENV = 'HARDENLAB_TEST_RUN_ID';
export const testRunsDir = path.resolve(__dirname, '../../.hardenlab/test-runs');

/** Set by the shared lane's globalSetup when its test bed could not start: what went wrong. */
export const LANE_SETUP_FAILURE_ENV = 'HARDENLAB_LANE_SETUP_FAILURE';

/**
 * What a test that needs a lane which could not start fails with. test/runner/run-tests.js (test/runner/testSummary.js)
 * counts such tests as not run, with the lane and the reason, apart from failures.
 */
export function notRunMessage(lane: string, reason: string): string {
  return `[not run: lane ${lane}: ${reason.replace(/[\r\n\]]+/g, ' ').trim()}]`;
}
