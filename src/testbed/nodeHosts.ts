import * as fs from 'node:fs';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { SIM_UNPRIVILEGED_USER, type SimLayout, type SimNode } from './layout';
import { knownHostsLine, renderSshdConfig } from './manifests';
import { isAlive, readPidFile, run, stopProcess, tcpOpen, waitFor, type Log } from './process';

const SSHD = '/usr/sbin/sshd';
/** Debian's sshd insists on its privilege separation folder, which systemd would normally create. */
const PRIVSEP_DIR = '/run/sshd';

export interface NodeHostStatus {
  name: string;
  address: string;
  pid?: number;
  running: boolean;
}

/** The client key (generated once) and the authorized_keys every node host reads. */
export async function ensureClientKey(layout: SimLayout, log: Log): Promise<void> {
  // 0755 / 0644: the unprivileged user's sshd session must read authorized_keys too.
  fs.mkdirSync(layout.sshDir, { recursive: true, mode: 0o755 });
  fs.chmodSync(layout.sshDir, 0o755);
  if (!fs.existsSync(layout.privateKeyPath)) {
    log(`generating the SSH client key ${layout.privateKeyPath}`);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hardenlab-sim', '-f', layout.privateKeyPath]);
  }
  fs.chmodSync(layout.privateKeyPath, 0o600);
  // Atomic (temp file + rename), as every write here that other runs of the test bed read meanwhile: a sim up
  // that reuses the bed must not show a session an empty authorized_keys or known_hosts.
  writeFileAtomic.sync(layout.authorizedKeysPath, fs.readFileSync(layout.publicKeyPath), { mode: 0o644 });
}

/** Creates the non-root login (no sudo rights, '*' password so sshd does not treat it as locked). */
export async function ensureUnprivilegedUser(log: Log): Promise<boolean> {
  try {
    await run('id', ['-u', SIM_UNPRIVILEGED_USER]);
    return true;
  } catch {
    // fall through: create it
  }
  if (process.getuid?.() !== 0) {
    log(`user '${SIM_UNPRIVILEGED_USER}' is missing and creating it needs root; node hosts accept root only`);
    return false;
  }
  log(`creating the unprivileged user '${SIM_UNPRIVILEGED_USER}'`);
  await run('useradd', ['--create-home', '--shell', '/bin/bash', SIM_UNPRIVILEGED_USER]);
  await run('usermod', ['-p', '*', SIM_UNPRIVILEGED_USER]);
  return true;
}

function hostKeyPath(layout: SimLayout, node: SimNode): string {
  return path.join(layout.nodeDir(node.name), 'ssh_host_ed25519_key');
}

function pidFilePath(layout: SimLayout, node: SimNode): string {
  return path.join(layout.nodeDir(node.name), 'sshd.pid');
}

/** Starts the node host's sshd unless it already runs; reuses its host key across restarts. */
export async function startNodeHost(node: SimNode, layout: SimLayout, log: Log): Promise<void> {
  const dir = layout.nodeDir(node.name);
  const port = layout.instance.ports.ssh;
  fs.mkdirSync(dir, { recursive: true });
  const hostKey = hostKeyPath(layout, node);
  if (!fs.existsSync(hostKey)) {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `hardenlab-${node.name}`, '-f', hostKey]);
  }
  const configPath = path.join(dir, 'sshd_config');
  fs.writeFileSync(configPath, renderSshdConfig(node, layout));

  const pid = readPidFile(pidFilePath(layout, node));
  if (pid !== undefined && isAlive(pid) && (await tcpOpen(node.address, port))) {
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
export function writeKnownHosts(nodes: readonly SimNode[], layout: SimLayout): void {
  const lines = nodes.map((node) => knownHostsLine(node.address, layout.instance.ports.ssh, fs.readFileSync(`${hostKeyPath(layout, node)}.pub`, 'utf8')));
  writeFileAtomic.sync(layout.knownHostsPath, `${lines.join('\n')}\n`, { mode: 0o644 });
}

export async function stopNodeHost(node: SimNode, layout: SimLayout, log: Log): Promise<void> {
  const pid = readPidFile(pidFilePath(layout, node));
  if (pid === undefined || !isAlive(pid)) return;
  await stopProcess(pid);
  log(`node host ${node.name}: sshd stopped (pid ${pid})`);
}

export function nodeHostStatus(node: SimNode, layout: SimLayout): NodeHostStatus {
  const pid = readPidFile(pidFilePath(layout, node));
  return { name: node.name, address: node.address, pid, running: pid !== undefined && isAlive(pid) };
}
