import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive, sleep } from '../../../../src/process/subprocess';
import { CGROUP2_JOIN } from '../../../../src/testbed/realnodes/cgroupV2';
import { NODE_LAUNCHER, launcherCommand } from '../../../../src/testbed/realnodes/nodeLauncher';
import type { NodeCgroupMode } from '../../../../src/testbed/realnodes/nodeBed';
import { tempDirSync } from '../../../support/tempDir';
import { recorded, recordedBed, recordedFolders } from './recorded';

/** The shell launcher had the tasks files spliced into its program; the port passes them as arguments before `--`. */
const SHELL_LAUNCHER = /^for t in (.*); do echo \$\$ > "\$t"; done\n/;
const oneLine = (program: string) => program.replace(/\s+/g, ' ');

const modes: [string, NodeCgroupMode][] = [
  ['v1', { mode: 'v1' }],
  ['v2-by-hand', { mode: 'v2-by-hand', root: '<v2-root>' }],
  ['systemd-scope', { mode: 'systemd-scope', root: '<v2-root>' }],
];

describe("a node's launcher command line, as node-start recorded it", () => {
  test.each(modes)('%s: the same words, with the cgroup files as arguments', (file, cgroups) => {
    const shell = JSON.parse(recorded(`node-start-argv-${file}.json`)) as string[];
    const at = shell.indexOf('launcher', shell.indexOf('-c') + 1);
    const tasks = SHELL_LAUNCHER.exec(shell[at - 1]!)![1]!.trim().split(/\s+/).filter(Boolean);
    const expected = [...shell.slice(0, at - 1), NODE_LAUNCHER, 'launcher', ...tasks, '--', ...shell.slice(at + 1)];
    const ported = launcherCommand(recordedBed(cgroups), 'n1', recordedFolders)
      .map((word) => word.replaceAll('/sys/fs/cgroup', '<v1-root>'));
    // The join program lost only the double spaces its newlines left.
    const normalize = (words: string[]) => words.map((word) => (oneLine(word) === oneLine(CGROUP2_JOIN) ? CGROUP2_JOIN : word));
    expect(normalize(ported)).toEqual(normalize(expected));
    expect(tasks).toHaveLength(file === 'v1' ? 8 : 0);
  });

  test('one more read-only folder is one more --bind-ro (none when a folder is not given)', () => {
    const words = launcherCommand(recordedBed({ mode: 'v1' }), 'n1', { kubeletDir: '/K' });
    const folders = words.filter((word) => word.startsWith('--bind-ro=/') && !word.includes('/proc/sys/'));
    expect(folders).toEqual(['--bind-ro=/K:/opt/hardenlab/bin']);
  });
});

describe('the launcher program, run for real by sh', () => {
  // Real processes: on a loaded machine (the suite's lanes beside it) starting them takes seconds, not jest's default 5.
  jest.setTimeout(30_000);
  const dir = tempDirSync('hardenlab-launcher-');
  const tasks = [path.join(dir, 'a.tasks'), path.join(dir, 'b.tasks')];

  test('joins every cgroup file, boots again after a reboot (133) and ends with the node', async () => {
    // The stand-in node: "reboots" the first time (exit 133), powers off (exit 0) the second.
    const node = `n=$(cat ${dir}/boots 2>/dev/null || echo 0); echo $((n + 1)) > ${dir}/boots; [ "$n" = 1 ] || exit 133`;
    const launcher = spawn('sh', ['-c', NODE_LAUNCHER, 'launcher', ...tasks, '--', 'sh', '-c', node], { stdio: 'ignore' });
    const code = await new Promise((resolve) => launcher.once('exit', resolve));
    expect(code).toBe(0);
    expect(tasks.map((file) => fs.readFileSync(file, 'utf8').trim())).toEqual([String(launcher.pid), String(launcher.pid)]);
    expect(fs.readFileSync(path.join(dir, 'boots'), 'utf8').trim()).toBe('2');
  });

  test('SIGTERM goes on to the node, and a node ended by it is not booted again', async () => {
    const pidFile = path.join(dir, 'node.pid');
    const node = `echo $$ > ${pidFile}; trap 'exit 133' TERM; while :; do sleep 0.1; done`;
    const launcher = spawn('sh', ['-c', NODE_LAUNCHER, 'launcher', '--', 'sh', '-c', node], { stdio: 'ignore' });
    const written = () => fs.existsSync(pidFile) && /^\d+\n$/.test(fs.readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 200 && !written(); i++) await sleep(100);
    const nodePid = Number(fs.readFileSync(pidFile, 'utf8'));
    const exited = new Promise((resolve) => launcher.once('exit', resolve));
    launcher.kill('SIGTERM');
    expect(await exited).toBe(133);
    expect(isAlive(nodePid)).toBe(false);
  });
});
