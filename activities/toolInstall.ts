/**
 * Puts the worker's kube-bench build (binary + benchmark definitions) on a node over SSH, once per
 * version: `<remoteRoot>/kube-bench-<version>/{kube-bench,cfg/}`. Uses the SSH layer's SFTP upload when it
 * has one, else streams base64 through `exec` (any POSIX node with `base64`, `tar` and `sha256sum`).
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import { shellQuote } from '../src/ssh/shell';
import type { ToolSshSession } from '../src/tools/access';
import { safeHeartbeat } from '../src/temporal/heartbeat';

const execFileAsync = promisify(execFile);
/** A multiple of 3, so every chunk encodes to base64 on its own. */

export interface KubeBenchInstall {
  binary: string;
  configDir: string;
  version: string;
  /** True when this call uploaded it (false: it was already there). */
  uploaded: boolean;
}

async function sha256(file: string): Promise<string> {
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

/** Copies a local file to the node, verifying its SHA-256 there. */
export async function putFile(session: ToolSshSession, target: string, local: string, remote: string): Promise<void> {
  const digest = await sha256(local);
  await session.upload(local, remote, (bytes) => safeHeartbeat({ step: 'upload', file: path.basename(local), bytes }));
  const remoteDigest = (await mustRun(session, target, `sha256sum ${shellQuote(remote)}`)).split(/\s+/)[0];
  if (remoteDigest !== digest) throw new Error(`upload of ${local} to ${target}:${remote} is corrupt (sha256 ${remoteDigest} ≠ ${digest})`);
}

/** The version a kube-bench binary reports (`kube-bench version`), or undefined when it does not run. */
export async function remoteKubeBenchVersion(session: ToolSshSession, binary: string): Promise<string | undefined> {
  const result = await session.exec(`${shellQuote(binary)} version`);
  if (result.code !== 0) return undefined;
  return result.stdout.trim().split('\n').pop()?.trim() || undefined;
}

/**
 * Installs kube-bench `version` from `localDir` (the worker's build: `kube-bench` and `cfg/`) under
 * `remoteRoot` on the node unless the same version is already there.
 */
export async function ensureKubeBenchOnNode(
  session: ToolSshSession,
  target: string,
  localDir: string,
  version: string,
  remoteRoot: string,
): Promise<KubeBenchInstall> {
  const dir = path.posix.join(remoteRoot, `kube-bench-${version}`);
  const binary = path.posix.join(dir, 'kube-bench');
  const configDir = path.posix.join(dir, 'cfg');
  const present = await session.exec(`test -f ${shellQuote(path.posix.join(configDir, 'config.yaml'))}`);
  if (present.code === 0 && (await remoteKubeBenchVersion(session, binary)) === version) {
    return { binary, configDir, version, uploaded: false };
  }
  const localBinary = path.join(localDir, 'kube-bench');
  const localCfg = path.join(localDir, 'cfg');
  for (const needed of [localBinary, path.join(localCfg, 'config.yaml')]) {
    await fs.access(needed).catch(() => {
      throw ApplicationFailure.nonRetryable(
        `kube-bench ${version} is not built on this worker (${needed} is missing): run scripts/tools/build-kube-bench.sh`,
        'ToolMissing',
      );
    });
  }
  const staging = `${dir}.part`;
  const tarball = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-kube-bench-')), 'cfg.tar.gz');
  try {
    await execFileAsync('tar', ['-czf', tarball, '-C', localDir, 'cfg']);
    await mustRun(session, target, `rm -rf ${shellQuote(staging)} && mkdir -p ${shellQuote(staging)}`);
    await putFile(session, target, localBinary, path.posix.join(staging, 'kube-bench'));
    await putFile(session, target, tarball, path.posix.join(staging, 'cfg.tar.gz'));
    await mustRun(
      session,
      target,
      [
        `cd ${shellQuote(staging)}`,
        'tar -xzf cfg.tar.gz',
        'rm -f cfg.tar.gz',
        'chmod 0755 kube-bench',
        `rm -rf ${shellQuote(dir)}`,
        `mv ${shellQuote(staging)} ${shellQuote(dir)}`,
      ].join(' && '),
    );
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
  return { binary, configDir, version, uploaded: true };
}
