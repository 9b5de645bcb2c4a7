import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { logTail } from '../../process/logTail';
import { isAlive, ownedPid, run, spawnDetached, stopProcess, waitFor } from '../../process/subprocess';

/**
 * The forwards between host loopback and the closed network namespace: two socat processes joined by a unix socket
 * (one on each side), so no link and no route ever joins the namespace to the host. The pid files, sockets and logs
 * are named fwd-<name>-host and fwd-<name>-ns (network.ts's bedNetworkDown stops every fwd-*.pid it finds).
 */
export interface NamespaceBed {
  /** The real nodes' state folder; every process started here names it on its command line. */
  state: string;
  /** The bed's network namespace. */
  namespace: string;
}

export const netnsPath = (bed: NamespaceBed) => `/run/netns/${bed.namespace}`;
export const pidsDir = (bed: NamespaceBed) => path.join(bed.state, 'pids');
/**
 * A unix socket's path has at most 107 bytes: a long name (a load-balancer forward's Service uid) becomes a short
 * digest of it, and a data folder too deep for even that is refused by name (checkedSocket).
 */
const socketPath = (bed: NamespaceBed, name: string) =>
  path.join(bed.state, 'fwd', `${name.length <= 24 ? name : createHash('sha256').update(name).digest('hex').slice(0, 16)}.sock`);
const SOCKET_PATH_MAX = 107;

function checkedSocket(bed: NamespaceBed, name: string): string {
  const socket = socketPath(bed, name);
  const bytes = Buffer.byteLength(socket);
  if (bytes > SOCKET_PATH_MAX) {
    const why = `over the ${SOCKET_PATH_MAX} a unix socket path may have: use a data folder (HARDENLAB_HOME) with a shorter path`;
    throw new Error(`forward ${name}: its socket ${socket} is ${bytes} bytes, ${why}`);
  }
  return socket;
}
const pidFile = (bed: NamespaceBed, name: string) => path.join(pidsDir(bed), `${name}.pid`);
const logFile = (bed: NamespaceBed, name: string) => path.join(bed.state, 'logs', `${name}.log`);

/** The pid of a pid file in the bed, while that process runs and names the state folder (after a reboot it may be anyone's). */
export function bedPid(bed: NamespaceBed, name: string): number | undefined {
  return ownedPid(pidFile(bed, name), (command) => command.includes(bed.state));
}

/** Stops the bed's process of a pid file (TERM, then KILL after graceMs), and removes the file. */
export async function stopBedProcess(bed: NamespaceBed, name: string, graceMs: number): Promise<void> {
  const pid = bedPid(bed, name);
  if (pid !== undefined) await stopProcess(pid, graceMs);
  fs.rmSync(pidFile(bed, name), { force: true });
}

export function spawnInBed(bed: NamespaceBed, name: string, file: string, args: readonly string[]): number {
  return spawnDetached(file, args, { pidFile: pidFile(bed, name), logFile: logFile(bed, name) });
}

/** How long a forward's socat may take to make its socket: seconds on a 2-core host with the suite's lanes beside it. */
const FORWARD_START_MS = 15_000;

function forwardLogTail(bed: NamespaceBed, name: string): string {
  return logTail(logFile(bed, name), 3).join(' | ');
}

/**
 * Waits until the process itself listens on address:port: another process that bound the port first would otherwise
 * receive what is forwarded. Fails at once when the process exits (the port is taken, say). `inside`: the listener is
 * in the bed's namespace; `timeoutMs`: how long it may take to listen.
 */
