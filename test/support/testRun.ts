/**
 * What the files of one test run share: an id (set by the shared test bed's globalSetup unless given) and a
 * folder for what they hand on (the full pipeline run).
 */
import * as path from 'node:path';

export const TEST_RUN_ID_ENV = 'HARDENLAB_TEST_RUN_ID';
export const testRunsDir = path.resolve(__dirname, '../../.hardenlab/test-runs');
