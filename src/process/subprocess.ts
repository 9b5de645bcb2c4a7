import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export type Log = (line: string) => void;

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

/** ppid and session of every process, from /proc (processes that end meanwhile are skipped). */
function processTable(): Map<number, { ppid: number; session: number }> {
  const table = new Map<number, { ppid: number; session: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [, ppid, , session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), { ppid: Number(ppid), session: Number(session) });
    } catch {
      // ended while we looked
    }
  }
  return table;
}

/**
 * A process and every descendant still in its session: what a timed-out command started, but not the daemons it
 * detached on purpose (setsid gives them a session of their own). The command keeps our process group, so a Ctrl-C
 * at the terminal still reaches it.
 */
function collectTree(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  const table = processTable();
  const session = table.get(pid)?.session;
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [candidate, info] of table) if (info.ppid === tree[i] && info.session === session) tree.push(candidate);
  }
  return tree;
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Runs a command to completion; the error names the command and carries its stderr. A timeout ends what the command
 * started too (TERM, then KILL 2 s later), not only the command itself; daemons it detaches with setsid keep running.
 */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxBytes = 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    // Without options.env the child inherits the worker's environment (spawn's default).
    const child = spawn(file, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let failure: string | undefined;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= maxBytes) into.push(chunk);
      else if (!failure) {
        failure = `printed more than ${maxBytes} bytes`;
        signalAll(collectTree(child.pid), 'SIGKILL');
      }
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    const timer = setTimeout(() => {
      failure = `timed out after ${Math.round(timeoutMs / 1000)}s`;
      // The tree is taken at once: once the command ends, its children are orphaned and no longer found by parent.
      const tree = collectTree(child.pid);
      signalAll(tree, 'SIGTERM');
      setTimeout(() => signalAll(tree, 'SIGKILL'), 2_000).unref();
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0 && !failure) return resolve({ stdout, stderr });
      const reason = failure ?? (signal ? `ended by ${signal}` : `exited with ${code}`);
      const detail = (stderr || stdout).trim().split('\n').slice(-20).join('\n');
      reject(new Error(`${file} ${args.join(' ')} failed (${reason})${detail ? `: ${detail}` : ''}`));
    });
  });
}

/** True when the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function readPidFile(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The pid a pid file names, if that process still runs and its command line passes `ours`. After a reboot or a
 * crash the file may name someone else's process: root must never signal or count that one. A process that retitles
 * itself (sshd does, as connections come and go) can be read mid-rewrite, so a live one is read up to three times.
 */
export function ownedPid(pidFile: string, ours: (command: string) => boolean): number | undefined {
  const pid = readPidFile(pidFile);
  if (pid === undefined || !isAlive(pid)) return undefined;
  for (let read = 0; read < 3; read++) if (ours(commandLine(pid))) return pid;
  return undefined;
}

/** The command line of a process ('' when it is gone). */
export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/**
 * Starts a daemon in a session of its own (setsid: it outlives its starter, and a timed-out `run` of the starter never
 * takes it along), output appended to logFile, its pid written to pidFile. Returns the pid.
 */
export function spawnDetached(file: string, args: readonly string[], files: { pidFile: string; logFile: string }): number {
  fs.mkdirSync(path.dirname(files.pidFile), { recursive: true });
  fs.mkdirSync(path.dirname(files.logFile), { recursive: true });
  const output = fs.openSync(files.logFile, 'a', 0o600);
  try {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', output, output] });
    child.once('error', () => undefined); // a missing program shows as a pid that is not alive
    child.unref();
    if (child.pid === undefined) throw new Error(`${file} ${args.join(' ')} did not start`);
    fs.writeFileSync(files.pidFile, `${child.pid}\n`, { mode: 0o600 });
    return child.pid;
  } finally {
    fs.closeSync(output);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
}

/** Polls until check() returns a value other than undefined, or fails naming what it waited for. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${reason}`);
    }
    await sleep(intervalMs);
  }
}

/** True when something accepts TCP connections on host:port. */
export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The first `bytes` bytes a TCP server sends on connecting (fewer when it closes or timeoutMs passes; '' when none). */
export function tcpGreeting(host: string, port: number, bytes: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    let received = 0;
    const done = () => {
      socket.destroy();
      resolve(Buffer.concat(chunks).subarray(0, bytes).toString('latin1'));
    };
    socket.setTimeout(timeoutMs, done);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= bytes) done();
    });
    socket.once('error', done);
    socket.once('close', done);
  });
}
