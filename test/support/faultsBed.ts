/**
 * The fault tests' own KWOK test bed, and the faults it takes: control plane processes stopped and started
 * again exactly as kwokctl launched them, node hosts' sshd stopped with their sessions.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  binaryPaths,
  numberedNodes,
  readVersions,
  testbedDown,
  testbedLayout,
  testbedStatus,
  testbedUp,
  withTestbedLock,
  type TestbedInstance,
  type TestbedLayout,
  type TestbedNode,
  type TestbedUpResult,
} from '../../src/testbed';
import { waitClusterReady, type ClusterContext } from '../../src/testbed/kwokCluster';
import { startNodeHost, stopNodeHost } from '../../src/testbed/nodeHosts';
import { logTail } from '../../src/process/logTail';
import { isAlive, readPidFile, sleep, stopProcess } from '../../src/process/subprocess';

const log = (line: string) => process.stderr.write(`[faults] ${line}\n`);

/**
 * The fault tests' own KWOK test bed: other ports, node addresses and data folder than the shared one, so the
 * apiserver and sshd they stop belong to nobody else and the other test-bed files run beside them.
 */
export const FAULTS_INSTANCE: TestbedInstance = {
  clusterName: 'hardenlab-faults',
  ports: {
    kubeApiserver: 27443,
    etcd: 23379,
    etcdPeer: 23380,
    kubeControllerManager: 31257,
    kubeScheduler: 31259,
    kwokController: 31247,
    ssh: 22,
  },
  nodes: numberedNodes('fault-node', 61),
};

/** How kwokctl launched one control plane process, read from /proc so it can be started again as it was. */
export interface ComponentLaunch {
  name: string;
  pidFile: string;
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
}

/** A test bed instance in its own data folder, and the faults one can inject into it. */
export class FaultsBed {
  readonly layout: TestbedLayout;

  constructor(
    readonly home: string,
    readonly instance: TestbedInstance = FAULTS_INSTANCE,
  ) {
    this.layout = testbedLayout(home, instance);
  }

  up(): Promise<TestbedUpResult> {
    return testbedUp({ env: process.env, home: this.home, instance: this.instance, nodes: 'kwok', log });
  }

  down(): Promise<unknown> {
    return testbedDown({ env: process.env, home: this.home, instance: this.instance, log });
  }

  private clusterContext(): ClusterContext {
    const versions = readVersions();
    return { layout: this.layout, binaries: binaryPaths(versions), versions, log, env: process.env };
  }

  private pidsDir(): string {
    return path.join(this.layout.kwokClusterDir, 'pids');
  }

  /** Launch specs of every running control plane component (etcd, kube-apiserver, controllers, kwok). */
  snapshotControlPlane(): ComponentLaunch[] {
    return fs
      .readdirSync(this.pidsDir())
      .filter((file) => file.endsWith('.pid'))
      .map((file) => {
        const pidFile = path.join(this.pidsDir(), file);
        const pid = readPidFile(pidFile);
        if (pid === undefined || !isAlive(pid)) throw new Error(`control plane component ${file} is not running before the fault`);
        const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        const env = Object.fromEntries(
          fs
            .readFileSync(`/proc/${pid}/environ`, 'utf8')
            .split('\0')
            .filter((kv) => kv.includes('='))
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
        );
        return {
          name: file.replace(/\.pid$/, ''),
          pidFile,
          argv,
          cwd: fs.readlinkSync(`/proc/${pid}/cwd`),
          env,
          logFile: fs.readlinkSync(`/proc/${pid}/fd/1`),
        };
      });
  }

  /** Stops one control plane component (SIGTERM, then SIGKILL after 10 s). */
  async stopComponent(name: string): Promise<number> {
    const pid = readPidFile(path.join(this.pidsDir(), `${name}.pid`));
    if (pid === undefined || !isAlive(pid)) throw new Error(`${name} is not running`);
    await stopProcess(pid);
    log(`${name} (pid ${pid}) stopped`);
    return pid;
  }

