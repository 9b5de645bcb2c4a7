/**
 * Root trusts no pid file blindly: after a reboot or a crash it may name anyone's process. And the test bed's lock
 * and command timeouts end what they should, no more and no less.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clusterComponents } from '../../../src/testbed/kwokCluster';
import { testbedLayout } from '../../../src/testbed/layout';
import { nodeHostStatus } from '../../../src/testbed/nodeHosts';
import { isAlive, ownedPid, run, sleep } from '../../../src/process/subprocess';
import { realNodeStatus } from '../../../src/testbed/realNodes';
import { nodeStop } from '../../../src/testbed/realnodes/nodeLifecycle';
import { withTestbedLock } from '../../../src/testbed/testbedLock';
import { tempDirSync } from '../../support/tempDir';

jest.setTimeout(60_000);

/** Someone else's long-running process, whose pid a stale pid file of ours names. */
let foreign: ChildProcess;
beforeAll(() => {
  foreign = spawn('sleep', ['300'], { stdio: 'ignore' });
});
afterAll(() => {
  foreign.kill('SIGKILL');
});

describe('pid files naming a reused pid', () => {
  test('ownedPid takes a pid only while its command line is ours', async () => {
    const file = path.join(tempDirSync('hardenlab-pids-'), 'x.pid');
    fs.writeFileSync(file, `${foreign.pid}\n`);
    expect(ownedPid(file, (command) => command.startsWith('sleep '))).toBe(foreign.pid);
    expect(ownedPid(file, (command) => command.includes('kube-apiserver'))).toBeUndefined();
    fs.writeFileSync(file, '999999999\n');
    expect(ownedPid(file, () => true)).toBeUndefined();
  });

  test('ownedPid reads a live process again when one read misses its title (a retitle caught mid-rewrite)', () => {
    const file = path.join(tempDirSync('hardenlab-pids-'), 'x.pid');
    fs.writeFileSync(file, `${foreign.pid}\n`);
    const reads: string[] = [];
    const tornOnce = (command: string) => reads.push(command) > 1 && command.startsWith('sleep ');
    expect(ownedPid(file, tornOnce)).toBe(foreign.pid);
    expect(reads).toEqual(['sleep 300', 'sleep 300']);
    const never = jest.fn(() => false);
    expect(ownedPid(file, never)).toBeUndefined();
    expect(never).toHaveBeenCalledTimes(3);
  });

  test('control plane components, node hosts and real nodes do not count a foreign process as running', () => {
    const layout = testbedLayout(tempDirSync('hardenlab-pids-'));
    fs.mkdirSync(path.join(layout.kwokClusterDir, 'pids'), { recursive: true });
    fs.writeFileSync(path.join(layout.kwokClusterDir, 'pids', 'kube-apiserver.pid'), `${foreign.pid}\n`);
    const node = layout.instance.nodes[0]!;
    fs.mkdirSync(layout.nodeDir(node.name), { recursive: true });
    fs.writeFileSync(path.join(layout.nodeDir(node.name), 'sshd.pid'), `${foreign.pid}\n`);
    fs.mkdirSync(path.join(layout.testbedDir, 'real', 'pids'), { recursive: true });
    fs.writeFileSync(path.join(layout.testbedDir, 'real', 'pids', `node-${node.name}.pid`), `${foreign.pid}\n`);
    expect(clusterComponents(layout)).toEqual([{ name: 'kube-apiserver', pid: foreign.pid, running: false }]);
    expect(nodeHostStatus(node, layout).running).toBe(false);
    expect(realNodeStatus(layout, node).running).toBe(false);
  });

  test('a node stop removes the stale pid files but leaves the process they name alone', async () => {
    const state = tempDirSync('hardenlab-realstate-');
    fs.mkdirSync(path.join(state, 'pids'));
    for (const name of ['node-n1', 'fwd-ssh-n1-host', 'fwd-kubelet-n1-ns'])
      fs.writeFileSync(path.join(state, 'pids', `${name}.pid`), `${foreign.pid}\n`);
    const bed = { state, namespace: `hardenlab-pidtest-${process.pid}`, bridge: 'hlbr0', gateway: '10.77.0.1' };
    await nodeStop({ ...bed, cgroups: { mode: 'v1' }, cpuMilli: 1000, memoryBytes: 2 ** 31, registryPort: 5000 }, 'n1');
    expect(fs.readdirSync(path.join(state, 'pids'))).toEqual([]);
    expect(isAlive(foreign.pid!)).toBe(true);
  });
});

