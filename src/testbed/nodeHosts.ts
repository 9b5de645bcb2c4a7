import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { TESTBED_UNPRIVILEGED_USER, type TestbedLayout, type TestbedNode } from './layout';
import { knownHostsLine, renderSshdConfig } from './testbedManifests';
import { ownedPid, readPidFile, run, sleep, stopProcess, tcpOpen, waitFor, type Log } from '../process/subprocess';
import { assertTrustedPath, ensurePrivateDir } from './trustedPaths';

const SSHD = '/usr/sbin/sshd';
/** Debian's sshd insists on its privilege separation folder, which systemd would normally create. */
const PRIVSEP_DIR = '/run/sshd';

export interface NodeHostStatus {
  name: string;
  address: string;
  pid?: number;
  running: boolean;
}

/**
 * Where the KWOK node hosts' sshd reads the authorized keys: a root-owned file outside the data folder (sshd's
 * StrictModes checks it and every folder above it, which a data folder under /tmp would fail), one per test bed.
 */
export function nodeHostKeysFile(layout: TestbedLayout): string {
  const id = createHash('sha256').update(layout.testbedDir).digest('hex').slice(0, 12);
  return path.join('/run/hardenlab/sim', `${layout.instance.clusterName}-${id}`, 'authorized_keys');
}

/** Writes the node hosts' authorized keys (root-owned, 0644 in 0755 folders) and checks the path as sshd will. */
export function writeNodeHostKeys(layout: TestbedLayout): string {
  const file = nodeHostKeysFile(layout);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  for (let dir = path.dirname(file); dir !== '/run'; dir = path.dirname(dir)) fs.chmodSync(dir, 0o755);
  writeFileAtomic.sync(file, fs.readFileSync(layout.publicKeyPath), { mode: 0o644 });
  assertTrustedPath(file, "the node hosts' authorized keys");
  return file;
}

export function removeNodeHostKeys(layout: TestbedLayout): void {
  fs.rmSync(path.dirname(nodeHostKeysFile(layout)), { recursive: true, force: true });
}

/** The client key (generated once) and the authorized_keys the real nodes get a copy of, in folders only root opens. */
export async function ensureClientKey(layout: TestbedLayout, log: Log): Promise<void> {
  ensurePrivateDir(layout.testbedDir);
  ensurePrivateDir(layout.sshDir);
  if (!fs.existsSync(layout.privateKeyPath)) {
    log(`generating the SSH client key ${layout.privateKeyPath}`);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hardenlab-sim', '-f', layout.privateKeyPath]);
  }
  fs.chmodSync(layout.privateKeyPath, 0o600);
  // Atomic (temp file + rename), as every write here that other runs of the test bed read meanwhile: a testbed up
  // that reuses the bed must not show a session an empty authorized_keys or known_hosts.
  writeFileAtomic.sync(layout.authorizedKeysPath, fs.readFileSync(layout.publicKeyPath), { mode: 0o644 });
}

/** Creates the non-root login (no sudo rights, '*' password so sshd does not treat it as locked). */
export async function ensureUnprivilegedUser(log: Log): Promise<boolean> {
  try {
    await run('id', ['-u', TESTBED_UNPRIVILEGED_USER]);
    return true;
  } catch {
    // fall through: create it
  }
  if (process.getuid?.() !== 0) {
    log(`user '${TESTBED_UNPRIVILEGED_USER}' is missing and creating it needs root; node hosts accept root only`);
    return false;
  }
  log(`creating the unprivileged user '${TESTBED_UNPRIVILEGED_USER}'`);
  await run('useradd', ['--create-home', '--shell', '/bin/bash', TESTBED_UNPRIVILEGED_USER]);
  await run('usermod', ['-p', '*', TESTBED_UNPRIVILEGED_USER]);
  return true;
}

function hostKeyPath(layout: TestbedLayout, node: TestbedNode): string {
  return path.join(layout.nodeDir(node.name), 'ssh_host_ed25519_key');
}

