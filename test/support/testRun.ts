/** What the files of one lane share when its test bed could not start. */
/** Set by the shared lane's globalSetup when its test bed could not start: what went wrong. */
export const LANE_SETUP_FAILURE_ENV = 'HARDENLAB_LANE_SETUP_FAILURE';

/**
 * What a test that needs a lane which could not start fails with. test/runner/run-tests.js (test/runner/testSummary.js)
 * counts such tests as not run, with the lane and the reason, apart from failures.
 */
export function notRunMessage(lane: string, reason: string): string {
  return `[not run: lane ${lane}: ${reason.replace(/[\r\n\]]+/g, ' ').trim()}]`;
}