export async function awaitListener(
  bed: NamespaceBed,
  name: string,
  pid: number,
  address: string,
  port: number,
  { inside = false, timeoutMs = 10_000 }: { inside?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  let listing = '';
  const outcome = await waitFor(
    `the forward ${name} (pid ${pid}) to listen on ${address}:${port}`,
    async () => {
      if (!isAlive(pid)) return 'exited';
      const ss = ['ss', '-Hltnp', `sport = :${port}`];
      const [file, ...args] = inside ? ['nsenter', `--net=${netnsPath(bed)}`, ...ss] : ss;
      listing = (await run(file!, args, { timeoutMs: 5_000 })).stdout;
      const listens = listing.split('\n').some((line) => line.includes(` ${address}:${port} `) && line.includes(`pid=${pid},`));
      return listens ? 'listens' : undefined;
    },
    timeoutMs,
    100,
  ).catch((error: Error) => {
    throw new Error(`${error.message}${listing ? `; listening: ${listing.trim().split('\n').slice(0, 2).join(' | ')}` : ''}`);
  });
  if (outcome === 'exited')
    throw new Error(`the forward ${name} on ${address}:${port} exited (is the port taken?): ${forwardLogTail(bed, name)}`);
}

/**
 * Host loopback address:port -> unix socket -> `target` (address:port) inside the namespace. On failure nothing of it
 * is left running.
 */
export async function forwardIn(bed: NamespaceBed, name: string, address: string, port: number, target: string): Promise<void> {
  if (!address.startsWith('127.')) throw new Error(`forward ${name}: the listening address must be on loopback, got '${address}'`);
  const socket = checkedSocket(bed, name);
  fs.mkdirSync(path.dirname(socket), { recursive: true });
  try {
    const inside = [`--net=${netnsPath(bed)}`, 'socat', `UNIX-LISTEN:${socket},fork,unlink-early`, `TCP:${target}`];
    spawnInBed(bed, `fwd-${name}-ns`, 'nsenter', inside);
    const socketReady = async () => fs.statSync(socket, { throwIfNoEntry: false })?.isSocket() || undefined;
    await waitFor(`the forward socket ${socket}`, socketReady, FORWARD_START_MS, 100);
    const outside = [`TCP-LISTEN:${port},bind=${address},fork,reuseaddr`, `UNIX-CONNECT:${socket}`];
    const host = spawnInBed(bed, `fwd-${name}-host`, 'socat', outside);
    await awaitListener(bed, `fwd-${name}-host`, host, address, port);
  } catch (error) {
    await stopForward(bed, name);
    throw error;
  }
}

/**
 * Inside the namespace `address`:port (the bridge's) -> unix socket -> `target` (address:port) on the host. On failure
 * nothing of it is left running.
 */
export async function forwardOut(bed: NamespaceBed, name: string, address: string, port: number, target: string): Promise<void> {
  if (!target.startsWith('127.')) throw new Error(`forward ${name}: the target must be on host loopback, got '${target}'`);
  const socket = checkedSocket(bed, name);
  fs.mkdirSync(path.dirname(socket), { recursive: true });
  try {
    spawnInBed(bed, `fwd-${name}-host`, 'socat', [`UNIX-LISTEN:${socket},fork,unlink-early`, `TCP:${target}`]);
    const socketReady = async () => fs.statSync(socket, { throwIfNoEntry: false })?.isSocket() || undefined;
    await waitFor(`the forward socket ${socket}`, socketReady, FORWARD_START_MS, 100);
    const inside = [`--net=${netnsPath(bed)}`, 'socat', `TCP-LISTEN:${port},bind=${address},fork,reuseaddr`, `UNIX-CONNECT:${socket}`];
    const pid = spawnInBed(bed, `fwd-${name}-ns`, 'nsenter', inside);
    await awaitListener(bed, `fwd-${name}-ns`, pid, address, port, { inside: true });
  } catch (error) {
    await stopForward(bed, name);
    throw error;
  }
}

/** Both processes of the forward run, and its unix socket accepts a connection. */
export async function forwardAlive(bed: NamespaceBed, name: string): Promise<boolean> {
  if (bedPid(bed, `fwd-${name}-host`) === undefined || bedPid(bed, `fwd-${name}-ns`) === undefined) return false;
  return new Promise((resolve) => {
    const socket = net.connect({ path: socketPath(bed, name) });
    const done = (alive: boolean) => {
      socket.destroy();
      resolve(alive);
    };
    socket.setTimeout(5_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Stops both processes of a forward and removes its socket. */
export async function stopForward(bed: NamespaceBed, name: string): Promise<void> {
  await stopBedProcess(bed, `fwd-${name}-host`, 2_000);
  await stopBedProcess(bed, `fwd-${name}-ns`, 2_000);
  fs.rmSync(socketPath(bed, name), { force: true });
}