  /**
   * Starts every component of the snapshot that no longer runs (the stopped one, and any that exited meanwhile),
   * then waits until the API answers /readyz, the nodes are Ready and every component has stayed up for three
   * checks in a row. A component that exits again is started again, up to three times (a kube-apiserver gives up
   * when etcd answers too slowly at its start); a failure names each exit and the end of the component's log.
   */
  async restoreControlPlane(snapshot: readonly ComponentLaunch[], timeoutMs = 180_000, checkMs = 10_000): Promise<string[]> {
    const restarted: string[] = [];
    const exits: string[] = [];
    const deadline = Date.now() + timeoutMs;
    const ctx = this.clusterContext();
    const evidence = (lastError: unknown) =>
      [
        lastError instanceof Error ? lastError.message : String(lastError),
        `restarted: ${restarted.join(', ') || 'none'}`,
        `exits: ${exits.join('; ') || 'none'}`,
        ...[...new Set(restarted)].map((name) => `${name}'s log ends:\n${componentLogTail(snapshot.find((c) => c.name === name)!)}`),
      ].join('\n');
    let lastError: unknown = 'not checked';
    for (let stableRounds = 0; stableRounds < 3;) {
      let relaunched = false;
      for (const component of snapshot) {
        const pid = readPidFile(component.pidFile);
        if (pid !== undefined && isAlive(pid)) continue;
        if (restarted.filter((name) => name === component.name).length >= 4)
          throw new Error(`control plane not restored: ${component.name} exited after each of 4 starts\n${evidence(lastError)}`);
        launch(component, (how) => exits.push(`${component.name} ${how}`));
        restarted.push(component.name);
        relaunched = true;
      }
      const ready = await waitClusterReady(ctx, this.instance.nodes, checkMs).then(
        () => true,
        (error: unknown) => ((lastError = error), false),
      );
      stableRounds = ready && !relaunched ? stableRounds + 1 : 0;
      if (stableRounds < 3 && Date.now() > deadline)
        throw new Error(`control plane not ready and stable within ${timeoutMs / 1000} s: ${evidence(lastError)}`);
      await sleep(2_000);
    }
    return restarted;
  }

  /**
   * Holds the test bed's own lock (the one `testbedUp` takes, `<home>/.sim.lock` naming its holder's pid) while a
   * component is down, so nothing that calls `testbedUp` on this bed meanwhile recreates it over a broken control plane.
   */
  withLock<T>(fn: () => Promise<T>, waitMs = 300_000): Promise<T> {
    return withTestbedLock(this.home, fn, waitMs);
  }

  /** The whole test bed runs: every component and node host alive, the API ready. */
  async assertHealthy(): Promise<void> {
    const status = await testbedStatus({ env: process.env, home: this.home, instance: this.instance });
    if (!status.running) {
      const down = [
        ...status.components.filter((c) => !c.running).map((c) => c.name),
        ...status.nodeHosts.filter((n) => !n.running).map((n) => `sshd ${n.name}`),
      ];
      throw new Error(`test bed not healthy after the fault: api ready ${status.apiReady}; down: ${down.join(', ') || 'none'}`);
    }
  }

  private node(name: string): TestbedNode {
    const node = this.instance.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name} in test bed ${this.instance.clusterName}`);
    return node;
  }

  /**
   * Stops a node host's sshd like a crashed or stopped daemon: the listener and its open sessions, so an
   * SFTP transfer under way breaks too. Processes the sessions started (a detached sampler) are left alone.
   */
  async stopSshd(nodeName: string): Promise<void> {
    const node = this.node(nodeName);
    const listener = readPidFile(path.join(this.layout.nodeDir(node.name), 'sshd.pid'));
    const sessions = listener
      ? descendants(listener).filter((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sshd'))
      : [];
    await stopNodeHost(node, this.layout, log);
    for (const pid of sessions) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    log(`sshd of ${nodeName} stopped with ${sessions.length} session process(es)`);
  }

  async startSshd(nodeName: string): Promise<void> {
    await startNodeHost(this.node(nodeName), this.layout, log);
  }
}

function launch(component: ComponentLaunch, onExit: (how: string) => void): number {
  const out = fs.openSync(component.logFile, 'a');
  // Detached, as kwokctl leaves it: the component outlives this test process.
  const child = spawn(component.argv[0]!, component.argv.slice(1), {
    cwd: component.cwd,
    env: component.env,
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.once('exit', (code, signal) => onExit(signal ? `killed by ${signal}` : `exited with code ${code}`));
  child.unref();
  fs.writeFileSync(component.pidFile, String(child.pid));
  log(`${component.name} started again (pid ${child.pid})`);
  return child.pid!;
}

/** The last lines of a component's log, each cut to 300 characters: why it exited, for the failure message. */
function componentLogTail(component: ComponentLaunch): string {
  const last = logTail(component.logFile, 12);
  return last.length > 0 ? last.map((line) => `  ${line.slice(0, 300)}`).join('\n') : `  (no log at ${component.logFile})`;
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}
