/**
 * Loopback ports for the Temporal servers the project and its tests start, reserved machine-wide so that two
 * starts at the same moment (parallel jest workers, worktrees, a demo beside the tests) never pick the same one.
 *
 * - The ports come from RESERVED_PORT_RANGE, below the kernel's ephemeral range: the ports bind(0) and outgoing
 *   connections get, including those the dev server picks for its own internal services, never fall in it.
 * - Each port is held by an abstract unix socket named after it. The kernel gives a name to one socket at a time
 *   and frees it when its process exits, so a reservation is exclusive across processes and a crash leaves none.
 * - A reserved port is also checked free on 127.0.0.1 (a process outside the project may hold it).
 */
import * as net from 'node:net';

/** Clear of every fixed port in the repository (team server 15432–18233 and +100, test beds 6443/16443/2xx43, etcd 2xx79,
 * the shared lane's slots 2425x–24446). */
export const RESERVED_PORT_RANGE = { first: 28000, last: 29999 } as const;

export interface PortReservation {
  port: number;
  /** Frees the port for other starts (once the server holding it is gone). */
  release(): void;
}

const reservationName = (port: number) => `\0hardenlab-port-${port}`;

function listenOnce(server: net.Server, target: string | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const onError = () => resolve(false);
    server.once('error', onError);
    const onListening = () => {
      server.off('error', onError);
      resolve(true);
    };
    if (typeof target === 'string') server.listen(target, onListening);
    else server.listen(target.port, target.host, onListening);
  });
}

async function bindable(port: number): Promise<boolean> {
  const probe = net.createServer();
  if (!(await listenOnce(probe, { host: '127.0.0.1', port }))) return false;
  await new Promise((resolve) => probe.close(resolve));
  return true;
}

/** Reserves one given port, or answers undefined when another process holds or reserved it. */
export async function reserveGivenPort(port: number): Promise<PortReservation | undefined> {
  const holder = net.createServer();
  if (!(await listenOnce(holder, reservationName(port)))) return undefined; // another process holds it
  holder.unref();
  if (await bindable(port)) return { port, release: () => holder.close() };
  holder.close();
  return undefined;
}

/** Reserves every port of the first candidate set whose ports are all free (fixed port sets, e.g. a team server's). */
export async function reservePortSet(candidates: readonly (readonly number[])[]): Promise<{ ports: readonly number[]; release(): void }> {
  for (const ports of candidates) {
    const held: PortReservation[] = [];
    for (const port of ports) {
      const reservation = await reserveGivenPort(port);
      if (!reservation) break;
      held.push(reservation);
    }
    const release = () => held.forEach((r) => r.release());
    if (held.length === ports.length) return { ports, release };
    release();
  }
  throw new Error(`none of ${candidates.length} port sets is free on 127.0.0.1 (first: ${candidates[0]?.join(', ')})`);
}

/** Reserves a free port of RESERVED_PORT_RANGE; `exclude` skips ports this caller already holds. */
export async function reservePort(exclude: readonly number[] = []): Promise<PortReservation> {
  const { first, last } = RESERVED_PORT_RANGE;
  const size = last - first + 1;
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = first + ((start + i) % size);
    if (exclude.includes(port)) continue;
    const reservation = await reserveGivenPort(port);
    if (reservation) return reservation;
  }
  throw new Error(`no free port in ${first}–${last} on 127.0.0.1 (every one is reserved or in use)`);
}

/** Reserves `count` distinct ports; all are released on failure. */
export async function reservePorts(count: number): Promise<PortReservation[]> {
  const held: PortReservation[] = [];
  try {
    while (held.length < count) held.push(await reservePort(held.map((r) => r.port)));
    return held;
  } catch (error) {
    for (const r of held) r.release();
    throw error;
  }
}

/** Whether a server's output says it could not bind a port (a collision a new start with other ports avoids). */
export function isAddressInUse(output: string): boolean {
  return /address already in use|EADDRINUSE|BindException/i.test(output);
}

/** How many times a Temporal server start that collided on a port is tried again with new ports. */
export const PORT_COLLISION_TRIES = 5;
