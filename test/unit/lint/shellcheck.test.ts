/**
 * shellcheck on every shell script the project keeps: each file named *.sh or starting with a sh/bash shebang, in
 * scripts/ (image builds and set-up), test/ (the test bed's VM check, fixture recorders, measurements) and .ci/run.
 * Recorded fixtures, installed and built files are not the project's scripts. Any finding fails; a disable in a
 * script carries its reason on the same line. The settings (sourced files found beside their script, and followed)
 * are in .shellcheckrc. `scripts/setup.sh --test` installs shellcheck (Debian's package).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../../src/config/paths';

/** Not the project's own scripts: what is installed, built or recorded. */
const NOT_SCRIPTS = new Set(['.git', '.hardenlab', 'node_modules', 'dist', 'coverage', path.join('test', 'fixtures')]);

function startsAsShell(file: string): boolean {
  const head = Buffer.alloc(64);
  const fd = fs.openSync(file, 'r');
  try {
    const read = fs.readSync(fd, head, 0, head.length, 0);
    return /^#!\s*\S*(\/env\s+)?\S*\b(ba)?sh\b/.test(head.subarray(0, read).toString('utf8'));
  } finally {
    fs.closeSync(fd);
  }
}

function shellScripts(dir: string): string[] {
  return fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return NOT_SCRIPTS.has(file) ? [] : shellScripts(file);
    if (!entry.isFile()) return [];
    return entry.name.endsWith('.sh') || startsAsShell(path.join(repoRoot, file)) ? [file] : [];
  });
}

const scripts = shellScripts('').sort();

test('finds the scripts: the image builds, set-up, node files, the test side and CI', () => {
  expect(scripts).toEqual(
    expect.arrayContaining([
      'scripts/setup.sh',
      'scripts/testbed/build-node-image.sh',
      'scripts/testbed/build-node-images.sh',
      'scripts/testbed/node-files/usr/local/sbin/hardenlab-node-prepare',
      'test/vm/guest-check.sh',
      'test/fixture-recorders/sysstat-fixture-lib.sh',
      'test/bench/measure-peak-reader.sh',
      '.ci/run',
    ]),
  );
});

test('shellcheck finds nothing in any of them', () => {
  let findings: string;
  try {
    findings = execFileSync('shellcheck', ['--format=gcc', ...scripts], { cwd: repoRoot, encoding: 'utf8' });
  } catch (error) {
    const failed = error as NodeJS.ErrnoException & { stdout?: string };
    if (failed.code === 'ENOENT') throw new Error('shellcheck is not installed: run bash scripts/setup.sh --test');
    findings = failed.stdout ?? String(error);
  }
  expect(findings.trim().split('\n').filter(Boolean)).toEqual([]);
});

test('every disable says why on its line', () => {
  const bare = scripts.flatMap((file) =>
    fs
      .readFileSync(path.join(repoRoot, file), 'utf8')
      .split('\n')
      .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
      .filter(({ line }) => /#\s*shellcheck\s+disable=\S+\s*$/.test(line))
      .map(({ at }) => at),
  );
  expect(bare).toEqual([]);
});
