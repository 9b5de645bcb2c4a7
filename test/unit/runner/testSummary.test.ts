/**
 * test/runner/testSummary.js: the end of `npm test`. Tests a lane could not run (its test bed did not start) are
 * counted as not run, with the lane and the reason, never summarised as "1 failed".
 */
import { createRequire } from 'node:module';
import { notRunMessage } from '../../support/testRun';

interface Assertion {
  fullName: string;
  status: 'passed' | 'failed' | 'pending';
  failureMessages?: string[];
}
interface JestJson {
  numPassedTests: number;
  numFailedTests: number;
  numRuntimeErrorTestSuites: number;
  testResults: { name: string; status: string; message?: string; testExecError?: { message: string }; assertionResults: Assertion[] }[];
}
type Summarize = (
  runs: { lane: string; results?: JestJson }[],
  options: { root: string; status: number; hung?: string[]; failure?: string },
) => { lines: string[]; status: number };

const { summarize } = createRequire(__filename)('../../runner/testSummary.js') as { summarize: Summarize };

const root = '/repo';
const reason = 'no free test-lane slot after 20 min (slot 0: 127.0.0.1:24443 in use)';

/** jest's --json for files of tests, counted as jest counts them. */
function jestJson(files: Record<string, Assertion[]>): JestJson {
  const all = Object.values(files).flat();
  return {
    numPassedTests: all.filter((a) => a.status === 'passed').length,
    numFailedTests: all.filter((a) => a.status === 'failed').length,
    numRuntimeErrorTestSuites: 0,
    testResults: Object.entries(files).map(([name, assertionResults]) => ({
      name: `${root}/${name}`,
      status: assertionResults.some((a) => a.status === 'failed') ? 'failed' : 'passed',
      assertionResults,
    })),
  };
}

const passed = (fullName: string): Assertion => ({ fullName, status: 'passed' });
// What jest records when a file's beforeAll (ensureTestbed) throws: every test of the file failed with that error.
const notRun = (fullName: string): Assertion => ({
  fullName,
  status: 'failed',
  failureMessages: [`Error: ${notRunMessage('integration', reason)}\n    at ensureTestbed (test/support/testbed.ts:64:25)`],
});

describe('summarize', () => {
  it('counts the tests of a lane that could not start as not run, naming the lane and the reason, apart from failures', () => {
    const local = jestJson({ 'test/unit/a.test.ts': [passed('a 1'), passed('a 2'), passed('a 3')] });
    const integration = jestJson({
      'test/integration/testbed.test.ts': [notRun('tb 1'), notRun('tb 2'), notRun('tb 3')],
      'test/integration/tools.test.ts': [notRun('tools 1'), notRun('tools 2')],
      'test/integration/healthCheck.test.ts': [passed('needs no test bed')],
    });
    const { lines, status } = summarize(
      [
        { lane: 'local', results: local },
        { lane: 'integration', results: integration },
      ],
      { root, status: 1 },
    );
    expect(lines).toContain(`5 not run (lane integration: ${reason})`);
    expect(lines.at(-1)).toBe(`4 passed, 0 failed, 5 not run (lane integration: ${reason}), 0 skipped`);
    expect(lines.join('\n')).not.toMatch(/^failed:/m);
    expect(status).toBe(1);
  });

  it('keeps real failures counted and named beside the tests not run', () => {
    const integration = jestJson({
      'test/integration/testbed.test.ts': [notRun('tb 1'), notRun('tb 2')],
      'test/integration/sampling.test.ts': [
        passed('s 1'),
        { fullName: 's 2', status: 'failed', failureMessages: ['Error: expected 3 samples, got 2'] },
      ],
    });
    const { lines, status } = summarize([{ lane: 'integration', results: integration }], { root, status: 1 });
    expect(lines).toContain('failed:\n  test/integration/sampling.test.ts: s 2: Error: expected 3 samples, got 2');
    expect(lines.at(-1)).toBe(`1 passed, 1 failed, 2 not run (lane integration: ${reason}), 0 skipped`);
    expect(status).toBe(1);
  });

  it('names a lane that wrote no results and counts it failed, whatever the exit status', () => {
    const local = jestJson({ 'test/unit/a.test.ts': [passed('a 1')] });
    const { lines, status } = summarize([{ lane: 'local', results: local }, { lane: 'faults' }], { root, status: 0 });
    expect(lines).toContain('failed:\n  lane faults: no results (jest ended before writing them; see its output above)');
    expect(lines.at(-1)).toBe('1 passed, 1 failed, 0 skipped');
    expect(status).toBe(1);
  });

  it('keeps the plain line of a green run, with the skip reasons above it', () => {
    const local = jestJson({
      'test/unit/a.test.ts': [passed('a 1'), { fullName: 'r [skipped: Rscript is not installed]', status: 'pending' }],
    });
    const { lines, status } = summarize([{ lane: 'local', results: local }], { root, status: 0 });
    expect(lines).toEqual(['1 skipped:', '  1 × Rscript is not installed (test/unit/a.test.ts)', '1 passed, 0 failed, 1 skipped']);
    expect(status).toBe(0);
  });

  it('counts a failed check before any jest run as one failure', () => {
    expect(summarize([], { root, status: 1, failure: 'typecheck failed (see above)' })).toEqual({
      lines: ['typecheck failed (see above)', '0 passed, 1 failed, 0 skipped'],
      status: 1,
    });
  });
});
