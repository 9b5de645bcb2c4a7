import { promises as fs, createReadStream, createWriteStream } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import type { NodeEntry } from '../config/nodeMap';
import { authFailed, isSudoDenied, permissionDenied, SshErrorType, targetOf, transient } from './errors';
import { createHostKeyCheck, type HostKeyOutcome, type HostKeyPolicy } from './hostKeyPolicy';

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Run through `sudo -n` when the user is not root (root runs it directly). */
  privileged?: boolean;
  stdin?: string;
  /** Kill the wait after this long (retryable error); default 10 minutes. */
  timeoutMs?: number;
}

export interface RemoteStat {
  size: number;
  mtimeSeconds: number;
}

export interface DownloadResult {
  bytes: number;
  /** Bytes reused from an earlier interrupted attempt. */
  resumedFrom: number;
}

export interface SshSession {
  readonly node: NodeEntry;
  /** `user@host:port`, for messages. */
  readonly target: string;
  /** How the host key was accepted, with its fingerprint (recorded when trusted on first use). */
  readonly hostKey: HostKeyOutcome;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but a non-zero exit is an error naming the command (a sudo refusal is non-retryable). */
  run(command: string, options?: ExecOptions): Promise<string>;
  stat(remotePath: string): Promise<RemoteStat | null>;
  /**
   * Streams a remote file to localPath via `<localPath>.part`, renamed when complete. An interrupted
   * download resumes from the part file when the remote file is unchanged (same size and mtime).
   */
  download(remotePath: string, localPath: string, onProgress?: (bytes: number) => void): Promise<DownloadResult>;
  /** Streams a local file to remotePath via `<remotePath>.part` (parent folders created), renamed when complete. */
  upload(localPath: string, remotePath: string, onProgress?: (bytes: number) => void): Promise<{ bytes: number }>;
  close(): Promise<void>;
}

export interface SshConnector {
  connect(node: NodeEntry): Promise<SshSession>;
}

export interface Ssh2ConnectorOptions {
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Fallback known_hosts file when a node names none (OpenSSH's default). */
  defaultKnownHostsPath?: string;
}

/** The production connector: ssh2 with host key verification, key file or agent, optional jump host. */
export class Ssh2Connector implements SshConnector {
  constructor(private readonly options: Ssh2ConnectorOptions = {}) {}

  async connect(node: NodeEntry): Promise<SshSession> {
    const knownHostsDefault = this.options.defaultKnownHostsPath ?? path.join(os.homedir(), '.ssh', 'known_hosts');
    let jump: Client | undefined;
    let sock: NodeJS.ReadableStream | undefined;
    if (node.jumpHost) {
      const j = node.jumpHost;
      const jumpPolicy: HostKeyPolicy = {
        knownHostsPath: j.knownHostsPath ?? (j.hostKeyFingerprint ? undefined : node.knownHostsPath ?? knownHostsDefault),
        hostKeyFingerprint: j.hostKeyFingerprint,
        trustOnFirstUse: false,
      };
      const jumpAuth = { privateKeyPath: j.privateKeyPath ?? node.privateKeyPath, agentSocket: node.agentSocket };
      const opened = await this.open(j.host, j.port, j.user, jumpAuth, jumpPolicy);
      jump = opened.client;
      const jumpClient = jump;
      sock = await new Promise<ClientChannel>((resolve, reject) =>
        jumpClient.forwardOut('127.0.0.1', 0, node.host, node.port, (err, channel) =>
          err ? reject(transient(targetOf(node.user, node.host, node.port), `forwarding via ${j.host} to`, err)) : resolve(channel),
        ),
      ).catch((error) => {
        jumpClient.end();
        throw error;
      });
    }
    const policy: HostKeyPolicy = {
      knownHostsPath: node.knownHostsPath ?? (node.hostKeyFingerprint ? undefined : knownHostsDefault),
      hostKeyFingerprint: node.hostKeyFingerprint,
      trustOnFirstUse: node.trustOnFirstUse,
    };
    try {
      const { client, hostKey } = await this.open(node.host, node.port, node.user, node, policy, sock);
      return new Ssh2Session(node, client, hostKey, jump);
    } catch (error) {
      jump?.end();
      throw error;
    }
  }

