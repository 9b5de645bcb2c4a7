/**
 * `hardenlab testbed temporal up|down|status`: the team set-up of docker-compose.yml run natively — Debian's
 * PostgreSQL, the Temporal server, its SQL tool and the Web UI server built from their Go modules at the
 * versions in deploy/versions.env — so several workers, a second team's namespace and server restarts
 * can be tested on a machine without a container engine.
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import * as fs from 'node:fs';
import { cacheDir, hardenlabHome } from '../config/paths';
import { withTestbedLock } from '../testbed/lifecycle';
import { runBuild } from '../testbed/buildVersions';
import { waitFor, type Log } from '../process/subprocess';
import { setupSchemas, writeServerConfig, writeUiConfig } from './serverConfig';
import { reservePortSet } from '../temporal/ports';
import { frontendAddress, portList, teamLayout, TEST_TEAM_PORT_SETS, uiUrl, type TeamLayout, type TeamPorts } from './teamLayout';
import { ensureCluster, postgresPid, startPostgres, stopPostgres } from './postgres';
import { frontendHealthy, runningPid, startServer, startUi, stopByPidFile, uiServes, waitServerHealthy, waitUiServes } from './processes';
import {
  missingTeamBinaries,
  readTeamVersions,
  teamBinaryPaths,
  teamBuildScript,
  type TeamBinaries,
  type TeamVersions,
} from './teamVersions';

export { teamLayout, shiftedPorts, TEAM_PORTS, TEST_TEAM_PORT_SETS, frontendAddress, uiUrl } from './teamLayout';
export type { TeamLayout, TeamPorts } from './teamLayout';
export { readTeamVersions, teamBinaryPaths } from './teamVersions';
export { startServer, stopByPidFile, waitServerHealthy } from './processes';

/**
 * A team server port set of TEST_TEAM_PORT_SETS reserved machine-wide (../ports.ts), so two tests (jest
 * workers, worktrees) never start team servers on the same ports; release it after the server is down.
 */
export async function reserveTeamPorts(): Promise<{ ports: TeamPorts; release(): void }> {
  const { ports, release } = await reservePortSet(TEST_TEAM_PORT_SETS.map(portList));
  return { ports: TEST_TEAM_PORT_SETS.find((set) => portList(set)[0] === ports[0])!, release };
}

export interface TeamOptions {
  /** The CLI's environment: the server's processes start from it; HARDENLAB_HOME and HARDENLAB_CACHE place the folders. */
  env: NodeJS.ProcessEnv;
  home?: string;
  cache?: string;
  ports?: TeamPorts;
  log?: Log;
}

/** Retention of the `default` namespace, as the compose file's namespace job sets it: 30 days. */
export const DEFAULT_RETENTION_SECONDS = 30 * 24 * 3600;

function context(options: TeamOptions): {
  layout: TeamLayout;
  versions: TeamVersions;
  binaries: TeamBinaries;
  cache: string;
  log: Log;
  home: string;
  env: NodeJS.ProcessEnv;
} {
  const home = options.home ?? hardenlabHome(options.env);
  const cache = options.cache ?? cacheDir(options.env);
  const versions = readTeamVersions();
  return {
    env: options.env,
    home,
    cache,
    versions,
    layout: teamLayout(home, options.ports),
    binaries: teamBinaryPaths(versions, cache),
    log: options.log ?? (() => undefined),
  };
}

/** Registers a namespace unless it exists, then waits until the frontend serves it. */
export async function ensureNamespace(address: string, namespace: string, retentionSeconds = DEFAULT_RETENTION_SECONDS): Promise<boolean> {
  const connection = await Connection.connect({ address });
  try {
    const service = connection.workflowService;
    const exists = await service.describeNamespace({ namespace }).then(() => true, (error: { code?: number }) => {
      if (error.code !== 5) throw error; // 5 = NOT_FOUND
      return false;
    });
    if (!exists) await service.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(retentionSeconds * 1000) });
    // The frontend learns of a new namespace on its next registry refresh.
    await waitFor(
      `namespace ${namespace} on ${address}`,
      async () => (await service.listWorkflowExecutions({ namespace, pageSize: 1 }), true),
      60_000,
      1_000,
    );
    return !exists;
  } finally {
    await connection.close();
  }
}

