/**
 * One versions file (deploy/versions.env) for the team set-up: docker-compose.yml interpolates its image
 * tags from it (test/unit/compose.test.ts checks the resolved tags), and the native set-up builds and runs
 * the same releases. Here: the TypeScript side and scripts/temporal/build.sh agree on what the file says
 * and where the builds land, and a broken file is refused naming what is wrong.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readTeamVersions, teamBinaryPaths, teamBuildScript, teamVersionsFile } from '../../../src/team/teamVersions';
import { tempDirSync } from '../../support/tempDir';

const write = (text: string) => {
  const dir = tempDirSync('hardenlab-versions-');
  const file = path.join(dir, 'versions.env');
  writeFileSync(file, text);
  return file;
};
const good =
  'TEMPORAL_VERSION=1.29.1\nTEMPORAL_ADMIN_TOOLS_TAG=1.29.1-tctl-1.18.4-cli-1.5.0\nTEMPORAL_UI_VERSION=2.34.0\nPOSTGRES_VERSION=16.10\n';

describe('deploy/versions.env', () => {
  it('parses into the server, admin-tools, UI and PostgreSQL versions', () => {
    expect(readTeamVersions(write(good))).toEqual({
      temporal: '1.29.1',
      adminTools: '1.29.1-tctl-1.18.4-cli-1.5.0',
      ui: '2.34.0',
      postgres: '16.10',
    });
  });

  it('refuses admin-tools of another release than the server (the schema tool must match the server)', () => {
    const file = write(good.replace('TEMPORAL_ADMIN_TOOLS_TAG=1.29.1', 'TEMPORAL_ADMIN_TOOLS_TAG=1.28.0'));
    expect(() => readTeamVersions(file)).toThrow(
      `${file}: TEMPORAL_ADMIN_TOOLS_TAG=1.28.0-tctl-1.18.4-cli-1.5.0 must start with TEMPORAL_VERSION (1.29.1)`,
    );
  });

  it('names the file, line and key of a malformed entry', () => {
    const file = write(`${good}oops\n`);
    expect(() => readTeamVersions(file)).toThrow(`${file}:5: expected KEY=VALUE, got "oops"`);
    const bad = write(good.replace('TEMPORAL_VERSION=1.29.1', 'TEMPORAL_VERSION=v1.29'));
    expect(() => readTeamVersions(bad)).toThrow('TEMPORAL_VERSION=v1.29 does not look like');
  });

  it('keys the cache folders by version, and build.sh finds the builds there (it reads the same file)', () => {
    const versions = readTeamVersions(teamVersionsFile);
    const cache = tempDirSync('hardenlab-cache-');
    const binaries = teamBinaryPaths(versions, cache);
    expect(binaries.server).toBe(path.join(cache, 'bin', `temporal-${versions.temporal}`, 'temporal-server'));
    expect(binaries.uiServer).toBe(path.join(cache, 'bin', `temporal-ui-${versions.ui}`, 'temporal-ui-server'));
    // Complete folders where the TypeScript side looks: build.sh must call them cached instead of building.
    for (const binary of Object.values(binaries)) {
      mkdirSync(path.dirname(binary), { recursive: true });
      writeFileSync(binary, '#!/bin/sh\n', { mode: 0o755 });
      writeFileSync(path.join(path.dirname(binary), '.complete'), 'test\n');
    }
    const run = spawnSync('bash', [teamBuildScript], {
      encoding: 'utf8',
      env: { ...process.env, HARDENLAB_CACHE: cache },
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`temporal v${versions.temporal}: cached in ${path.dirname(binaries.server)}`);
    expect(run.stdout).toContain(`temporal UI v${versions.ui}: cached in ${path.dirname(binaries.uiServer)}`);
  });
});
