/**
 * What the jest runs of one test run share: an id (set by scripts/run-tests.js, else by the first globalSetup)
 * and a folder for what they hand on (the full pipeline run, whether the test bed was started for this run).
 */
import * as path from 'node:path';

export const TEST_RUN_ID_ENV = 'HARDENLAB_TEST_RUN_ID';
export const testRunsDir = path.resolve(__dirname, '../../.hardenlab/test-runs');