export interface TeamUpResult {
  address: string;
  uiUrl: string;
  postgres: string;
  versions: TeamVersions;
  durationMs: number;
}

export async function teamServerUp(options: TeamOptions): Promise<TeamUpResult> {
  const began = Date.now();
  const { layout, versions, binaries, cache, log, home, env } = context(options);
  return withTestbedLock(layout.dir, async () => {
    if (missingTeamBinaries(binaries).length > 0) {
      log(`building Temporal ${versions.temporal} and UI ${versions.ui} into ${cache} (cold: many minutes)`);
      await runBuild(cache, log, env, teamBuildScript);
      const missing = missingTeamBinaries(binaries);
      if (missing.length > 0) throw new Error(`${teamBuildScript} finished but binaries are missing: ${missing.join(', ')}`);
    }
    log(`data folder ${layout.dir} (home ${home})`);
    await ensureCluster(layout.postgres, log);
    await startPostgres(layout.postgres, log);
    await setupSchemas(layout, binaries.sqlTool, log, env);
    writeServerConfig(layout);
    if (runningPid(layout.serverPidFile, binaries.server) === undefined)
      log(`starting Temporal server ${versions.temporal} on ${frontendAddress(layout)}`);
    startServer(layout, binaries.server, env);
    await waitServerHealthy(layout, binaries.server);
    if (await ensureNamespace(frontendAddress(layout), 'default')) log('namespace default created (30 days retention)');
    writeUiConfig(layout);
    startUi(layout, binaries.uiServer, env);
    await waitUiServes(layout);
    return {
      address: frontendAddress(layout),
      uiUrl: uiUrl(layout),
      postgres: `127.0.0.1:${layout.ports.postgres}`,
      versions,
      durationMs: Date.now() - began,
    };
  });
}

/** Stops the UI, the server and PostgreSQL. The database stays (histories survive) unless `purge`. */
export async function teamServerDown(options: TeamOptions & { purge?: boolean }): Promise<string[]> {
  const { layout, binaries } = context(options);
  if (!fs.existsSync(layout.dir)) return [];
  return withTestbedLock(layout.dir, async () => {
    const stopped: string[] = [];
    if (await stopByPidFile(layout.uiPidFile, binaries.uiServer)) stopped.push('temporal-ui-server');
    if (await stopByPidFile(layout.serverPidFile, binaries.server)) stopped.push('temporal-server');
    if (await stopPostgres(layout.postgres)) stopped.push('postgresql');
    if (options.purge) fs.rmSync(layout.dir, { recursive: true, force: true });
    return stopped;
  });
}

export interface TeamStatus {
  versions: TeamVersions;
  dir: string;
  postgres: { pid?: number; address: string };
  server: { pid?: number; address: string; healthy: boolean };
  ui: { pid?: number; url: string; serves: boolean };
}

export async function teamServerStatus(options: TeamOptions): Promise<TeamStatus> {
  const { layout, versions, binaries } = context(options);
  const serverPid = runningPid(layout.serverPidFile, binaries.server);
  const uiPid = runningPid(layout.uiPidFile, binaries.uiServer);
  return {
    versions,
    dir: layout.dir,
    postgres: { pid: postgresPid(layout.postgres), address: `127.0.0.1:${layout.ports.postgres}` },
    server: {
      pid: serverPid,
      address: frontendAddress(layout),
      healthy: serverPid !== undefined && (await frontendHealthy(frontendAddress(layout))),
    },
    ui: { pid: uiPid, url: uiUrl(layout), serves: uiPid !== undefined && (await uiServes(layout)) },
  };
}
