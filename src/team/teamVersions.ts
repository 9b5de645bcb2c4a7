/**
 * The team set-up's versions, from deploy/versions.env: docker-compose.yml interpolates its image tags from
 * it, scripts/temporal/build.sh builds the same server, SQL tool and UI server from their Go modules, and
 * these paths name what the build put into the version-keyed cache.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir, repoRoot } from '../config/paths';
import { parseVersionsEnv, type VersionSpec } from '../config/versionsEnv';
import { missingBinaries } from '../testbed/buildVersions';

export interface TeamVersions {
  /** go.temporal.io/server (without the v) and the temporalio/server image tag. */
  temporal: string;
  /** temporalio/admin-tools tag: the server version, then tctl's and the CLI's. */
  adminTools: string;
  /** github.com/temporalio/ui-server/v2 (without the v) and the temporalio/ui image tag. */
  ui: string;
  /** The postgres image (compose); the native set-up runs Debian's PostgreSQL (see docs/operating.md). */
  postgres: string;
}

export const teamVersionsFile = path.join(repoRoot, 'deploy', 'versions.env');
export const teamBuildScript = path.join(repoRoot, 'scripts', 'temporal', 'build.sh');

const SEMVER = /^\d+\.\d+\.\d+$/;
const TEAM_VERSIONS: VersionSpec<keyof TeamVersions> = {
  temporal: { key: 'TEMPORAL_VERSION', pattern: SEMVER },
  adminTools: { key: 'TEMPORAL_ADMIN_TOOLS_TAG', pattern: /^\d+\.\d+\.\d+-tctl-\d+\.\d+\.\d+-cli-\d+\.\d+\.\d+$/ },
  ui: { key: 'TEMPORAL_UI_VERSION', pattern: SEMVER },
  postgres: { key: 'POSTGRES_VERSION', pattern: /^\d+\.\d+$/ },
};

export function readTeamVersions(file = teamVersionsFile): TeamVersions {
  const versions = parseVersionsEnv(fs.readFileSync(file, 'utf8'), TEAM_VERSIONS, file);
  if (!versions.adminTools.startsWith(`${versions.temporal}-`)) {
    throw new Error(
      `${file}: TEMPORAL_ADMIN_TOOLS_TAG=${versions.adminTools} must start with TEMPORAL_VERSION (${versions.temporal}): the schema ` +
        `tool and the server come from one release`,
    );
  }
  return versions;
}

export interface TeamBinaries {
  server: string;
  sqlTool: string;
  uiServer: string;
}

export function teamBinaryPaths(versions: TeamVersions, cache: string = cacheDir()): TeamBinaries {
  const temporal = path.join(cache, 'bin', `temporal-${versions.temporal}`);
  return {
    server: path.join(temporal, 'temporal-server'),
    sqlTool: path.join(temporal, 'temporal-sql-tool'),
    uiServer: path.join(cache, 'bin', `temporal-ui-${versions.ui}`, 'temporal-ui-server'),
  };
}

/** The binaries that are not there yet (scripts/temporal/build.sh builds them). */
export function missingTeamBinaries(binaries: TeamBinaries): string[] {
  return missingBinaries(binaries);
}

/** How long the build took, as build.sh recorded it beside the binaries (undefined when not built). */
export function recordedBuildSeconds(binary: string): number | undefined {
  try {
    return Number.parseInt(fs.readFileSync(path.join(path.dirname(binary), '.build-seconds'), 'utf8'), 10);
  } catch {
    return undefined;
  }
}
