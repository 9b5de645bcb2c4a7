import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bootTimeScript,
  cleanupScript,
  ensureSamplerScript,
  installCommand,
  prepareCollectScript,
  probeSysstatScript,
  remotePaths,
  stopSamplerScript,
} from '../../../src/sampling/samplingScripts';

describe('node-side scripts', () => {
  const paths = remotePaths('run-1', 'k8s-node-1');

  it('keeps run files in a run- and node-specific folder with safe names', () => {
    // Relative: under the SSH user's home, which no other user can write (not a shared /var/tmp folder).
    expect(paths.dir).toBe('.hardenlab/runs/run-1/k8s-node-1');
    expect(remotePaths('a b/../c', 'n;rm -rf').dir).toBe('.hardenlab/runs/a_b_.._c/n_rm_-rf');
  });

  it.each([
    ['probe', probeSysstatScript()],
    ['start', ensureSamplerScript(paths, { intervalSeconds: 1, durationSeconds: 60, mode: 'start' })],
    ['check', ensureSamplerScript(paths, { intervalSeconds: 10, durationSeconds: 86400, mode: 'check' })],
    ['stop', stopSamplerScript(paths)],
    ['collect', prepareCollectScript(paths)],
    ['cleanup', cleanupScript(paths)],
    ['boot time', bootTimeScript()],
  ])('%s script is valid POSIX sh (dash -n)', (_name, script) => {
    expect(() => execFileSync('dash', ['-n'], { input: script })).not.toThrow();
  });

  it('sizes sadc to end by itself: whole seconds, at least one interval', () => {
    const script = ensureSamplerScript(paths, { intervalSeconds: 2.4, durationSeconds: 1, mode: 'start' });
    expect(script).toContain('interval=2; duration=2');
  });

  it('installs sysstat with the package manager the node has', () => {
    expect(installCommand('apt-get')).toMatch(/apt-get install -y sysstat/);
    expect(installCommand('dnf')).toBe('dnf install -y sysstat');
    expect(installCommand('yum')).toBe('yum install -y sysstat');
    expect(() => installCommand('pacman')).toThrow();
  });

  it('converts CPU and memory in one sadf -j call', () => {
    expect(prepareCollectScript(paths)).toContain('"$sadf" -j "$data" -- -u -r');
  });
});

describe("the sampler's folder is the SSH user's own", () => {
  it('refuses a .hardenlab that is a link (to a folder another user controls), run by a real sh in that home', () => {
    const home = mkdtempSync(join(tmpdir(), 'hl-home-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'hl-other-'));
    try {
      mkdirSync(join(elsewhere, 'runs'));
      symlinkSync(elsewhere, join(home, '.hardenlab'));
      const script = ensureSamplerScript(remotePaths('run-1', 'node-1'), { intervalSeconds: 1, durationSeconds: 2, mode: 'start' });
      const result = spawnSync('/bin/sh', ['-c', script], { cwd: home, encoding: 'utf8' });
      expect(result.stdout).toContain('error=.hardenlab in the home of');
      expect(result.status).toBe(3);
      expect(existsSync(join(elsewhere, 'runs', 'run-1'))).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
