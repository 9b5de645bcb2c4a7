/**
 * Port reservations for Temporal servers: exclusive across processes (another process, as a parallel jest
 * worker or worktree would be, holds its ports while this one reserves), outside the kernel's ephemeral range,
 * freed when their holder exits, and never a port something else listens on.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as readline from 'node:readline';
import { repoRoot } from '../../../src/config/paths';
import {
  isAddressInUse,
  RESERVED_PORT_RANGE,
  reserveGivenPort,
  reservePort,
  reservePorts,
  reservePortSet,
} from '../../../src/temporal/ports';
import { portList, TEAM_PORTS, TEST_TEAM_PORT_SETS } from '../../../src/team/teamLayout';

jest.setTimeout(60_000);

/** Another process that reserves `count` ports, prints them, and holds them until killed. */
async function otherProcessHolding(count: number): Promise<{ ports: number[]; exit(): Promise<void> }> {
  const code = `require('./test/support/registerTs.js'); require('./src/temporal/ports').reservePorts(${count}).then((r) => { console.log(JSON.stringify(r.map((x) => x.port))); setInterval(() => undefined, 1000); });`;
  const child = spawn(process.execPath, ['-e', code], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout! }).once('line', resolve));
  return {
    ports: JSON.parse(line) as number[],
    exit: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('port reservations', () => {
  it('lie below the ephemeral range, where bind(0) and outgoing connections never land', () => {
    const [ephemeralFirst] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    expect(RESERVED_PORT_RANGE.last).toBeLessThan(ephemeralFirst!);
  });

  it('are exclusive across processes and freed when the holder exits', async () => {
    const other = await otherProcessHolding(200);
    let mine: Awaited<ReturnType<typeof reservePorts>> = [];
    try {
      mine = await reservePorts(200);
      const theirs = new Set(other.ports);
      expect(mine.filter((r) => theirs.has(r.port))).toEqual([]);
      expect(await reserveGivenPort(other.ports[0]!)).toBeUndefined();
    } finally {
      mine.forEach((r) => r.release());
      await other.exit();
    }
    const again = await reserveGivenPort(other.ports[0]!);
    expect(again?.port).toBe(other.ports[0]);
    again!.release();
  });

  it('skip a port something else listens on', async () => {
    const first = await reservePort();
    first.release();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(first.port, '127.0.0.1', resolve));
    try {
      expect(await reserveGivenPort(first.port)).toBeUndefined();
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('give a test its own team server port set, disjoint from the default one, and another set to a second test', async () => {
    // every set, the default one included, is disjoint from every other
    const all = [TEAM_PORTS, ...TEST_TEAM_PORT_SETS].flatMap(portList);
    expect(new Set(all).size).toBe(all.length);
    const a = await reservePortSet(TEST_TEAM_PORT_SETS.map(portList));
    const b = await reservePortSet(TEST_TEAM_PORT_SETS.map(portList));
    try {
      expect(new Set([...a.ports, ...b.ports]).size).toBe(a.ports.length + b.ports.length);
    } finally {
      a.release();
      b.release();
    }
  });

  it("tell a bind failure in a server's output", () => {
    const devServer = 'msg="Failed to start gRPC listener" error="listen tcp 127.0.0.1:37987: bind: address already in use" service=worker';
    expect(isAddressInUse(devServer)).toBe(true);
    expect(isAddressInUse('java.net.BindException: Address already in use')).toBe(true);
    expect(isAddressInUse('Frontend is not healthy yet')).toBe(false);
  });
});
