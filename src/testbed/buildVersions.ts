import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir, repoRoot } from '../config/paths';
import { parseVersionsEnv as parseVersions, type VersionSpec } from '../config/versionsEnv';
import type { Log } from '../process/subprocess';

/** The pinned versions of the test bed's binaries, from scripts/testbed/versions.env (shared with build.sh). */
export interface TestbedVersions {
  kubernetes: string;
  etcd: string;
  kwok: string;
}

export const versionsFile = path.join(repoRoot, 'scripts', 'testbed', 'versions.env');
export const buildScript = path.join(repoRoot, 'scripts', 'testbed', 'build.sh');

const TESTBED_VERSIONS: VersionSpec<keyof TestbedVersions> = {
  kubernetes: { key: 'KUBERNETES_VERSION', pattern: /^v1\.\d+\.\d+$/ },
  etcd: { key: 'ETCD_VERSION', pattern: /^v3\.\d+\.\d+$/ },
  kwok: { key: 'KWOK_VERSION', pattern: /^v\d+\.\d+\.\d+$/ },
};

export function parseVersionsEnv(text: string, source = 'versions.env'): TestbedVersions {
  return parseVersions(text, TESTBED_VERSIONS, source);
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
  /** Real nodes only: built from the same module and version as the control plane. */
  kubelet: string;
  kubeProxy: string;
}

export function binaryPaths(versions: TestbedVersions, cache: string = cacheDir()): TestbedBinaries {
  const kube = path.join(cache, 'bin', `kubernetes-${versions.kubernetes}`);
  const etcd = path.join(cache, 'bin', `etcd-${versions.etcd}`);
  const kwok = path.join(cache, 'bin', `kwok-${versions.kwok}`);
  const node = path.join(cache, 'bin', `kubernetes-node-${versions.kubernetes}`);
  return {
    kubeApiserver: path.join(kube, 'kube-apiserver'),
    kubeControllerManager: path.join(kube, 'kube-controller-manager'),
    kubeScheduler: path.join(kube, 'kube-scheduler'),
    kubectl: path.join(kube, 'kubectl'),
    etcd: path.join(etcd, 'etcd'),
    etcdctl: path.join(etcd, 'etcdctl'),
    kwok: path.join(kwok, 'kwok'),
    kwokctl: path.join(kwok, 'kwokctl'),
    kubelet: path.join(node, 'kubelet'),
    kubeProxy: path.join(node, 'kube-proxy'),
  };
}

/** The binaries (paths by name) that are not there yet or not executable: a build script makes them. */
export function missingBinaries<T extends { [K in keyof T]: string }>(binaries: T): string[] {
  return Object.values<string>(binaries).filter((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * Runs a build script (the test bed's build.sh by default), streaming its lines into the log; rejects with the last lines when it fails.
 */
export function runBuild(cache: string, log: Log, env: NodeJS.ProcessEnv, script = buildScript): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { env: { ...env, HARDENLAB_CACHE: cache }, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        if (!line.includes('go: downloading')) log(line);
      }
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}:\n${tail.join('\n')}`))));
  });
}
