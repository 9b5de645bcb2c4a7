/**
 * Node sampling against real sshd + sysstat. The sampling windows run on the test bed's node hosts
 * (127.0.0.11-13); tests that stop sshd, rotate host keys or log in as another user run on throwaway sshds
 * of their own (the lane slot's .21-.24, port 2222) so the shared node hosts are never disturbed.
 * Set HARDENLAB_SAMPLING_OWN_HOSTS=1 to run everything on the throwaway sshds (no test bed needed).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { ApplicationFailure } from '@temporalio/common';
import { createSamplingActivities } from '../../activities/sampling';
import { repoRoot } from '../../src/config/paths';
import type { NodeIdentity } from '../../src/analysis/model/runData';
import type { NodeEntry } from '../../src/config/nodeMap';
import type { NodeSeries, SamplingGap } from '../../src/domain/samples';
import { Ssh2Connector, type SshConnector, type SshSession } from '../../src/ssh/connection';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';
import { ArtifactStore } from '../../src/store/artifactStore';
import { SshHost, writeNodeMap } from '../support/sshHost';
import { itWhen } from '../support/skip';
import { ownAddresses } from '../support/lane';
import { ensureTestbed } from '../support/testbed';

jest.setTimeout(240_000);

/** The lane slot's addresses for this file's own sshds: .21-.23 for the windows, .24 for the host-key tests. */
let ownAddressList: string[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isRetryable = (error: unknown) => !(error instanceof ApplicationFailure && error.nonRetryable);

let work: string;
let store: ArtifactStore;
let ownHosts: SshHost[] = [];
let ownMapPath: string;
/** The node map the sampling windows run on: the test bed's, or the own hosts' when asked. */
let nodeMapPath: string;
const connector = new Ssh2Connector({ readyTimeoutMs: 20_000 });

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-sampling-it-'));
  store = new ArtifactStore(path.join(work, 'store'));
  const testbed = await ensureTestbed();
  ownAddressList = ownAddresses(testbed.instance, 21, 4);
  ownHosts = await Promise.all(
    ownAddressList.slice(0, 3).map((address) => SshHost.start({ address, port: 2222, allowUsers: ['root', 'hardenlab'] })),
  );
  ownMapPath = await writeNodeMap(
    path.join(work, 'own-nodes.yaml'),
    ownHosts.map((h, i) => h.nodeEntry(`own-node-${i + 1}`)),
  );
  if (process.env.HARDENLAB_SAMPLING_OWN_HOSTS === '1') {
    nodeMapPath = ownMapPath;
  } else {
    nodeMapPath = testbed.nodeMapPath;
  }
});

afterAll(async () => {
  await Promise.all(ownHosts.map((h) => h.remove()));
  if (work) await fs.rm(work, { recursive: true, force: true });
});

