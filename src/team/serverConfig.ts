/**
 * The team server's config files and its database schemas. The server runs what the compose file's
 * `temporal` service runs (postgres12 plugin, databases `temporal` and `temporal_visibility`, the
 * repository's dynamic config), bound to 127.0.0.1; the schemas are set up with the release's own
 * temporal-sql-tool in the compose file's three steps (create, setup-schema -v 0.0, update-schema).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from '../config/paths';
import { run } from '../process/subprocess';
import { DB_USER, readPassword } from './postgres';
import type { TeamLayout } from './teamLayout';

/** The environment variable the rendered config reads the password from: the file on disk holds none. */
export const DB_PASSWORD_ENV = 'HARDENLAB_TEMPORAL_DB_PASSWORD';
export const SERVER_ENV = 'hardenlab';
export const dynamicConfigFile = path.join(repoRoot, 'deploy', 'dynamicconfig', 'hardenlab.yaml');
export const DATABASES = [
  { name: 'temporal', schema: 'temporal' },
  { name: 'temporal_visibility', schema: 'visibility' },
] as const;

function datastore(layout: TeamLayout, databaseName: string, maxConns: number) {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${layout.ports.postgres}`,
      connectProtocol: 'tcp',
      user: DB_USER,
      password: `{{ env "${DB_PASSWORD_ENV}" }}`,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

const rpc = (grpcPort: number, membershipPort: number, extra: Record<string, number> = {}) => ({
  rpc: { grpcPort, membershipPort, bindOnIP: '127.0.0.1', ...extra },
});

export function serverConfig(layout: TeamLayout): Record<string, unknown> {
  const { ports } = layout;
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: 4,
      datastores: { default: datastore(layout, 'temporal', 20), visibility: datastore(layout, 'temporal_visibility', 4) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' }, pprof: { port: 0 } },
    services: {
      frontend: rpc(ports.frontend, ports.membership.frontend, { httpPort: ports.frontendHttp }),
      history: rpc(ports.history, ports.membership.history),
      matching: rpc(ports.matching, ports.membership.matching),
      worker: rpc(ports.worker, ports.membership.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontend}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '60s' },
  };
}

/** Writes `<dir>/config/hardenlab.yaml` (a template: the password comes from the environment). */
export function writeServerConfig(layout: TeamLayout): string {
  fs.mkdirSync(layout.configDir, { recursive: true });
  const file = path.join(layout.configDir, `${SERVER_ENV}.yaml`);
  fs.writeFileSync(
    file,
    `# enable-template (Temporal renders this file; the password comes from ${DB_PASSWORD_ENV})\n${stringify(serverConfig(layout))}`,
  );
  return file;
}

/** The Web UI server's config: the team server's frontend, loopback only. */
export function writeUiConfig(layout: TeamLayout): string {
  fs.mkdirSync(layout.uiConfigDir, { recursive: true });
  const file = path.join(layout.uiConfigDir, `${SERVER_ENV}.yaml`);
  const config = {
    temporalGrpcAddress: `127.0.0.1:${layout.ports.frontend}`,
    host: '127.0.0.1',
    port: layout.ports.ui,
    enableUi: true,
    defaultNamespace: 'default',
    cors: { allowOrigins: [`http://127.0.0.1:${layout.ports.ui}`] },
  };
  fs.writeFileSync(file, stringify(config));
  return file;
}

/** Tolerates what the compose job's `|| echo` tolerates: a database or schema that is already there. */
const already = (error: Error) => {
  if (!/already exists/i.test(error.message)) throw error;
};

/** Creates both databases and brings both schemas to this release's versions; safe on every start. */
export async function setupSchemas(
  layout: TeamLayout,
  sqlTool: string,
  log: (line: string) => void,
  cliEnv: NodeJS.ProcessEnv,
): Promise<void> {
  const env = {
    ...cliEnv,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: '127.0.0.1',
    SQL_PORT: String(layout.ports.postgres),
    SQL_USER: DB_USER,
    SQL_PASSWORD: readPassword(layout.postgres),
  };
  for (const db of DATABASES) {
    const tool = (...args: string[]) => run(sqlTool, ['--db', db.name, ...args], { env });
    await tool('create').catch(already);
    await tool('setup-schema', '-v', '0.0').catch(already);
    // The release's schema files, embedded in the tool (the same files as the admin-tools image's folder).
    await tool('update-schema', '--schema-name', `postgresql/v12/${db.schema}`);
    log(`database ${db.name}: schema up to date`);
  }
}
