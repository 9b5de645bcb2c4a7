import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { isAlive, readPidFile, run } from '../../../src/process/subprocess';
import { forwardAlive, forwardIn, forwardOut, spawnInBed, stopBedProcess, stopForward } from '../../../src/testbed/realnodes/forwards';
import { tempDirSync } from '../../support/tempDir';

// The forwards between host loopback and a namespace of this test's own (root, as the test bed runs): both ways.
const bed = { state: tempDirSync('hardenlab-fwd-'), namespace: `hardenlab-fwdtest-${process.pid}` };
const pid = (name: string) => readPidFile(path.join(bed.state, 'pids', `${name}.pid`));

function freePort(): Promise<number> {
  const server = net.createServer();
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    }),
  );
}

/** Sends a line to host:port and returns what comes back before the server closes. */
function exchange(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.end(line));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  await run('ip', ['netns', 'add', bed.namespace]);
  await run('nsenter', [`--net=/run/netns/${bed.namespace}`, 'ip', 'link', 'set', 'lo', 'up']);
});
afterAll(async () => {
  await stopBedProcess(bed, 'echo-inside', 2_000);
  await run('ip', ['netns', 'del', bed.namespace]);
});

test('forwardIn: a host loopback port reaches a server inside the namespace; stopForward leaves nothing running', async () => {
  const inner = await freePort();
  const echo = [`--net=/run/netns/${bed.namespace}`, 'socat', `TCP-LISTEN:${inner},bind=127.0.0.1,fork,reuseaddr`, 'EXEC:cat'];
  spawnInBed(bed, 'echo-inside', 'nsenter', echo);
  const outer = await freePort();
  // The host's own 127.0.0.1:inner is not the namespace's: only the forward joins them.
  await forwardIn(bed, 'echo', '127.0.0.1', outer, `127.0.0.1:${inner}`);
  expect(await exchange(outer, 'through the namespace\n')).toBe('through the namespace\n');
  expect(await forwardAlive(bed, 'echo')).toBe(true);
  const processes = [pid('fwd-echo-host')!, pid('fwd-echo-ns')!];
  await stopForward(bed, 'echo');
  expect(processes.map(isAlive)).toEqual([false, false]);
  expect(fs.existsSync(path.join(bed.state, 'fwd', 'echo.sock'))).toBe(false);
  expect(await forwardAlive(bed, 'echo')).toBe(false);
});

test('forwardOut: an address inside the namespace reaches a host loopback server', async () => {
  const server = net.createServer((socket) => socket.end('from the host\n'));
  const hostPort = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
  try {
    const inner = await freePort();
    await forwardOut(bed, 'api', '127.0.0.1', inner, `127.0.0.1:${hostPort}`);
    const client = [`--net=/run/netns/${bed.namespace}`, 'socat', '-u', `TCP:127.0.0.1:${inner}`, '-'];
    expect((await run('nsenter', client, { timeoutMs: 10_000 })).stdout).toBe('from the host\n');
  } finally {
    await stopForward(bed, 'api');
    server.close();
  }
});

test('a forward whose port is taken fails, naming it, and leaves no process behind', async () => {
  const holder = net.createServer();
  const port = await new Promise<number>((resolve) =>
    holder.listen(0, '127.0.0.1', () => resolve((holder.address() as net.AddressInfo).port)),
  );
  try {
    await expect(forwardIn(bed, 'taken', '127.0.0.1', port, '127.0.0.1:1')).rejects.toThrow(
      `the forward fwd-taken-host on 127.0.0.1:${port} exited (is the port taken?)`,
    );
    expect([pid('fwd-taken-host'), pid('fwd-taken-ns')]).toEqual([undefined, undefined]);
  } finally {
    holder.close();
  }
});

test('a long forward name gets a short socket; a data folder too deep for any is refused, naming HARDENLAB_HOME', async () => {
  // A load balancer's forward is named after its Service's uid: in the lanes' data folders its socket path took 109
  // bytes, over the 107 a unix socket may have, and socat could never listen.
  const deep = { ...bed, state: path.join(bed.state, 'd'.repeat(45)) };
  const name = 'lb-870153c4-3c68-4f9c-8360-0f04a6bdcca0-443';
  expect(Buffer.byteLength(path.join(deep.state, 'fwd', `${name}.sock`))).toBeGreaterThan(107);
  const inner = await freePort();
  const echo = [`--net=/run/netns/${bed.namespace}`, 'socat', `TCP-LISTEN:${inner},bind=127.0.0.1,fork,reuseaddr`, 'EXEC:cat'];
  spawnInBed(deep, 'echo-deep', 'nsenter', echo);
  const outer = await freePort();
  try {
    await forwardIn(deep, name, '127.0.0.1', outer, `127.0.0.1:${inner}`);
    expect(await exchange(outer, 'through a short socket\n')).toBe('through a short socket\n');
    expect(fs.readdirSync(path.join(deep.state, 'fwd')).map((file) => file.length)).toEqual([21]);
  } finally {
    await stopForward(deep, name);
    await stopBedProcess(deep, 'echo-deep', 2_000);
  }
  const deeper = { ...bed, state: path.join(bed.state, 'd'.repeat(100)) };
  await expect(forwardIn(deeper, 'api', '127.0.0.1', outer, `127.0.0.1:${inner}`)).rejects.toThrow(
    /forward api: its socket \S+ is 1\d\d bytes, over the 107 a unix socket path may have: use a data folder \(HARDENLAB_HOME\)/,
  );
});
