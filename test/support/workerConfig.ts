/**
 * Worker config files for tests. The environment (cluster, node map, tokens) is the worker's, never the
 * workflow input's (src/config/trust.ts): a test's worker gets it from its config file, as a team's does.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** The test bed through the local provider (its kubeconfig and node map from its own folder). */
export const TESTBED_ENVIRONMENT = { cluster: { provider: 'local' } } as const;

/** Writes `<dir>/config.yaml` and returns the worker environment (process.env plus HARDENLAB_CONFIG). */
export async function workerConfigEnv(
  dir: string,
  config: {
    experiment?: Record<string, unknown>;
    environments?: Record<string, Record<string, unknown>>;
    experimental?: { loadPhase?: boolean };
  } = { experiment: TESTBED_ENVIRONMENT },
  env: NodeJS.ProcessEnv = process.env,
): Promise<NodeJS.ProcessEnv> {
  const file = join(dir, 'config.yaml');
  await writeFile(file, stringify(config));
  return { ...env, HARDENLAB_CONFIG: file };
}