function hasUser(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The test bed (started by globalSetup, before this file loads) creates the unprivileged user "hardenlab". */
const itAsNonRoot = itWhen({
  met: hasUser('hardenlab'),
  missing: 'no unprivileged user "hardenlab" (the test bed creates it)',
  providedBySetup: true,
});

function runId(label: string): string {
  return `it-${label}-${Date.now().toString(36)}`;
}

async function readSeries(artifactKey: string, node: string): Promise<NodeSeries> {
  return store.readJson<NodeSeries>(artifactKey, `nodes/${node}/series.json`);
}

function secondsBetween(times: number[]): number[] {
  return times.slice(1).map((t, i) => (t - times[i]!) / 1000);
}

/** The sampling worker stand-in as a child process; resolves each JSON line it prints. */
function startWorker(args: object): {
  child: ChildProcess;
  lines: { step: string; value: unknown; at: number }[];
  waitFor: (step: string, count?: number) => Promise<void>;
} {
  const child = spawn(process.execPath, ['-r', './test/support/registerTs.js', 'test/support/samplingWorker.ts', JSON.stringify(args)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: { step: string; value: unknown; at: number }[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  readline.createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line)));
  const waitFor = async (step: string, count = 1) => {
    const deadline = Date.now() + 180_000;
    while (lines.filter((l) => l.step === step).length < count) {
      if (child.exitCode !== null && child.exitCode !== 0) throw new Error(`worker exited with ${child.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`worker printed no ${step} line: ${stderr}`);
      await sleep(100);
    }
  };
  return { child, lines, waitFor };
}

describe('a one-minute window at 1 s, the worker killed mid-window', () => {
  const id = runId('window');
  const artifactKey = `it/${id}`;
  const durationSeconds = 60;
  const activities = () => createSamplingActivities({ loadNodeMap, ssh: connector, store });

  it('keeps sampling while the worker process is SIGKILLed and a new one takes over', async () => {
    const args = { runId: id, nodeMapPath, intervalSeconds: 1, durationSeconds, checkEveryMs: 5_000, storeRoot: store.root };
    const first = startWorker(args);
    await first.waitFor('started');
    const started = first.lines.find((l) => l.step === 'started')!.value as { nodes: { alreadyRunning: boolean; pid: number }[] };
    expect(started.nodes.every((n) => !n.alreadyRunning && n.pid > 0)).toBe(true);
    await first.waitFor('health', 2);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    await sleep(5_000); // nobody watches the nodes for a while

    const second = startWorker(args);
    await second.waitFor('started');
    const again = second.lines.find((l) => l.step === 'started')!.value as { nodes: { alreadyRunning: boolean; pid: number }[] };
    // the new worker finds the same samplers instead of starting second ones
    expect(again.nodes.map((n) => [n.alreadyRunning, n.pid])).toEqual(started.nodes.map((n) => [true, n.pid]));
    await second.waitFor('stopped');
    const health = second.lines.filter((l) => l.step === 'health').map((l) => l.value as { gaps: SamplingGap[] });
    expect(health.flatMap((h) => h.gaps)).toEqual([]);
  });

  it('collects every node with the expected number of samples, none missing', async () => {
    const result = await activities().collectSamples({ runId: id, nodeMapPath, artifactKey });
    const nodes = (await loadNodeMap(nodeMapPath)).nodes.map((n) => n.name);
    expect(result.nodes.map((n) => n.node).sort()).toEqual(nodes.slice().sort());
    for (const node of result.nodes) {
      expect(node.cpuSamples).toBe(durationSeconds);
      expect(node.memorySamples).toBe(durationSeconds);
      const series = await readSeries(artifactKey, node.node);
      const steps = secondsBetween(series.cpu.map((s) => s.time));
      expect(Math.max(...steps)).toBeLessThanOrEqual(2); // no hole: sadc's second-resolution stamps step 1 s (rarely 2 s)
      expect(steps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(durationSeconds - 2);
      for (const sample of series.cpu) expect(sample.used).toBeCloseTo(100 - sample.idle, 6);
      expect(series.memory.every((m) => m.memUsedPercent > 0 && m.memUsedPercent < 100)).toBe(true);
      // the raw sa file is kept next to the parsed data, and sadf on it agrees
      const raw = store.resolve(node.rawFile);
      const recount = execFileSync('sadf', ['-j', raw, '--', '-u'], { encoding: 'utf8' }).match(/"cpu-load"/g)?.length;
      expect(recount).toBe(durationSeconds);
    }
    for (const overhead of result.samplerOverhead) {
      expect(overhead.cpuSeconds).toBeGreaterThan(0);
      expect(overhead.cpuSeconds).toBeLessThan(durationSeconds); // far below one core
      expect(overhead.maxRssKiB).toBeGreaterThan(500);
      expect(overhead.maxRssNotMeasured).toBeUndefined();
    }
    process.stderr.write(`[sampling] ${durationSeconds} s window: ${JSON.stringify(result)}\n`);
  });

  it('removes the run files from the nodes', async () => {
    const cleaned = await activities().cleanupNodes({ runId: id, nodeMapPath });
    expect(cleaned.nodes.every((n) => n.state === 'removed')).toBe(true);
    const map = await loadNodeMap(nodeMapPath);
    const session = await connector.connect(map.nodes[0]!);
    try {
      expect((await session.exec(`test -e .hardenlab/runs/${id} && echo present || echo gone`)).stdout.trim()).toBe('gone');
    } finally {
      await session.close();
    }
    expect((await activities().cleanupNodes({ runId: id, nodeMapPath })).nodes.every((n) => n.state === 'absent')).toBe(true);
  });
});

describe('the health check', () => {
  it('restarts a killed sampler and records the gap', async () => {
    const id = runId('gap');
    const activities = createSamplingActivities({ loadNodeMap, ssh: connector, store });
    const request = { runId: id, nodeMapPath, intervalSeconds: 1, durationSeconds: 25 };
    const started = await activities.startSampling(request);
    const node = (await loadNodeMap(nodeMapPath)).nodes[0]!;
    await sleep(6_000);
    const session = await connector.connect(node);
    const killedAt = Number((await session.run(`kill -9 $(cat .hardenlab/runs/${id}/${node.name}/sampler.pid); date +%s%3N`)).trim());
    await session.close();
    await sleep(4_000);

    const health = await activities.checkSampling(request);
    const victim = health.nodes.find((n) => n.node === node.name)!;
    expect(victim).toEqual({ node: node.name, alive: true, restarted: true });
    expect(health.nodes.filter((n) => n.node !== node.name).every((n) => n.alive && !n.restarted)).toBe(true);
    expect(health.gaps).toHaveLength(1);
    const gap = health.gaps[0]!;
    expect(gap.node).toBe(node.name);
    expect(gap.start).toBeLessThanOrEqual(killedAt);
    expect(gap.start).toBeGreaterThan(killedAt - 2_000);
    expect(gap.end).toBeGreaterThan(killedAt + 3_000);
    // a second check sees it running and keeps the one gap (it lives on the node, not in this process)
    const later = await createSamplingActivities({ loadNodeMap, ssh: connector, store }).checkSampling(request);
    expect(later.nodes.find((n) => n.node === node.name)).toEqual({ node: node.name, alive: true, restarted: false });
    expect(later.gaps).toEqual([gap]);

    await sleep(Math.max(0, started.startedAt + 27_000 - Date.now()));
    await activities.stopSampling(request);
    const artifactKey = `it/${id}`;
    const result = await activities.collectSamples({ runId: id, nodeMapPath, artifactKey });
    const series = await readSeries(artifactKey, node.name);
    // nothing inside the gap, samples on both sides of it
    const times = series.cpu.map((s) => s.time);
    expect(times.filter((t) => t > gap.start + 1_000 && t < gap.end)).toEqual([]);
    expect(times.some((t) => t < gap.start)).toBe(true);
    expect(times.some((t) => t > gap.end)).toBe(true);
    const victimCount = result.nodes.find((n) => n.node === node.name)!.cpuSamples;
    const otherCount = result.nodes.find((n) => n.node !== node.name)!.cpuSamples;
    expect(victimCount).toBeLessThan(otherCount);
    const recorded = await store.readJson<{ gaps: SamplingGap[]; restarts: number[]; identity: NodeIdentity }>(
      artifactKey,
      `nodes/${node.name}/sampling.json`,
    );
    expect(recorded.gaps).toEqual([gap]);
    expect(recorded.restarts).toHaveLength(1);
    // The test bed's node hosts are this machine: the report must be able to tell (same machine-id on every node).
    expect(recorded.identity).toEqual(
      expect.objectContaining({
        node: node.name,
        machineId: readFileSync('/etc/machine-id', 'utf8').trim(),
        bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
      }),
    );
    await activities.cleanupNodes(request);
  });
});

describe('collection when sshd goes away', () => {
  it('fails retryably when sshd is stopped during collection, and the retry completes without duplicates', async () => {
    const id = runId('sshd');
    const plain = createSamplingActivities({ loadNodeMap, ssh: connector, store });
    const request = { runId: id, nodeMapPath: ownMapPath, intervalSeconds: 1, durationSeconds: 12 };
    const started = await plain.startSampling(request);
    await sleep(Math.max(0, started.startedAt + 14_000 - Date.now()));
    await plain.stopSampling(request);

    // sshd of node 2 is stopped (sessions dropped) right after collection has converted the data there
    const victim = ownHosts[1]!;
    const dropping: SshConnector = {
      async connect(node: NodeEntry): Promise<SshSession> {
        const session = await connector.connect(node);
        if (node.host !== victim.address) return session;
        return {
          node: session.node,
          target: session.target,
          hostKey: session.hostKey,
          exec: (command, options) => session.exec(command, options),
          run: (command, options) => session.run(command, options),
          stat: (remote) => session.stat(remote),
          close: () => session.close(),
          upload: (local, remote, progress) => session.upload(local, remote, progress),
          download: async (remote, local, progress) => {
            await victim.stop();
            return session.download(remote, local, progress);
          },
        };
      },
    };
    const artifactKey = `it/${id}`;
    const failure = await createSamplingActivities({ loadNodeMap, ssh: dropping, store })
      .collectSamples({ runId: id, nodeMapPath: ownMapPath, artifactKey })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(Error);
    expect(isRetryable(failure)).toBe(true);
    expect(await store.exists(artifactKey, 'nodes/own-node-2/series.json')).toBe(false);
    // while sshd is down, a retry still fails retryably (connection refused)
    const refused = await plain.collectSamples({ runId: id, nodeMapPath: ownMapPath, artifactKey }).catch((e: unknown) => e);
    expect(isRetryable(refused)).toBe(true);
    expect(String((refused as Error).message)).toMatch(/ECONNREFUSED/);

    await victim.start();
    const result = await plain.collectSamples({ runId: id, nodeMapPath: ownMapPath, artifactKey });
    const again = await plain.collectSamples({ runId: id, nodeMapPath: ownMapPath, artifactKey });
    expect(again.nodes).toEqual(result.nodes);
    // Every node of the map, so the loops below cannot pass over an empty list.
    const ownNodes = (await loadNodeMap(ownMapPath)).nodes.map((n) => n.name).sort();
    expect(result.nodes.map((n) => n.node).sort()).toEqual(ownNodes);
    expect(result.samplerOverhead.map((o) => o.node).sort()).toEqual(ownNodes);
    // no health check ran: the peak comes from the sampler's own readings, the CPU time from its exit record
    expect(result.samplerOverhead.map((o) => [(o.maxRssKiB ?? 0) > 500, o.maxRssNotMeasured, o.cpuSeconds > 0])).toEqual(
      result.samplerOverhead.map(() => [true, undefined, true]),
    );
    for (const node of result.nodes) {
      expect(node.cpuSamples).toBe(12);
      const series = await readSeries(artifactKey, node.node);
      expect(new Set(series.cpu.map((s) => s.time)).size).toBe(series.cpu.length);
    }
    await plain.cleanupNodes(request);
  });

  it('resumes an interrupted SFTP download from where it stopped', async () => {
    const host = ownHosts[2]!;
    const remote = `/var/tmp/hardenlab-sftp-resume-${Date.now()}.bin`;
    execFileSync('sh', ['-c', `head -c ${48 * 1024 * 1024} /dev/urandom > ${remote}`]);
    const local = path.join(work, 'resume', 'big.bin');
    try {
      const session = await connector.connect(host.nodeEntry('resume'));
      // The stop runs beside the download; it is awaited before sshd starts again (it may still listen until then).
      let stopping: Promise<void> | undefined;
      const interrupted = await session
        .download(remote, local, (bytes) => {
          if (!stopping && bytes > 8 * 1024 * 1024) stopping = host.stop();
        })
        .catch((e: unknown) => e);
      await stopping;
      expect(isRetryable(interrupted)).toBe(true);
      const partial = (await fs.stat(`${local}.part`)).size;
      expect(partial).toBeGreaterThan(0);
      await host.start();
      const fresh = await connector.connect(host.nodeEntry('resume'));
      const done = await fresh.download(remote, local);
      await fresh.close();
      expect(done.resumedFrom).toBe(partial);
      const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
      expect(digest(local)).toBe(digest(remote));
      await expect(fs.access(`${local}.part`)).rejects.toThrow();
    } finally {
      await fs.rm(remote, { force: true });
      await host.start();
    }
  });
});

describe('a node user that is not root', () => {
  itAsNonRoot('samples, collects and cleans up without any privileges', async () => {
    const id = runId('nonroot');
    const map = await writeNodeMap(path.join(work, 'nonroot-nodes.yaml'), [ownHosts[0]!.nodeEntry('plain-user', { user: 'hardenlab' })]);
    const activities = createSamplingActivities({ loadNodeMap, ssh: connector, store });
    const request = { runId: id, nodeMapPath: map, intervalSeconds: 1, durationSeconds: 5 };
    const started = await activities.startSampling(request);
    expect(started.nodes[0]!.pid).toBeGreaterThan(0);
    await sleep(Math.max(0, started.startedAt + 7_000 - Date.now()));
    await activities.stopSampling(request);
    const result = await activities.collectSamples({ runId: id, nodeMapPath: map, artifactKey: `it/${id}` });
    expect(result.nodes[0]!.cpuSamples).toBe(5);
    expect((await activities.cleanupNodes(request)).nodes[0]!.state).toBe('removed');
  });
});

describe('host keys, users and rights', () => {
  it('refuses a changed host key, showing the fingerprint', async () => {
    const host = await SshHost.start({ address: ownAddressList[3]!, port: 2222 });
    try {
      const before = host.hostKey().fingerprint;
      await (await connector.connect(host.nodeEntry('n'))).close();
      await host.rotateHostKey();
      const after = host.hostKey().fingerprint;
      const error = (await connector.connect(host.nodeEntry('n')).catch((e: unknown) => e)) as ApplicationFailure;
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect(error.type).toBe('HostKeyChanged');
      expect(error.nonRetryable).toBe(true);
      expect(error.message).toContain(after);
      expect(error.message).toContain(before);
      // trust on first use does not override a changed key
      const tofu = (await connector.connect(host.nodeEntry('n', { trustOnFirstUse: true })).catch((e: unknown) => e)) as ApplicationFailure;
      expect(tofu.type).toBe('HostKeyChanged');
      // nor does a pin of the old key
      const pinned = (await connector
        .connect(host.nodeEntry('n', { knownHostsPath: undefined, hostKeyFingerprint: before }))
        .catch((e: unknown) => e)) as ApplicationFailure;
      expect(pinned.type).toBe('HostKeyChanged');
      const pinnedNew = await connector.connect(host.nodeEntry('n', { knownHostsPath: undefined, hostKeyFingerprint: after }));
      expect(pinnedNew.hostKey).toMatchObject({ fingerprint: after, via: 'pinned' });
      await pinnedNew.close();
    } finally {
      await host.remove();
    }
  });

  it('refuses an unknown key unless trust on first use is on, then records it', async () => {
    const host = ownHosts[0]!;
    const knownHostsPath = path.join(work, 'tofu_known_hosts');
    const unknown = (await connector.connect(host.nodeEntry('n', { knownHostsPath })).catch((e: unknown) => e)) as ApplicationFailure;
    expect(unknown.type).toBe('HostKeyUnknown');
    expect(unknown.message).toContain(host.hostKey().fingerprint);
    const first = await connector.connect(host.nodeEntry('n', { knownHostsPath, trustOnFirstUse: true }));
    expect(first.hostKey).toEqual({
      fingerprint: host.hostKey().fingerprint,
      keyType: 'ssh-ed25519',
      via: 'trust-on-first-use',
      recordedIn: knownHostsPath,
    });
    await first.close();
    // OpenSSH itself accepts the recorded line
    const found = execFileSync('ssh-keygen', ['-F', `[${host.address}]:${host.port}`, '-f', knownHostsPath], { encoding: 'utf8' });
    expect(found).toContain('ssh-ed25519');
    const second = await connector.connect(host.nodeEntry('n', { knownHostsPath }));
    expect(second.hostKey.via).toBe('known_hosts');
    await second.close();
  });

  it('verifies against a hashed known_hosts (ssh-keygen -H)', async () => {
    const host = ownHosts[0]!;
    const hashed = path.join(work, 'hashed_known_hosts');
    await fs.copyFile(host.knownHostsPath, hashed);
    execFileSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'ignore' });
    expect(readFileSync(hashed, 'utf8')).toMatch(/^\|1\|/);
    const session = await connector.connect(host.nodeEntry('n', { knownHostsPath: hashed }));
    expect((await session.run('echo hello')).trim()).toBe('hello');
    await session.close();
  });

  it('fails non-retryably on a wrong key or user, naming user@host:port; retryably when nothing listens', async () => {
    const host = ownHosts[0]!;
    const otherKey = path.join(work, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const wrongKey = (await connector
      .connect(host.nodeEntry('n', { privateKeyPath: otherKey }))
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(wrongKey.type).toBe('SshAuthFailed');
    expect(wrongKey.nonRetryable).toBe(true);
    expect(wrongKey.message).toContain(`root@${host.address}:2222`);
    const wrongUser = (await connector.connect(host.nodeEntry('n', { user: 'nobody' })).catch((e: unknown) => e)) as ApplicationFailure;
    expect(wrongUser.type).toBe('SshAuthFailed');
    expect(wrongUser.message).toContain(`nobody@${host.address}:2222`);
    const closed = await connector.connect(host.nodeEntry('n', { port: 2299 })).catch((e: unknown) => e);
    expect(isRetryable(closed)).toBe(true);
    expect((closed as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('reaches a node through a jump host, verifying both host keys', async () => {
    const [jump, target] = [ownHosts[0]!, ownHosts[1]!];
    const node = target.nodeEntry('behind-jump', {
      jumpHost: {
        host: jump.address,
        port: jump.port,
        user: 'root',
        privateKeyPath: jump.clientKeyPath,
        knownHostsPath: jump.knownHostsPath,
      },
    });
    const session = await connector.connect(node);
    try {
      expect((await session.run('echo $SSH_CONNECTION')).trim().split(' ')[2]).toBe(target.address);
      expect(session.hostKey.fingerprint).toBe(target.hostKey().fingerprint);
      // the jump is really on the path: with the jump's sshd down the node cannot be reached
      await jump.stop();
      const viaDeadJump = await connector.connect(node).catch((e: unknown) => e);
      expect(isRetryable(viaDeadJump)).toBe(true);
      expect((viaDeadJump as Error).message).toContain(`root@${jump.address}:2222`);
    } finally {
      await session.close();
      await jump.start();
    }
    const badJump = (await connector
      .connect({ ...node, jumpHost: { ...node.jumpHost!, hostKeyFingerprint: target.hostKey().fingerprint, knownHostsPath: undefined } })
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(badJump.type).toBe('HostKeyChanged');
    expect(badJump.message).toContain(`root@${jump.address}:2222`);
  });

  it('authenticates with a key held by an ssh-agent socket', async () => {
    const host = ownHosts[0]!;
    const socket = path.join(work, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (
        let i = 0;
        i < 50 &&
        !(await fs.access(socket).then(
          () => true,
          () => false,
        ));
        i++
      )
        await sleep(100);
      execFileSync('ssh-add', [host.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      const session = await connector.connect(host.nodeEntry('agent', { privateKeyPath: undefined, agentSocket: socket }));
      expect((await session.run('id -un')).trim()).toBe('root');
      await session.close();
    } finally {
      agent.kill('SIGTERM');
    }
  });

  itAsNonRoot('names the command when a non-root user may not sudo it', async () => {
    const session = await connector.connect(ownHosts[0]!.nodeEntry('n', { user: 'hardenlab' }));
    try {
      expect((await session.run('id -un')).trim()).toBe('hardenlab');
      const error = (await session.run('apt-get install -y sysstat', { privileged: true }).catch((e: unknown) => e)) as ApplicationFailure;
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect(error.type).toBe('SshPermissionDenied');
      expect(error.nonRetryable).toBe(true);
      expect(error.message).toContain('`apt-get install -y sysstat`');
    } finally {
      await session.close();
    }
  });
});

describe('boot time', () => {
  it('records systemd as unavailable on node hosts without it, and refuses to reboot the worker machine', async () => {
    const activities = createSamplingActivities({ loadNodeMap, ssh: connector, store });
    const result = await activities.measureBootTime({ runId: runId('boot'), nodeMapPath, reboot: false });
    const pid1 = readFileSync('/proc/1/comm', 'utf8').trim();
    expect(result.nodes.map((n) => n.node).sort()).toEqual((await loadNodeMap(nodeMapPath)).nodes.map((n) => n.name).sort());
    for (const node of result.nodes) {
      if (pid1 === 'systemd') {
        expect(node.totalSeconds).toBeGreaterThan(0);
      } else {
        expect(node).toMatchObject({ totalSeconds: null, unavailableReason: `PID 1 is ${pid1}, not systemd` });
      }
    }
    const reboot = (await activities
      .measureBootTime({ runId: runId('boot'), nodeMapPath, reboot: true })
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(reboot.type).toBe('RebootRefused');
  });
});
