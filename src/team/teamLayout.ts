/**
 * Where the native team set-up keeps its state (`<home>/temporal/`) and which loopback ports it uses.
 * The ports clash with nothing else in the repository (dev server 7233/8233, test bed 6443, compose 7233/8080),
 * so the team server can run beside the demo and the test bed.
 */
import * as path from 'node:path';
import { postgresLayout, type PostgresLayout } from './postgres';

export interface TeamPorts {
  postgres: number;
  /** gRPC frontend: what workers, clients and the CLI connect to. */
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  /** Membership (ringpop) ports, one per service. */
  membership: { frontend: number; history: number; matching: number; worker: number };
  ui: number;
}

export const TEAM_PORTS: TeamPorts = {
  postgres: 15432,
  frontend: 17233,
  frontendHttp: 17243,
  history: 17234,
  matching: 17235,
  worker: 17239,
  membership: { frontend: 16933, history: 16934, matching: 16935, worker: 16939 },
  ui: 18233,
};

/** The same set moved by `offset` (a test's own instance beside a running `hardenlab testbed temporal up`). */
export function shiftedPorts(offset: number, base: TeamPorts = TEAM_PORTS): TeamPorts {
  const m = base.membership;
  return {
    postgres: base.postgres + offset,
    frontend: base.frontend + offset,
    frontendHttp: base.frontendHttp + offset,
    history: base.history + offset,
    matching: base.matching + offset,
    worker: base.worker + offset,
    membership: { frontend: m.frontend + offset, history: m.history + offset, matching: m.matching + offset, worker: m.worker + offset },
    ui: base.ui + offset,
  };
}

/** Every port of a set, in a fixed order (for reserving them). */
export function portList(ports: TeamPorts): number[] {
  const m = ports.membership;
  return [
    ports.postgres,
    ports.frontend,
    ports.frontendHttp,
    ports.history,
    ports.matching,
    ports.worker,
    m.frontend,
    m.history,
    m.matching,
    m.worker,
    ports.ui,
  ];
}

/**
 * The sets a test's own team server may use: TEAM_PORTS moved by 20–280 in steps of 20. Larger moves overlap
 * (the membership ports moved by 300 are the frontend's), these are disjoint from each other, from the default
 * set and from every other fixed port in the repository.
 */
export const TEST_TEAM_PORT_SETS: readonly TeamPorts[] = Array.from({ length: 14 }, (_, i) => shiftedPorts((i + 1) * 20));

export interface TeamLayout {
  dir: string;
  ports: TeamPorts;
  postgres: PostgresLayout;
  /** The server's config folder (`--root <dir> --config config --env hardenlab`). */
  configDir: string;
  serverLog: string;
  serverPidFile: string;
  uiConfigDir: string;
  uiLog: string;
  uiPidFile: string;
}

export function teamLayout(home: string, ports: TeamPorts = TEAM_PORTS): TeamLayout {
  const dir = path.join(home, 'temporal');
  return {
    dir,
    ports,
    postgres: postgresLayout(dir, ports.postgres),
    configDir: path.join(dir, 'config'),
    serverLog: path.join(dir, 'temporal-server.log'),
    serverPidFile: path.join(dir, 'temporal-server.pid'),
    uiConfigDir: path.join(dir, 'ui'),
    uiLog: path.join(dir, 'temporal-ui.log'),
    uiPidFile: path.join(dir, 'temporal-ui.pid'),
  };
}

export const frontendAddress = (layout: TeamLayout) => `127.0.0.1:${layout.ports.frontend}`;
export const uiUrl = (layout: TeamLayout) => `http://127.0.0.1:${layout.ports.ui}`;
