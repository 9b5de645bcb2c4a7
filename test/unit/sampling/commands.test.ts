import { execFileSync } from 'node:child_process';
import {
  bootTimeScript,
  cleanupScript,
  ensureSamplerScript,
  installCommand,
  prepareCollectScript,
  probeSysstatScript,
  remotePaths,
  stopSamplerScript,
} from '../../../src/sampling/commands';

describe('node-side scripts', () => {
  const paths = remotePaths('run-1', 'k8s-node-1');

  it('keeps run files in a run- and node-specific folder with safe names', () => {
    expect(paths.dir).toBe('/var/tmp/hardenlab/run-1/k8s-node-1');
    expect(remotePaths('a b/../c', 'n;rm -rf').dir).toBe('/var/tmp/hardenlab/a_b_.._c/n_rm_-rf');
    expect(remotePaths('run-1', 'k8s-node-1', 'ops').dir).toBe('/var/tmp/hardenlab-ops/run-1/k8s-node-1');
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
    expect(prepareCollectScript(paths)).toContain('sadf -j "$data" -- -u -r');
  });
});
