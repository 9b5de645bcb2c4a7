/**
 * One SSH connection to a node (ssh2): commands (optionally through sudo), and resumable, atomic SFTP
 * transfers. Opened by Ssh2Connector (connection.ts).
 */
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { Client, SFTPWrapper } from 'ssh2';
import type { NodeEntry } from '../config/nodeMap';
import { isSudoDenied, permissionDenied, SshErrorType, targetOf, transient } from './sshFailures';
import type { HostKeyOutcome } from './hostKeyPolicy';
import { privilegedCommand, shellQuote } from './shell';
import { byteCounter, resumableDownload } from './transfer';
import type { DownloadResult, ExecOptions, ExecResult, RemoteStat, SshSession } from './sessionContract';

export class Ssh2Session implements SshSession {
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
      const onClose = () =>
        finish(() => reject(this.closedError ?? transient(this.target, `running \`${command}\` on`, new Error('connection closed'))));
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(transient(this.target, `running \`${command}\` on`, new Error(`timed out after ${options.timeoutMs ?? 600_000} ms`))),
          ),
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
          if ((err as { code?: number }).code === 2)
            resolve(null); // SSH_FX_NO_SUCH_FILE
          else reject(transient(this.target, `stat ${remotePath} on`, err));
        } else resolve({ size: stats.size, mtimeSeconds: stats.mtime });
      }),
    );
  }

  async download(remotePath: string, localPath: string, onProgress?: (bytes: number) => void): Promise<DownloadResult> {
    const remote = await this.stat(remotePath);
    const sftp = remote ? await this.sftp() : undefined;
    return resumableDownload({
      target: this.target,
      remotePath,
      localPath,
      remote,
      onProgress,
      open: (start, size) => ({ source: sftp!.createReadStream(remotePath, { start, end: size - 1 }), done: Promise.resolve() }),
      failure: (error) => this.closedError ?? transient(this.target, `downloading ${remotePath} from`, error),
    });
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
