#!/usr/bin/env node
// `npm test`: typecheck, lint and build (cli.test.ts runs the compiled bin, so it never tests a stale dist/),
// then every jest project. `npm run test:fast` (--fast): the same without the test bed: unit, workflow tests
// on the time-skipping server, and the integration files that need no test bed.
// Jest runs four times: the projects without the test bed; then three lanes side by side, each on a test bed of
// its own: the shared KWOK test bed's files (three workers), the fault tests, the real-node test. Ends with the
// skip reasons and the plain line "N passed, N failed, N skipped", alone and last, so any CI reads the outcome.
// Each jest run has a deadline (HARDENLAB_TEST_DEADLINE_MINUTES, default 30): past it, what it still runs is
// printed and the run is killed and counted failed, so a hung test ends as a named failure within CI's time.
// Extra arguments go to jest.
const { killAllGroups, runInGroup } = require('./lib/processGroup');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const fast = args.includes('--fast');
const jestArgs = args.filter((a) => a !== '--fast');
// With paths or a name filter, one of the jest runs may match nothing: that is not a failure.
if (jestArgs.length > 0) jestArgs.unshift('--passWithNoTests');
const started = Date.now();
const timings = [];
const resultsDir = path.join(root, '.hardenlab', 'test-results');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

const deadlineMinutes = Number(process.env.HARDENLAB_TEST_DEADLINE_MINUTES ?? 30);
if (!(deadlineMinutes > 0)) {
  console.error(`HARDENLAB_TEST_DEADLINE_MINUTES must be a positive number of minutes, got ${JSON.stringify(process.env.HARDENLAB_TEST_DEADLINE_MINUTES)}`);
  process.exit(2);
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAllGroups();
    process.exit(130);
  });
}
/** The jest runs killed at their deadline, for the summary. */
const hung = [];

/** Runs a command with the terminal; resolves to its exit status. */
const run = (cmd, cmdArgs, { deadline = false, name = cmd } = {}) =>
  runInGroup(cmd, cmdArgs, {
    cwd: root,
    deadlineMs: deadline ? deadlineMinutes * 60_000 : undefined,
    onHung: (description) => {
      console.log(`\n${name}: still running after ${deadlineMinutes} min (HARDENLAB_TEST_DEADLINE_MINUTES); killed. ${description}`);
      hung.push(`${name}: killed after ${deadlineMinutes} min; what it still ran is printed above`);
    },
  });

async function step(name, fn) {
  console.log(`\n==> ${name}`);
  const t = Date.now();
  const status = await fn();
  timings.push(`${name} ${((Date.now() - t) / 1000).toFixed(0)} s`);
  return status;
}

/** One jest run, under the deadline. */
const jest = (name, projects, extra) => {
  const title = `jest: ${projects.join(', ')}`;
  const command = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', ...extra, '--json', `--outputFile=${path.join(resultsDir, `${name}.json`)}`, ...jestArgs, '--selectProjects', ...projects];
  return step(title, () => run(process.execPath, command, { deadline: true, name: title }));
};

