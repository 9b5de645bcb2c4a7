/**
 * A throwaway real sshd (Debian's OpenSSH) on a loopback address, for SSH tests that must stop sshd,
 * change its host key or refuse a user — things the shared test bed node hosts must not be put through.
 * Keys are generated at run time into a temp folder; no systemd, no PAM; root login by key only.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { promises as fs, readFileSync, readdirSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { NodeEntry } from '../../src/config/nodeMap';
import { fingerprintOf } from '../../src/ssh/knownHosts';

export interface SshHostOptions {
  address: string;
  port?: number;
  /** Users sshd lets in (default root). */
  allowUsers?: string[];
  /** Reuse a folder (keys kept) instead of a fresh temp folder. */
  dir?: string;
}

export class SshHost {
  private child?: ChildProcess;
  readonly port: number;

  private constructor(
    readonly address: string,
    port: number,
    readonly dir: string,
    private readonly allowUsers: string[],
  ) {
    this.port = port;
  }

  static async start(options: SshHostOptions): Promise<SshHost> {
    const dir = options.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), `hardenlab-sshd-${options.address}-`)));
    const host = new SshHost(options.address, options.port ?? 2222, dir, options.allowUsers ?? ['root']);
    await host.prepareKeys();
    await host.start();
    return host;
  }

  get clientKeyPath(): string {
    return path.join(this.dir, 'id_ed25519');
  }
  get knownHostsPath(): string {
    return path.join(this.dir, 'known_hosts');
  }
  get hostKeyPath(): string {
    return path.join(this.dir, 'ssh_host_ed25519_key');
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The host key's public blob and `SHA256:` fingerprint. */
  hostKey(): { blob: Buffer; fingerprint: string } {
    const blob = Buffer.from(readFileSync(`${this.hostKeyPath}.pub`, 'utf8').split(/\s+/)[1]!, 'base64');
    return { blob, fingerprint: fingerprintOf(blob) };
  }

  /** A known_hosts line for this host in `[addr]:port` form. */
  knownHostsLine(): string {
    const pub = readFileSync(`${this.hostKeyPath}.pub`, 'utf8').trim().split(/\s+/);
    return `[${this.address}]:${this.port} ${pub[0]} ${pub[1]}`;
  }

  nodeEntry(name: string, overrides: Partial<NodeEntry> = {}): NodeEntry {
    return {
      name,
      host: this.address,
      port: this.port,
      user: 'root',
      privateKeyPath: this.clientKeyPath,
      knownHostsPath: this.knownHostsPath,
      trustOnFirstUse: false,
      ...overrides,
    };
  }

  private async prepareKeys(): Promise<void> {
    const exists = async (p: string) => fs.access(p).then(() => true, () => false);
    if (!(await exists(this.hostKeyPath))) keygen(this.hostKeyPath);
    if (!(await exists(this.clientKeyPath))) keygen(this.clientKeyPath);
    await fs.copyFile(`${this.clientKeyPath}.pub`, path.join(this.dir, 'authorized_keys'));
    // sshd reads authorized_keys as the logging-in user: let a non-root test user read it too
    await fs.chmod(this.dir, 0o755);
    await fs.chmod(path.join(this.dir, 'authorized_keys'), 0o644);
    if (!(await exists(this.knownHostsPath))) await fs.writeFile(this.knownHostsPath, this.knownHostsLine() + '\n');
  }

  /** Replaces the host key (the known_hosts file keeps the old one): a "changed host key". */
  async rotateHostKey(): Promise<void> {
    await this.stop();
    await fs.rm(this.hostKeyPath, { force: true });
    await fs.rm(`${this.hostKeyPath}.pub`, { force: true });
    keygen(this.hostKeyPath);
    await this.start();
  }

  async start(): Promise<void> {
    if (this.child) return;
    if (await canConnect(this.address, this.port)) {
      throw new Error(`${this.address}:${this.port} is already taken (a leftover sshd of an earlier run?)`);
    }
    await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation folder sshd insists on
    const config = path.join(this.dir, 'sshd_config');
    await fs.writeFile(
      config,
      [
        `ListenAddress ${this.address}:${this.port}`,
        `HostKey ${this.hostKeyPath}`,
        `PidFile ${path.join(this.dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(this.dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        `AllowUsers ${this.allowUsers.join(' ')}`,
        'Subsystem sftp internal-sftp',
        'MaxStartups 50',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    this.child = child;
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(this.address, this.port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        this.child = undefined;
        throw new Error(`sshd on ${this.address}:${this.port} did not start: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops sshd and drops every open session (kills the per-connection sshd processes too). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    this.child = undefined;
    for (const pid of childrenOf(child.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async remove(): Promise<void> {
    await this.stop();
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hardenlab-test', '-f', file]);
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Direct children of a process (sshd's per-connection processes), from /proc. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // process ended while reading
    }
  }
  return out;
}

/** Writes a node map file for the given entries; returns its path. */
export async function writeNodeMap(file: string, nodes: NodeEntry[]): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, toYaml({ nodes }));
  return file;
}

/** Starts one sshd per address (e.g. 127.0.0.21-23), sharing nothing. */
export async function startSshHosts(addresses: string[], port = 2222): Promise<SshHost[]> {
  return Promise.all(addresses.map((address) => SshHost.start({ address, port })));
}