  private async open(
    host: string,
    port: number,
    user: string,
    auth: { privateKeyPath?: string; agentSocket?: string },
    policy: HostKeyPolicy,
    sock?: NodeJS.ReadableStream,
  ): Promise<{ client: Client; hostKey: HostKeyOutcome }> {
    const target = targetOf(user, host, port);
    const privateKey = await readPrivateKey(target, auth.privateKeyPath);
    const agent = auth.agentSocket ?? (privateKey ? undefined : process.env.SSH_AUTH_SOCK);
    if (!privateKey && !agent) {
      throw ApplicationFailure.nonRetryable(`${target}: no privateKeyPath or agentSocket in the node map (and no SSH_AUTH_SOCK)`, SshErrorType.KeyUnreadable);
    }
    const check = await createHostKeyCheck(host, port, target, policy);
    const client = new Client();
    const config: ConnectConfig = {
      host,
      port,
      username: user,
      privateKey,
      agent,
      readyTimeout: this.options.readyTimeoutMs ?? 20_000,
      keepaliveInterval: this.options.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        check.verify(key).then(verify, () => verify(false));
      },
      algorithms: check.preferredAlgorithms.length
        ? { serverHostKey: { prepend: check.preferredAlgorithms as never[], append: [], remove: [] } }
        : undefined,
      sock: sock as ConnectConfig['sock'],
    };
    return new Promise((resolve, reject) => {
      let settled = false;
      client.once('ready', () => {
        settled = true;
        // later errors surface through the session's pending calls; an 'error' without a listener would crash the worker
        client.on('error', () => undefined);
        resolve({ client, hostKey: check.outcome()! });
      });
      client.once('error', (err: Error & { level?: string }) => {
        if (settled) return;
        settled = true;
        client.end();
        const refusal = check.refusal();
        if (refusal) reject(refusal);
        else if (err.level === 'client-authentication') reject(authFailed(target, err.message));
        else reject(transient(target, 'connecting to', err));
      });
      client.once('close', () => {
        if (settled) return;
        settled = true;
        reject(check.refusal() ?? transient(target, 'connecting to', new Error('connection closed during handshake')));
      });
      client.connect(config);
    });
  }
}

async function readPrivateKey(target: string, keyPath: string | undefined): Promise<Buffer | undefined> {
  if (!keyPath) return undefined;
  try {
    return await fs.readFile(keyPath);
  } catch (error) {
    throw ApplicationFailure.nonRetryable(`${target}: cannot read privateKeyPath ${keyPath}: ${(error as Error).message}`, SshErrorType.KeyUnreadable);
  }
}

