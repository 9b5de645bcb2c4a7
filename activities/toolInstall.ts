/**
 * Puts the worker's kube-bench build (binary + benchmark definitions) into a run's private directory on a
 * node (src/ssh/privateDir.ts) over SFTP, verifying its sha256 there. Nothing is reused from an earlier
 * run: a copy at a fixed, shared path could be anyone's, and asking it its version would already run it.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import type { PrivateDir } from '../src/ssh/privateDir';
import { shellQuote } from '../src/ssh/shell';
import type { ToolSshSession } from '../src/tools/access';
import { safeHeartbeat } from '../src/temporal/heartbeat';

const execFileAsync = promisify(execFile);

export interface StagedKubeBench {
  binary: string;
  configDir: string;
  version: string;
  /** sha256 of the binary as uploaded, checked again right before each privileged run. */
  sha256: string;
}

export async function sha256File(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

async function mustRun(session: ToolSshSession, target: string, command: string): Promise<string> {
  const result = await session.exec(command);
  if (result.code !== 0) {
    // The node refused a plain file operation: retrying may help (disk, transient), so a plain Error.
    throw new Error(`\`${command}\` on ${target} exited with ${result.code ?? result.signal}: ${result.stderr.trim().slice(-500)}`);
  }
  return result.stdout;
}

/** Copies a local file to the node, verifying its SHA-256 there; returns the digest. */
export async function putFile(session: ToolSshSession, target: string, local: string, remote: string): Promise<string> {
  const digest = await sha256File(local);
  await session.upload(local, remote, (bytes) => safeHeartbeat({ step: 'upload', file: path.basename(local), bytes }));
  const remoteDigest = (await mustRun(session, target, `sha256sum ${shellQuote(remote)}`)).split(/\s+/)[0];
  if (remoteDigest !== digest) throw new Error(`upload of ${local} to ${target}:${remote} is corrupt (sha256 ${remoteDigest} ≠ ${digest})`);
  return digest;
}

/** The version a kube-bench binary reports (`kube-bench version`, as the SSH user), or undefined when it does not run. */
export async function remoteKubeBenchVersion(session: ToolSshSession, binary: string): Promise<string | undefined> {
  const result = await session.exec(`${shellQuote(binary)} version`);
  if (result.code !== 0) return undefined;
  return result.stdout.trim().split('\n').pop()?.trim() || undefined;
}

/**
 * Uploads the worker's kube-bench build (`kube-bench` and `cfg/` in kubeBenchDir) into `dir`, packing `cfg/` in a
 * private folder under `workerTempDir`.
 */
export async function stageKubeBench(
  session: ToolSshSession,
  target: string,
  build: { kubeBenchDir: string; kubeBenchVersion: string },
  dir: PrivateDir,
  workerTempDir: string,
): Promise<StagedKubeBench> {
  const { kubeBenchDir: localDir, kubeBenchVersion: version } = build;
  const binary = path.posix.join(dir.path, 'kube-bench');
  const configDir = path.posix.join(dir.path, 'cfg');
  const localBinary = path.join(localDir, 'kube-bench');
  for (const needed of [localBinary, path.join(localDir, 'cfg', 'config.yaml')]) {
    await fs.access(needed).catch(() => {
      throw ApplicationFailure.nonRetryable(
        `kube-bench ${version} is not built on this worker (${needed} is missing): run scripts/tools/build-kube-bench.sh`,
        'ToolMissing',
      );
    });
  }
  const tarball = path.join(await fs.mkdtemp(path.join(workerTempDir, 'hardenlab-kube-bench-')), 'cfg.tar.gz');
  let sha256: string;
  try {
    await execFileAsync('tar', ['-czf', tarball, '-C', localDir, 'cfg']);
    sha256 = await putFile(session, target, localBinary, binary);
    await putFile(session, target, tarball, path.posix.join(dir.path, 'cfg.tar.gz'));
    await mustRun(session, target, `cd ${shellQuote(dir.path)} && tar -xzf cfg.tar.gz && rm -f cfg.tar.gz && chmod 0700 kube-bench`);
  } finally {
    await fs.rm(path.dirname(tarball), { recursive: true, force: true });
  }
  const installed = await remoteKubeBenchVersion(session, binary);
  if (installed !== version) {
    throw ApplicationFailure.nonRetryable(
      `kube-bench uploaded to ${target}:${binary} does not run there (reports ${installed ?? 'nothing'}); is the node linux/amd64?`,
      'ToolMissing',
    );
  }
  return { binary, configDir, version, sha256 };
}
