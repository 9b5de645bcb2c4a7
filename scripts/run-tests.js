#!/usr/bin/env node
// `npm test`: typecheck, lint, then every jest project in one run (in band: the integration tests share one
// test bed, and two cores gain little from parallel workers). Ends with the plain line
// "N passed, N failed, N skipped" so any CI reads the outcome. Extra arguments go to jest.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const run = (cmd, args, extraEnv = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } }).status ?? 1;
const step = (name) => console.log(`\n==> ${name}`);

step('typecheck');
if (run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']) !== 0) process.exit(1);
step('lint');
if (run('npx', ['eslint', '.']) !== 0) process.exit(1);

step('jest: unit, workflows, integration');
const results = path.join(root, '.hardenlab', 'test-results.json');
fs.mkdirSync(path.dirname(results), { recursive: true });
fs.rmSync(results, { force: true });
const status = run(process.execPath, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--runInBand', '--json', `--outputFile=${results}`, ...process.argv.slice(2)]);

let summary = 'jest wrote no results';
if (fs.existsSync(results)) {
  const r = JSON.parse(fs.readFileSync(results, 'utf8'));
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
  if (r.numTotalTests === 0) summary = `0 passed, 1 failed (no test ran)`;
}
console.log(`\n${summary}`);
process.exit(status);
