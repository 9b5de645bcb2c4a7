import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { isAddressInUse, PORT_COLLISION_TRIES, reservePort, reservePorts } from './ports';
import { ensureSearchAttributes } from './registerSearchAttributes';

export interface DevServerOptions {
  /** The Temporal CLI that runs the dev server: temporalCliPath(env) of the launcher's environment. */
  temporalCli: string;
  /** gRPC port; 0 picks a free one. */
  port?: number;
  /** Web UI port; 0 picks a free one. */
  uiPort?: number;
  /** SQLite file that persists workflows across restarts; in-memory when absent. */
  dbFile?: string;
  logFile?: string;
  namespace?: string;
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A start that failed because a port was taken: a new start with new ports avoids it. */
class PortCollision extends Error {}

/**
 * Starts `temporal server start-dev` bound to 127.0.0.1, with hardenlab's search attributes registered
 * (so the UI's workflow list filters by scenario), and waits until it accepts connections. Its ports (gRPC,
 * UI, HTTP API, metrics) are reserved machine-wide (./ports.ts) unless given; the ports it picks itself for
 * its internal services can still collide with another process, so a start that fails on a port in use is
 * tried again with new ones, up to PORT_COLLISION_TRIES times.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    const reserved = await reservePorts(4);
    const release = () => reserved.forEach((r) => r.release());
    const [port, uiPort, httpPort, metricsPort] = reserved.map((r) => r.port) as [number, number, number, number];
    try {
      return await startOnce(options, { port: options.port || port, uiPort: options.uiPort || uiPort, httpPort, metricsPort }, release);
    } catch (error) {
      release();
      if (!(error instanceof PortCollision) || attempt >= PORT_COLLISION_TRIES) throw error;
    }
  }
}

interface DevServerPorts {
  port: number;
  uiPort: number;
  httpPort: number;
  metricsPort: number;
}

async function startOnce(options: DevServerOptions, ports: DevServerPorts, release: () => void): Promise<DevServer> {
  const { port, uiPort } = ports;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort), '--log-level', 'warn'];
  args.push(
    '--http-port',
    String(ports.httpPort),
    '--metrics-port',
    String(ports.metricsPort),
    '--namespace',
    options.namespace ?? 'default',
  );
  if (options.dbFile) {
    await fs.mkdir(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  const child = spawn(options.temporalCli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      log?.write(chunk);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const outputClosed = new Promise((resolve) => child.once('close', resolve));
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const failIfExited = async () => {
    if (child.exitCode === null) return;
    await Promise.race([outputClosed, new Promise((r) => setTimeout(r, 2_000))]); // its last words may still be in the pipes
    log?.end();
    const message = `temporal dev server exited with ${child.exitCode}: ${output.trim()}`;
    throw isAddressInUse(output) ? new PortCollision(message) : new Error(message);
  };
  const failAfterDeadline = (what: string) => {
    if (Date.now() <= deadline) return;
    child.kill('SIGKILL');
    log?.end();
    throw new Error(`temporal dev server ${what} in time: ${output.trim()}`);
  };
  while (!(await canConnect('127.0.0.1', port))) {
    await failIfExited();
    failAfterDeadline(`did not listen on ${address}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // The port opens before the frontend serves ("Frontend is not healthy yet" on a loaded machine): wait for that too.
  while (!(await frontendServes(address))) {
    await failIfExited();
    failAfterDeadline(`on ${address} did not become healthy`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const namespace = options.namespace ?? 'default';
  const connection = await Connection.connect({ address });
  try {
    await ensureSearchAttributes(connection, namespace);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`temporal dev server on ${address}: registering hardenlab's search attributes failed: ${(err as Error).message}`);
  } finally {
    await connection.close();
  }
  // The frontend finds namespaces through a cache it refreshes on a timer: on a loaded machine a start right away can
  // still answer "Namespace not found" for the one it just created. Wait until a namespace-scoped call knows it.
  while (!(await namespaceServed(address, namespace))) {
    await failIfExited();
    failAfterDeadline(`on ${address} did not serve namespace ${namespace}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    process: child,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      release();
      log?.end();
    },
  };
}

/** Connects, asks `probe`, closes: false when the frontend cannot be reached or the probe throws. */
export async function probeFrontend(address: string, probe: (connection: Connection) => Promise<boolean>): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 }).catch(() => undefined);
  if (!connection) return false;
  try {
    return await probe(connection);
  } catch {
    return false;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Whether the server answers GetSystemInfo, the first call every client and worker makes. */
function frontendServes(address: string): Promise<boolean> {
  return probeFrontend(address, async (connection) => {
    await connection.workflowService.getSystemInfo({});
    return true;
  });
}

/** Whether a namespace-scoped call finds `namespace`: a workflow that does not exist is "not found", not the namespace. */
function namespaceServed(address: string, namespace: string): Promise<boolean> {
  return probeFrontend(address, async (connection) => {
    const probe = new Client({ connection, namespace }).workflow.getHandle('hardenlab-namespace-probe');
    // The client tells the two apart: WorkflowNotFoundError, or NamespaceNotFoundError while the cache lacks it.
    return probe.describe().then(
      () => true,
      (error: unknown) => error instanceof WorkflowNotFoundError,
    );
  });
}

/**
 * A free loopback port for a server the caller starts itself, reserved machine-wide (./ports.ts) for the rest
 * of this process's life, so no other start picks it in the meantime.
 */
export async function freePort(): Promise<number> {
  return (await reservePort()).port;
}

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
