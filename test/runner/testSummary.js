// The end of a test run (test/runner/run-tests.js): skip reasons, failed tests by name, tests that did not run
// because their lane could not start (counted, with the lane and the reason), and the plain last line
// "N passed, N failed[, N not run], N skipped". Pure: jest's JSON results in, lines and exit status out.
const path = require('node:path');

/** A test that needed a lane which could not start fails with this (test/support/testbed.ts notRunMessage). */
const NOT_RUN = /\[not run: lane ([^:\]]+): ([^\]]*)\]/;

function firstLine(text) {
  const plain = String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  return plain.split('\n').map((line) => line.trim()).find((line) => line && !line.startsWith('●')) ?? '(no message)';
}

/**
 * `runs`: one entry per jest run, { lane, results } where results is jest's --json output or undefined when the
 * run wrote none. `status`: the run's exit status so far. Returns { lines, status }.
 */
function summarize(runs, { root, status, hung = [], failure } = {}) {
  const results = runs.filter((run) => run.results).map((run) => run.results);
  const files = results.flatMap((r) => r.testResults);
  const sum = (key) => results.reduce((n, r) => n + r[key], 0);
  const lines = [];

  const skips = files.flatMap((file) => file.assertionResults.filter((a) => a.status === 'pending' || a.status === 'todo').map((a) => ({ file: path.relative(root, file.name), name: a.fullName })));
  if (skips.length > 0) {
    lines.push(`${skips.length} skipped:`);
    const reasons = new Map();
    for (const s of skips) {
      const reason = `${/\[skipped: ([^\]]+)\]/.exec(s.name)?.[1] ?? `no reason given: ${s.name}`} (${s.file})`;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    for (const [reason, count] of reasons) lines.push(`  ${count} × ${reason}`);
  }

  // Tests that failed only because their lane could not start: not run, counted per lane and reason.
  const notRun = new Map();
  const failures = [];
  for (const file of files) {
    const name = path.relative(root, file.name);
    for (const a of file.assertionResults.filter((result) => result.status === 'failed')) {
      const marker = NOT_RUN.exec((a.failureMessages ?? []).join('\n'));
      if (marker) {
        const key = `lane ${marker[1]}: ${marker[2]}`;
        notRun.set(key, (notRun.get(key) ?? 0) + 1);
      } else {
        failures.push(`${name}: ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
      }
    }
    // A file that fails to load (syntax error, a throwing beforeAll outside tests) counts as a failure.
    if (file.testExecError || (file.status === 'failed' && file.assertionResults.every((a) => a.status !== 'failed'))) {
      failures.push(`${name}: ${firstLine(file.testExecError?.message ?? file.message)}`);
    }
  }
  const notRunCount = [...notRun.values()].reduce((n, count) => n + count, 0);
  const withoutResults = runs.filter((run) => !run.results);
  for (const run of withoutResults) failures.push(`lane ${run.lane}: no results (jest ended before writing them; see its output above)`);
  // The failed tests by name, near the end: a CI log that keeps only its tail still says what failed.
  if (failures.length > 0) lines.push(`failed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
  for (const [key, count] of notRun) lines.push(`${count} not run (${key})`);
  lines.push(...hung);
  if (failure) lines.push(failure);

  const passed = sum('numPassedTests');
  const failedTests = sum('numFailedTests') - notRunCount + sum('numRuntimeErrorTestSuites') + withoutResults.length;
  // A run that failed with nothing counted failed or not run (a check, a crash) still ends as a failure.
  const failed = failedTests + (status !== 0 && failedTests === 0 && notRunCount === 0 ? 1 : 0);
  if (status === 0 && passed === 0) return { lines: [...lines, '0 passed, 1 failed, 0 skipped'], status: 1 };
  const notRunPart = notRunCount > 0 ? `, ${notRunCount} not run (${[...notRun.keys()].join('; ')})` : '';
  lines.push(`${passed} passed, ${failed} failed${notRunPart}, ${skips.length} skipped`);
  return { lines, status: status === 0 && (failed > 0 || notRunCount > 0) ? 1 : status };
}

module.exports = { summarize, firstLine, NOT_RUN };
