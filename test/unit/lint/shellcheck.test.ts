/**
 * shellcheck on every shell script the project keeps: each file under scripts/ named *.sh or starting with a sh/bash
 * shebang, and .ci/run. Any finding fails; a disable in a script carries its reason on the same line. The
 * settings (sourced files found beside their script, and followed) are in .shellcheckrc. `scripts/setup.sh --test`
 * installs shellcheck (Debian's package).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../../src/config/paths';

function shellScripts(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return shellScripts(file);
    if (!entry.isFile()) return [];
    if (entry.name.endsWith('.sh')) return [file];
    const head = fs.readFileSync(file, 'utf8').slice(0, 64);
    return /^#!\s*\S*(\/env\s+)?\S*\b(ba)?sh\b/.test(head) ? [file] : [];
  });
}

const scripts = [...shellScripts(path.join(repoRoot, 'scripts')), path.join(repoRoot, '.ci', 'run')].map((file) =>
  path.relative(repoRoot, file),
);

test('finds the scripts: the image builds, set-up, node files and CI', () => {
  expect(scripts).toEqual(
    expect.arrayContaining([
      'scripts/setup.sh',
      'scripts/testbed/build-node-image.sh',
      'scripts/testbed/build-node-images.sh',
      'scripts/testbed/node-files/usr/local/sbin/hardenlab-node-prepare',
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