function pidFilePath(layout: TestbedLayout, node: TestbedNode): string {
  return path.join(layout.nodeDir(node.name), 'sshd.pid');
}

/** Starts the node host's sshd unless it already runs; reuses its host key across restarts. */
export async function startNodeHost(node: TestbedNode, layout: TestbedLayout, log: Log): Promise<void> {
  const dir = layout.nodeDir(node.name);
  const port = layout.instance.ports.ssh;
  fs.mkdirSync(dir, { recursive: true });
  const hostKey = hostKeyPath(layout, node);
  if (!fs.existsSync(hostKey)) {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `hardenlab-${node.name}`, '-f', hostKey]);
  }
  const configPath = path.join(dir, 'sshd_config');
  fs.writeFileSync(configPath, renderSshdConfig(node, layout, writeNodeHostKeys(layout)));

  const listening = await tcpOpen(node.address, port);
  const pid = sshdPid(layout, node) ?? (listening ? await awaitSshdPid(layout, node) : undefined);
  if (pid !== undefined && listening) {
    log(`node host ${node.name}: sshd already runs on ${node.address}:${port} (pid ${pid})`);
    return;
  }
  if (await tcpOpen(node.address, port)) {
    throw new Error(`${node.address}:${port} is taken by a process the test bed did not start; stop it first`);
  }
  fs.mkdirSync(PRIVSEP_DIR, { recursive: true, mode: 0o755 });
  await run(SSHD, ['-t', '-f', configPath]);
  // sshd daemonizes itself and writes its pid file; -E keeps its log next to its config.
  await run(SSHD, ['-f', configPath, '-E', path.join(dir, 'sshd.log')]);
  // sshd may accept connections a moment before it has written its pid file: wait for both.
  const started = await waitFor(
    `sshd of ${node.name} on ${node.address}:${port}`,
    async () => ((await tcpOpen(node.address, port)) ? readPidFile(pidFilePath(layout, node)) : undefined),
    10_000,
    100,
  );
  log(`node host ${node.name}: sshd listens on ${node.address}:${port} (pid ${started})`);
}

/** Writes known_hosts from the node hosts' public host keys, so clients can verify them strictly. */
export function writeKnownHosts(nodes: readonly TestbedNode[], layout: TestbedLayout): void {
  const lines = nodes.map((node) =>
    knownHostsLine(node.address, layout.instance.ports.ssh, fs.readFileSync(`${hostKeyPath(layout, node)}.pub`, 'utf8')),
  );
  writeFileAtomic.sync(layout.knownHostsPath, `${lines.join('\n')}\n`, { mode: 0o644 });
}

/**
 * A listening sshd not yet confirmed as ours: its pid file may not be written yet (sshd accepts a moment before it
 * writes it). Look again for up to 2 s before calling the port someone else's.
 */
async function awaitSshdPid(layout: TestbedLayout, node: TestbedNode): Promise<number | undefined> {
  for (let look = 0; look < 20; look++) {
    await sleep(100);
    const pid = sshdPid(layout, node);
    if (pid !== undefined) return pid;
  }
  return undefined;
}

/** The node host's sshd from its pid file, only if that pid still runs sshd with this node's config. */
function sshdPid(layout: TestbedLayout, node: TestbedNode): number | undefined {
  const config = path.join(layout.nodeDir(node.name), 'sshd_config');
  return ownedPid(pidFilePath(layout, node), (command) => /^sshd: \S*sshd /.test(command) && command.includes(` -f ${config}`));
}

export async function stopNodeHost(node: TestbedNode, layout: TestbedLayout, log: Log): Promise<void> {
  const pid = sshdPid(layout, node);
  if (pid === undefined) return;
  await stopProcess(pid);
  log(`node host ${node.name}: sshd stopped (pid ${pid})`);
}

export function nodeHostStatus(node: TestbedNode, layout: TestbedLayout): NodeHostStatus {
  const pid = sshdPid(layout, node);
  return { name: node.name, address: node.address, pid: pid ?? readPidFile(pidFilePath(layout, node)), running: pid !== undefined };
}
