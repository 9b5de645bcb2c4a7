import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir, repoRoot } from '../config/paths';

/** The pinned versions of the test bed's binaries, from scripts/testbed/versions.env (shared with build.sh). */
export interface TestbedVersions {
  kubernetes: string;
  etcd: string;
  kwok: string;
}

export const versionsFile = path.join(repoRoot, 'scripts', 'testbed', 'versions.env');
export const buildScript = path.join(repoRoot, 'scripts', 'testbed', 'build.sh');

/** Parses KEY=VALUE lines (comments and blank lines ignored); names the line of anything else. */
export function parseVersionsEnv(text: string, source = 'versions.env'): TestbedVersions {
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
  return {
    kubernetes: read('KUBERNETES_VERSION', /^v1\.\d+\.\d+$/),
    etcd: read('ETCD_VERSION', /^v3\.\d+\.\d+$/),
    kwok: read('KWOK_VERSION', /^v\d+\.\d+\.\d+$/),
  };
}

export function readVersions(file = versionsFile): TestbedVersions {
  return parseVersionsEnv(fs.readFileSync(file, 'utf8'), file);
}

/** Absolute paths of every binary the test bed runs, in the version-keyed cache build.sh fills. */
export interface TestbedBinaries {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  etcd: string;
  etcdctl: string;
  kwok: string;
  kwokctl: string;
}

export function binaryPaths(versions: TestbedVersions, cache: string = cacheDir()): TestbedBinaries {
  const kube = path.join(cache, 'bin', `kubernetes-${versions.kubernetes}`);
  const etcd = path.join(cache, 'bin', `etcd-${versions.etcd}`);
  const kwok = path.join(cache, 'bin', `kwok-${versions.kwok}`);
  return {
    kubeApiserver: path.join(kube, 'kube-apiserver'),
    kubeControllerManager: path.join(kube, 'kube-controller-manager'),
    kubeScheduler: path.join(kube, 'kube-scheduler'),
    kubectl: path.join(kube, 'kubectl'),
    etcd: path.join(etcd, 'etcd'),
    etcdctl: path.join(etcd, 'etcdctl'),
    kwok: path.join(kwok, 'kwok'),
    kwokctl: path.join(kwok, 'kwokctl'),
  };
}

/** The binaries that are not there yet (build.sh builds them). */
export function missingBinaries(binaries: TestbedBinaries): string[] {
  return Object.values(binaries).filter((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}
