import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir, repoRoot } from '../config/paths';

/** Pinned tool versions, from scripts/tools/versions.env (shared with the install scripts). */
export interface ToolVersions {
  kubeBench: string;
  kubeHunter: string;
}

export const toolVersionsFile = path.join(repoRoot, 'scripts', 'tools', 'versions.env');
export const kubeBenchBuildScript = path.join(repoRoot, 'scripts', 'tools', 'build-kube-bench.sh');
export const kubeHunterInstallScript = path.join(repoRoot, 'scripts', 'tools', 'install-kube-hunter.sh');

export function parseToolVersions(text: string, source = 'versions.env'): ToolVersions {
  const values = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Z_][A-Z0-9_]*)=([^\s#]+)$/.exec(line);
    if (!match) throw new Error(`${source}:${index + 1}: expected KEY=VALUE, got "${line}"`);
    values.set(match[1]!, match[2]!);
  });
  const read = (key: string, pattern: RegExp): string => {
    const value = values.get(key);
    if (value === undefined) throw new Error(`${source}: ${key} is missing`);
    if (!pattern.test(value)) throw new Error(`${source}: ${key}=${value} does not look like ${pattern}`);
    return value;
  };
  return { kubeBench: read('KUBE_BENCH_VERSION', /^v\d+\.\d+\.\d+$/), kubeHunter: read('KUBE_HUNTER_VERSION', /^\d+\.\d+\.\d+$/) };
}

export function readToolVersions(file = toolVersionsFile): ToolVersions {
  return parseToolVersions(fs.readFileSync(file, 'utf8'), file);
}

/** Where the install scripts put the tools on this worker, keyed by version. */
export function toolPaths(versions: ToolVersions = readToolVersions(), env: NodeJS.ProcessEnv = process.env) {
  const cache = cacheDir(env);
  const kubeBenchDir = path.join(cache, 'bin', `kube-bench-${versions.kubeBench}`);
  const kubeHunterVenv = path.join(cache, 'venv', `kube-hunter-${versions.kubeHunter}`);
  return {
    kubeBenchDir,
    kubeBench: path.join(kubeBenchDir, 'kube-bench'),
    kubeBenchConfigDir: path.join(kubeBenchDir, 'cfg'),
    kubeHunterVenv,
    kubeHunter: path.join(kubeHunterVenv, 'bin', 'kube-hunter'),
  };
}

/** The `binaries` dependency of createToolActivities, from the pinned versions and the cache. */
export function defaultToolBinaries(env: NodeJS.ProcessEnv = process.env) {
  const versions = readToolVersions();
  const paths = toolPaths(versions, env);
  return {
    kubeBenchDir: paths.kubeBenchDir,
    kubeBenchVersion: versions.kubeBench,
    kubeHunter: paths.kubeHunter,
    kubeHunterVersion: versions.kubeHunter,
  };
}
