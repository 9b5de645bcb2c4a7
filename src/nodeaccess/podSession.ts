/**
 * A node session through its access pod: the same interface as an SSH session (exec, run, stat, resumable
 * download, upload), so the sampler, collect, boot time and the tools work unchanged over either transport.
 * Every command runs as root in the node's own namespaces (accessPod.ts, nodeShellArgv).
 */
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import type { NodeEntry } from '../config/nodeMap';
import { SshErrorType, transient } from '../ssh/sshFailures';
import type { HostKeyOutcome } from '../ssh/hostKeyPolicy';
import { shellQuote } from '../ssh/shell';
import { byteCounter, resumableDownload } from '../ssh/transfer';
import type { DownloadResult, ExecOptions, ExecResult, RemoteStat, SshSession, SysstatKit } from '../ssh/sessionContract';
import { ACCESS_CONTAINER, nodeShellArgv } from './accessPod';
import { accessPodCostScript, parseAccessPodCost, type AccessPodCost } from './cost';
import type { PodExec } from './exec';
import { installKit, readKit } from './sysstatKitCopy';

/** The same default bound as an SSH command's. */
export const DEFAULT_EXEC_TIMEOUT_MS = 600_000;

export interface AccessPodRef {
  namespace: string;
  pod: string;
  /** The pod's UID: its cgroup on the node is named after it (cost.ts). */
  uid: string;
}

/** Collects a stream into a string (stdout and stderr of short commands). */
function collector(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  }) as Writable & { text(): string };
  sink.text = () => Buffer.concat(chunks).toString('utf8');
  return sink;
}

export class KubeNodeSession implements SshSession {
  readonly target: string;
  /** No host key: the API server's certificate (the kubeconfig's CA) authenticates the other end. */
  readonly hostKey: HostKeyOutcome;
  /** A process left in the access pod's cgroup dies with the pod: the sampler starts as a node service. */
  readonly detach = 'service' as const;

  constructor(
    readonly node: NodeEntry,
    private readonly access: AccessPodRef,
    private readonly podExec: PodExec,
  ) {
    this.target = `node ${node.name} (access pod ${access.namespace}/${access.pod})`;
    this.hostKey = { fingerprint: 'none (no SSH: the kubeconfig authenticates the API server)', keyType: 'none', via: 'kubernetes-api' };
  }

  /** Runs `command` with stdout into `stdout`; a dropped stream or timeout is a retryable error naming the node. */
  private async stream(
    command: string,
    stdout: Writable,
    options: { stdin?: Readable | string; timeoutMs?: number },
  ): Promise<{ code: number | null; signal?: string; stderr: string }> {
    const stderr = collector();
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    try {
      const outcome = await this.podExec.exec({
        namespace: this.access.namespace,
        pod: this.access.pod,
        container: ACCESS_CONTAINER,
        argv: nodeShellArgv(command),
        stdout,
        stderr,
        stdin: options.stdin,
        timeoutMs,
      });
      return { ...outcome, stderr: stderr.text() };
    } catch (error) {
      throw transient(this.target, `running \`${command}\` on`, error);
    }
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    // Root already (privileged pod, PID 1's namespaces): `privileged` needs no sudo here.
    const stdout = collector();
    const result = await this.stream(command, stdout, options);
    return { code: result.code, signal: result.signal, stdout: stdout.text(), stderr: result.stderr };
  }

  async run(command: string, options: ExecOptions = {}): Promise<string> {
    const result = await this.exec(command, options);
    if (result.code !== 0) {
      const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-5).join(' | ');
      throw ApplicationFailure.retryable(
        `\`${command}\` on ${this.target} exited with ${result.code ?? `signal ${result.signal}`}: ${detail}`,
        SshErrorType.CommandFailed,
        {
          code: result.code,
          stderr: result.stderr.slice(-2000),
        },
      );
    }
    return result.stdout;
  }

  async stat(remotePath: string): Promise<RemoteStat | null> {
    const p = shellQuote(remotePath);
    const out = (await this.run(`if [ -e ${p} ]; then stat -c '%s %Y' -- ${p}; else echo absent; fi`)).trim();
    if (out === 'absent') return null;
    const [size, mtime] = out.split(/\s+/).map(Number);
    if (!Number.isSafeInteger(size) || !Number.isSafeInteger(mtime))
      throw transient(this.target, `stat ${remotePath} on`, new Error(`unexpected output ${JSON.stringify(out)}`));
    return { size: size!, mtimeSeconds: mtime! };
  }

  async download(remotePath: string, localPath: string, onProgress?: (bytes: number) => void): Promise<DownloadResult> {
    const remote = await this.stat(remotePath);
    return resumableDownload({
      target: this.target,
      remotePath,
      localPath,
      remote,
      onProgress,
      open: (start, size) => {
        const source = new PassThrough();
        // Exactly the bytes from `start` up to the size stat saw, so a resumed part never overlaps or overshoots.
        const command = `tail -c +${start + 1} -- ${shellQuote(remotePath)} | head -c ${size - start}`;
        const done = this.stream(command, source, { timeoutMs: DEFAULT_EXEC_TIMEOUT_MS }).then((r) => {
          if (r.code !== 0) throw new Error(`\`${command}\` exited with ${r.code}: ${r.stderr.trim().slice(-300)}`);
        });
        done.catch((error: Error) => source.destroy(error));
        return { source, done };
      },
      failure: (error) => transient(this.target, `downloading ${remotePath} from`, error),
    });
  }

  async upload(localPath: string, remotePath: string, onProgress?: (bytes: number) => void): Promise<{ bytes: number }> {
    const part = `${remotePath}.part`;
    await this.run(`mkdir -p ${shellQuote(path.posix.dirname(remotePath))} && rm -f ${shellQuote(part)}`);
    const counter = byteCounter(0, onProgress);
    const sink = collector();
    const result = await this.stream(`cat > ${shellQuote(part)}`, sink, { stdin: createReadStream(localPath).pipe(counter) });
    if (result.code !== 0)
      throw transient(
        this.target,
        `uploading ${localPath} to`,
        new Error(`cat exited with ${result.code}: ${result.stderr.trim().slice(-300)}`),
      );
    const written = (await this.stat(part))?.size;
    if (written !== counter.bytes)
      throw transient(
        this.target,
        `uploading ${localPath} to`,
        new Error(`sent ${counter.bytes} bytes, the node has ${written ?? 'none'}`),
      );
    await this.run(`mv -f ${shellQuote(part)} ${shellQuote(remotePath)}`);
    return { bytes: counter.bytes };
  }

  private kit?: Promise<SysstatKit | { unavailable: string }>;

  sysstatKit(): Promise<SysstatKit | { unavailable: string }> {
    this.kit ??= readKit(this.inPod());
    return this.kit;
  }

  async installSysstatKit(kit: SysstatKit): Promise<void> {
    await installKit(
      this.inPod(),
      kit,
      (command) => this.run(command),
      async (command, source) => {
        const result = await this.stream(command, collector(), { stdin: source });
        if (result.code !== 0) throw transient(this.target, `\`${command}\` on`, new Error(result.stderr.trim().slice(-300)));
      },
    );
  }

  private inPod() {
    return { podExec: this.podExec, namespace: this.access.namespace, pod: this.access.pod, container: ACCESS_CONTAINER };
  }

  async transportCost(): Promise<AccessPodCost | { unavailable: string }> {
    return parseAccessPodCost(await this.run(accessPodCostScript(this.access.uid)));
  }

  async close(): Promise<void> {
    // Nothing to close: each command is its own exec; the pod stays for the run (reset removes it).
  }
}