async function main() {
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });
  // Typecheck, lint and build side by side. Incremental: the build info lives in .hardenlab/ (typecheck) and in
  // dist/ (build, so removing dist/ rebuilds everything).
  const checks = {
    typecheck: () => run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit', '--incremental', '--tsBuildInfoFile', '.hardenlab/typecheck.tsbuildinfo']),
    lint: () => run(bin('eslint'), ['--cache', '--cache-location', '.hardenlab/eslintcache', '.']),
    build: () => run('npm', ['run', '--silent', 'build']),
  };
  const names = Object.keys(checks);
  const statuses = await step(`${names.join(', ')} (side by side)`, () => Promise.all(Object.values(checks).map((check) => check())));
  const failedChecks = names.filter((_, i) => statuses[i] !== 0);
  if (failedChecks.length > 0) return finish(1, `${failedChecks.join(', ')} failed (see above)`);

  // Two workers: the unit and workflow files are independent (own time-skipping servers, temp folders, ports).
  let status = await jest('local', ['unit', 'workflows', 'integration-nobed'], ['--maxWorkers=2']);
  if (!fast) {
    // Three lanes: they mostly wait out sampling windows and timeouts, so side by side they fill the two cores
    // rather than queue for them. Each has a test bed of its own (ports, node addresses, data folder): the shared
    // KWOK test bed's files, three at a time; the fault tests, which stop the apiserver and sshd of theirs; the
    // real-node test. All at the same priority: a lane at a lower one starves while the real nodes boot, and
    // its timing-bound tests (the faults') then fail.
    // --forceExit: a test that timed out may leave its worker polling; once the results are written (and the
    // global teardown ran) the lane ends rather than wait for its deadline.
    const lanes = await Promise.all([
      jest('testbed', ['integration'], ['--maxWorkers=3', '--forceExit']),
      jest('faults', ['integration-faults'], ['--runInBand', '--forceExit']),
      jest('realnodes', ['integration-realnodes'], ['--runInBand', '--forceExit']),
      // The cgroup v2 proof in a QEMU guest (test/vm/): opt-in, it has a deadline of its own inside the lane's.
      ...(process.env.HARDENLAB_VM_TEST === '1' ? [jest('vm', ['vm'], ['--runInBand', '--forceExit'])] : []),
    ]);
    status = lanes.find((laneStatus) => laneStatus !== 0) ?? status;
  }
  return finish(status);
}

main().catch((error) => finish(1, `run-tests.js: ${error.stack ?? error}`));

function finish(status, failure) {
  const results = fs.existsSync(resultsDir) ? fs.readdirSync(resultsDir).map((f) => JSON.parse(fs.readFileSync(path.join(resultsDir, f), 'utf8'))) : [];
  const sum = (key) => results.reduce((n, r) => n + r[key], 0);
  // A file that fails to load (syntax error, a throwing beforeAll outside tests) counts as a failure.
  const passed = sum('numPassedTests');
  const failed = sum('numFailedTests') + sum('numRuntimeErrorTestSuites');
  const skips = results.flatMap((r) => r.testResults.flatMap((file) => file.assertionResults.filter((a) => a.status === 'pending' || a.status === 'todo').map((a) => ({ file: path.relative(root, file.name), name: a.fullName }))));
  console.log(`\n${fast ? 'test:fast' : 'test'} in ${((Date.now() - started) / 1000).toFixed(0)} s (${timings.join(', ')})`);
  if (skips.length > 0) {
    console.log(`${skips.length} skipped:`);
    const reasons = new Map();
    for (const s of skips) {
      const reason = `${/\[skipped: ([^\]]+)\]/.exec(s.name)?.[1] ?? `no reason given: ${s.name}`} (${s.file})`;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    for (const [reason, count] of reasons) console.log(`  ${count} × ${reason}`);
  }
  // The failed tests by name, near the end: a CI log that keeps only its tail still says what failed.
  const failures = results.flatMap((r) => r.testResults.flatMap((file) => [
    ...file.assertionResults.filter((a) => a.status === 'failed').map((a) => `${path.relative(root, file.name)}: ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`),
    ...(file.testExecError || (file.status === 'failed' && file.assertionResults.every((a) => a.status !== 'failed')) ? [`${path.relative(root, file.name)}: ${firstLine(file.testExecError?.message ?? file.message)}`] : []),
  ]));
  if (failures.length > 0) console.log(`failed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
  for (const line of hung) console.log(line);
  if (failure) console.log(failure);
  if (status === 0 && passed === 0) {
    console.log('0 passed, 1 failed, 0 skipped');
    process.exit(1);
  }
  console.log(`${passed} passed, ${failed + (status !== 0 && failed === 0 ? 1 : 0)} failed, ${skips.length} skipped`);
  process.exit(status);
}

function firstLine(text) {
  const plain = String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  return plain.split('\n').map((line) => line.trim()).find((line) => line && !line.startsWith('●')) ?? '(no message)';
}