describe('run', () => {
  test('a timeout ends the command and what it started, not only the command', async () => {
    const pidFile = path.join(tempDirSync('hardenlab-run-'), 'child.pid');
    const started = Date.now();
    await expect(run('bash', ['-c', `sleep 300 & echo $! > ${pidFile}; wait`], { timeoutMs: 1_000 })).rejects.toThrow(
      /failed \(timed out after 1s\)/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 50 && isAlive(child); i++) await sleep(100);
    expect(isAlive(child)).toBe(false);
  });

  test('a daemon the command detached with setsid (as spawnDetached starts them) outlives the timeout', async () => {
    const pidFile = path.join(tempDirSync('hardenlab-run-'), 'daemon.pid');
    await expect(
      run('bash', ['-c', `setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > ${pidFile}; sleep 300`], { timeoutMs: 1_000 }),
    ).rejects.toThrow(/timed out/);
    const daemon = Number(fs.readFileSync(pidFile, 'utf8'));
    await sleep(2_500);
    expect(isAlive(daemon)).toBe(true);
    process.kill(daemon, 'SIGKILL');
  });

  test('names the exit code and the last lines of stderr', async () => {
    await expect(run('bash', ['-c', 'echo oops >&2; exit 3'])).rejects.toThrow(
      'bash -c echo oops >&2; exit 3 failed (exited with 3): oops',
    );
    await expect(run('bash', ['-c', 'echo fine'])).resolves.toEqual({ stdout: 'fine\n', stderr: '' });
  });
});

describe('withTestbedLock', () => {
  test('one holder at a time', async () => {
    const home = tempDirSync('hardenlab-lock-');
    const events: string[] = [];
    const hold = (name: string) =>
      withTestbedLock(home, async () => {
        events.push(`${name} in`);
        await sleep(300);
        events.push(`${name} out`);
      });
    await Promise.all([hold('a'), hold('b')]);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
    expect(fs.readdirSync(home)).toEqual([]);
  });

  test("takes over a dead holder's lock at once", async () => {
    const home = tempDirSync('hardenlab-lock-');
    fs.writeFileSync(path.join(home, '.sim.lock'), '999999999');
    await expect(withTestbedLock(home, async () => 'mine', 5_000)).resolves.toBe('mine');
  });

  test("a fresh empty lock file is its creator's (not yet written): waited for, not deleted", async () => {
    const home = tempDirSync('hardenlab-lock-');
    fs.writeFileSync(path.join(home, '.sim.lock'), '');
    await expect(withTestbedLock(home, async () => 'mine', 1_000)).rejects.toThrow(/is held by pid \(unreadable\) for over 1 s/);
    expect(fs.existsSync(path.join(home, '.sim.lock'))).toBe(true);
  });

  test('a held lock is waited for up to the deadline, naming its holder', async () => {
    const home = tempDirSync('hardenlab-lock-');
    fs.writeFileSync(path.join(home, '.sim.lock'), String(process.pid));
    await expect(withTestbedLock(home, async () => 'mine', 1_000)).rejects.toThrow(`is held by pid ${process.pid} for over 1 s`);
  });

  test('an error other than "held" fails at once instead of spinning', async () => {
    const started = Date.now();
    let ran = false;
    await expect(withTestbedLock('/proc/self', async () => (ran = true), 60_000)).rejects.toThrow();
    expect(ran).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
