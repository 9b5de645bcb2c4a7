import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { temporalCliPath } from './binaries';
import { ensureSearchAttributes } from './searchAttributes';

export interface DevServerOptions {
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

/**
 * Starts `temporal server start-dev` bound to 127.0.0.1, with hardenlab's search attributes registered
 * (so the UI's workflow list filters by scenario), and waits until it accepts connections.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const port = options.port || (await freePort());
  const uiPort = options.uiPort || (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort), '--log-level', 'warn', '--namespace', options.namespace ?? 'default'];
  if (options.dbFile) {
    await fs.mkdir(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  const child = spawn(temporalCliPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      log?.write(chunk);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await canConnect('127.0.0.1', port))) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with ${child.exitCode}: ${output.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal dev server did not listen on ${address} in time: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // The port opens before the frontend serves ("Frontend is not healthy yet" on a loaded machine): wait for that too.
  while (!(await frontendServes(address))) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with ${child.exitCode}: ${output.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal dev server on ${address} did not become healthy in time: ${output.trim()}`);
    }
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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
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
