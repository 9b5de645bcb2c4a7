/**
 * File transfer logic shared by every node transport (SSH's SFTP, the Kubernetes access pod's exec stream):
 * byte counting for heartbeats, and the resumable, atomic download via `<localPath>.part`.
 */
import { promises as fs, createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApplicationFailure } from '@temporalio/common';
import { transient } from './sshFailures';
import type { DownloadResult, RemoteStat } from './sessionContract';

/** A pass-through stream that counts bytes (from `start`, for resumed transfers) and reports progress. */
export function byteCounter(start: number, onProgress?: (bytes: number) => void): Transform & { bytes: number } {
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

export interface ResumableDownload {
  /** For messages: `user@host:port`, or the node and its access pod. */
  target: string;
  remotePath: string;
  localPath: string;
  remote: RemoteStat | null;
  /** The remote bytes from `start` to the end (`remote.size`); `done` settles when the transport has finished. */
  open(start: number, size: number): { source: Readable; done: Promise<unknown> };
  /** Turns a transport failure into the session's error (e.g. the connection's own, when it closed). */
  failure(error: unknown): Error;
  onProgress?: (bytes: number) => void;
}

/**
 * Streams a remote file to localPath via `<localPath>.part`, renamed when complete. An interrupted
 * download resumes from the part file when the remote file is unchanged (same size and mtime).
 */
export async function resumableDownload(d: ResumableDownload): Promise<DownloadResult> {
  const { remote, localPath, remotePath } = d;
  if (!remote) throw ApplicationFailure.nonRetryable(`${remotePath} does not exist on ${d.target}`, 'RemoteFileMissing');
  await fs.mkdir(path.dirname(localPath), { recursive: true });
  const part = `${localPath}.part`;
  const meta = `${part}.json`;
  const identity = JSON.stringify({ remotePath, size: remote.size, mtimeSeconds: remote.mtimeSeconds });
  let start = 0;
  const previous = await fs.readFile(meta, 'utf8').catch(() => null);
  const partSize = await fs.stat(part).then(
    (s) => s.size,
    () => -1,
  );
  if (previous === identity && partSize >= 0 && partSize <= remote.size) start = partSize;
  else {
    await fs.rm(part, { force: true });
    await fs.writeFile(meta, identity);
  }
  if (start < remote.size) {
    const counter = byteCounter(start, d.onProgress);
    try {
      const { source, done } = d.open(start, remote.size);
      await Promise.all([pipeline(source, counter, createWriteStream(part, { flags: start > 0 ? 'a' : 'w' })), done]);
    } catch (error) {
      throw d.failure(error);
    }
  } else if (partSize < 0) {
    await fs.writeFile(part, '');
  }
  const size = (await fs.stat(part)).size;
  if (size !== remote.size) throw transient(d.target, `downloading ${remotePath} from`, new Error(`got ${size} of ${remote.size} bytes`));
  await fs.rename(part, localPath);
  await fs.rm(meta, { force: true });
  return { bytes: size, resumedFrom: start };
}
