import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir, repoRoot } from '../config/paths';
import { parseVersionsEnv, type VersionSpec } from '../config/versionsEnv';

/** Pinned tool versions, from scripts/tools/versions.env (shared with the install scripts). */
export interface ToolVersions {
  kubeBench: string;
  kubeHunter: string;
  trivy: string;
  /** The policy engine of the policy-engine pack (scripts/tools/build-gatekeeper.sh). */
  gatekeeper: string;
  /** The load pod's HTTP load generator (scripts/tools/build-vegeta.sh, issue 27). */
  vegeta: string;
}

export const toolVersionsFile = path.join(repoRoot, 'scripts', 'tools', 'versions.env');
export const kubeBenchBuildScript = path.join(repoRoot, 'scripts', 'tools', 'build-kube-bench.sh');
export const trivyBuildScript = path.join(repoRoot, 'scripts', 'tools', 'build-trivy.sh');
export const kubeHunterInstallScript = path.join(repoRoot, 'scripts', 'tools', 'install-kube-hunter.sh');

const TOOL_VERSIONS: VersionSpec<keyof ToolVersions> = {
  kubeBench: { key: 'KUBE_BENCH_VERSION', pattern: /^v\d+\.\d+\.\d+$/ },
  kubeHunter: { key: 'KUBE_HUNTER_VERSION', pattern: /^\d+\.\d+\.\d+$/ },
  trivy: { key: 'TRIVY_VERSION', pattern: /^v\d+\.\d+\.\d+$/ },
  gatekeeper: { key: 'GATEKEEPER_VERSION', pattern: /^v\d+\.\d+\.\d+$/ },
  vegeta: { key: 'VEGETA_VERSION', pattern: /^v\d+\.\d+\.\d+$/ },
};

export function parseToolVersions(text: string, source = 'versions.env'): ToolVersions {
  return parseVersionsEnv(text, TOOL_VERSIONS, source);
}

export function readToolVersions(file = toolVersionsFile): ToolVersions {
  return parseToolVersions(fs.readFileSync(file, 'utf8'), file);
}

/** Where the install scripts put the tools on this worker, keyed by version. */
export function toolPaths(versions: ToolVersions, env: NodeJS.ProcessEnv) {
  const cache = cacheDir(env);
  const kubeBenchDir = path.join(cache, 'bin', `kube-bench-${versions.kubeBench}`);
  const kubeHunterVenv = path.join(cache, 'venv', `kube-hunter-${versions.kubeHunter}`);
  return {
    kubeBenchDir,
    kubeBench: path.join(kubeBenchDir, 'kube-bench'),
    kubeBenchConfigDir: path.join(kubeBenchDir, 'cfg'),
    kubeHunterVenv,
    kubeHunter: path.join(kubeHunterVenv, 'bin', 'kube-hunter'),
    trivy: path.join(cache, 'bin', `trivy-${versions.trivy}`, 'trivy'),
  };
}

/** The `binaries` dependency of createToolActivities, from the pinned versions and the cache. */
export function defaultToolBinaries(env: NodeJS.ProcessEnv) {
  const versions = readToolVersions();
  const paths = toolPaths(versions, env);
  return {
    kubeBenchDir: paths.kubeBenchDir,
    kubeBenchVersion: versions.kubeBench,
    kubeHunter: paths.kubeHunter,
    kubeHunterVersion: versions.kubeHunter,
    trivy: paths.trivy,
    trivyVersion: versions.trivy,
  };
}
