import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root: the folder holding hardenlab's package.json (works from src/ and dist/). */
export const repoRoot: string = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');

/**
 * Where runs, cluster state, keys and reports live. Gitignored; override with HARDENLAB_HOME
 * (for example a shared volume when several workers write one experiment's artifacts).
 */
export function hardenlabHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.HARDENLAB_HOME ?? path.join(repoRoot, '.hardenlab'));
}

/**
 * Where heavy builds (Kubernetes, etcd, kwok, kube-bench) and tool virtualenvs are cached, keyed by
 * version. Outside the repository by default so fresh clones on the same machine reuse them.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.resolve(env.HARDENLAB_CACHE ?? path.join(base, 'hardenlab'));
}

/**
 * The project virtualenv holding the Temporal CLI and test server wheels from PyPI. An install artifact of
 * this checkout (scripts/setup.sh makes it), so it does not move with HARDENLAB_HOME.
 */
export function venvDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.HARDENLAB_VENV ?? path.join(repoRoot, '.hardenlab', 'venv'));
}