/** POSIX single-quoting for building remote command lines. */
/** A pass-through stream that counts bytes (from `start`, for resumed transfers) and reports progress. */
function byteCounter(start: number, onProgress?: (bytes: number) => void): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      counter.bytes += chunk.length;
      onProgress?.(counter.bytes);
      callback(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = start;
  return counter;
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Wraps a command for sudo when the user is not root; `-n` so a password prompt fails instead of hanging. */
export function privilegedCommand(user: string, command: string): string {
  return user === 'root' ? command : `sudo -n sh -c ${shellQuote(command)}`;
}

class Ssh2Session implements SshSession {
  readonly target: string;
  private sftpChannel?: Promise<SFTPWrapper>;
  private closedError?: Error;

  constructor(
    readonly node: NodeEntry,
    private readonly client: Client,
    readonly hostKey: HostKeyOutcome,
    private readonly jump?: Client,
  ) {
    this.target = targetOf(node.user, node.host, node.port);
    client.on('error', (err) => {
      this.closedError = transient(this.target, 'connection to', err);
    });
    client.on('close', () => {
      this.closedError ??= transient(this.target, 'connection to', new Error('connection closed'));
    });
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const line = options.privileged ? privilegedCommand(this.node.user, command) : command;
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.client.removeListener('close', onClose);
        fn();
      };
      const onClose = () => finish(() => reject(this.closedError ?? transient(this.target, `running \`${command}\` on`, new Error('connection closed'))));
      const timer = setTimeout(
        () => finish(() => reject(transient(this.target, `running \`${command}\` on`, new Error(`timed out after ${options.timeoutMs ?? 600_000} ms`)))),
        options.timeoutMs ?? 600_000,
      );
      this.client.once('close', onClose);
      this.client.exec(line, (err, stream) => {
        if (err) return finish(() => reject(transient(this.target, `running \`${command}\` on`, err)));
        stream.on('data', (chunk: Buffer) => stdout.push(chunk));
        stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        stream.on('close', (code: number | null | undefined, signal?: string) => {
          const result: ExecResult = {
            code: code ?? null,
            signal: signal ?? undefined,
            stdout: Buffer.concat(stdout).toString('utf8'),
            stderr: Buffer.concat(stderr).toString('utf8'),
          };
          if (code === undefined && signal === undefined && this.closedError) finish(() => reject(this.closedError));
          else finish(() => resolve(result));
        });
        if (options.stdin !== undefined) stream.end(options.stdin);
        else stream.end();
      });
    });
  }

  async run(command: string, options: ExecOptions = {}): Promise<string> {
    const result = await this.exec(command, options);
    if (options.privileged && this.node.user !== 'root' && isSudoDenied(result.stderr, result.code)) {
      throw permissionDenied(this.target, command, result.stderr);
    }
    if (result.code !== 0) {
      const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-5).join(' | ');
      throw ApplicationFailure.retryable(
        `\`${command}\` on ${this.target} exited with ${result.code ?? `signal ${result.signal}`}: ${detail}`,
        SshErrorType.CommandFailed,
        { code: result.code, stderr: result.stderr.slice(-2000) },
      );
    }
    return result.stdout;
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpChannel ??= new Promise<SFTPWrapper>((resolve, reject) =>
      this.client.sftp((err, sftp) => (err ? reject(transient(this.target, 'opening SFTP on', err)) : resolve(sftp))),
    );
    this.sftpChannel.catch(() => (this.sftpChannel = undefined));
    return this.sftpChannel;
  }

  async stat(remotePath: string): Promise<RemoteStat | null> {
    const sftp = await this.sftp();
    return new Promise((resolve, reject) =>
      sftp.stat(remotePath, (err, stats) => {
        if (err) {
          if ((err as { code?: number }).code === 2) resolve(null); // SSH_FX_NO_SUCH_FILE
          else reject(transient(this.target, `stat ${remotePath} on`, err));
        } else resolve({ size: stats.size, mtimeSeconds: stats.mtime });
      }),
    );
  }

  async download(remotePath: string, localPath: string, onProgress?: (bytes: number) => void): Promise<DownloadResult> {
    const remote = await this.stat(remotePath);
    if (!remote) throw ApplicationFailure.nonRetryable(`${remotePath} does not exist on ${this.target}`, 'RemoteFileMissing');
    await fs.mkdir(path.dirname(localPath), { recursive: true });
    const part = `${localPath}.part`;
    const meta = `${part}.json`;
    const identity = JSON.stringify({ remotePath, size: remote.size, mtimeSeconds: remote.mtimeSeconds });
    let start = 0;
    const previous = await fs.readFile(meta, 'utf8').catch(() => null);
    const partSize = await fs.stat(part).then((s) => s.size, () => -1);
    if (previous === identity && partSize >= 0 && partSize <= remote.size) start = partSize;
    else {
      await fs.rm(part, { force: true });
      await fs.writeFile(meta, identity);
    }
    const sftp = await this.sftp();
    if (start < remote.size) {
      const counter = byteCounter(start, onProgress);
      try {
        await pipeline(
          sftp.createReadStream(remotePath, { start, end: remote.size - 1 }),
          counter,
          createWriteStream(part, { flags: start > 0 ? 'a' : 'w' }),
        );
      } catch (error) {
        throw this.closedError ?? transient(this.target, `downloading ${remotePath} from`, error);
      }
    } else if (partSize < 0) {
      await fs.writeFile(part, '');
    }
    const size = (await fs.stat(part)).size;
    if (size !== remote.size) throw transient(this.target, `downloading ${remotePath} from`, new Error(`got ${size} of ${remote.size} bytes`));
    await fs.rename(part, localPath);
    await fs.rm(meta, { force: true });
    return { bytes: size, resumedFrom: start };
  }

  async upload(localPath: string, remotePath: string, onProgress?: (bytes: number) => void): Promise<{ bytes: number }> {
    const part = `${remotePath}.part`;
    await this.run(`mkdir -p ${shellQuote(path.posix.dirname(remotePath))} && rm -f ${shellQuote(part)}`);
    const sftp = await this.sftp();
    const counter = byteCounter(0, onProgress);
    try {
      await pipeline(createReadStream(localPath), counter, sftp.createWriteStream(part));
    } catch (error) {
      throw this.closedError ?? transient(this.target, `uploading ${localPath} to`, error);
    }
    await this.run(`mv -f ${shellQuote(part)} ${shellQuote(remotePath)}`);
    return { bytes: counter.bytes };
  }

  async close(): Promise<void> {
    this.client.end();
    this.jump?.end();
  }
}
