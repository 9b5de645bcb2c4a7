/**
 * Command lines of the security tools, built as argv arrays (pure) and quoted for a remote shell only at
 * the edge. Every mode the thesis used: kube-bench on a node over SSH, kube-hunter remote / on a node.
 */
import { runLabelValue } from '../kube/manifests';
import type { TrivyCompliance, TrivyMode } from '../domain/scenarios';
import type { KubeHunterMode } from './findings';


/** CIS benchmark targets kube-bench knows (its `--targets`). */
export const KUBE_BENCH_TARGETS = ['master', 'node', 'controlplane', 'etcd', 'policies'] as const;
export type KubeBenchTarget = (typeof KUBE_BENCH_TARGETS)[number];

export interface KubeBenchArgsOptions {
  /** Explicit benchmark (`cis-1.11`); wins over kubeVersion. */
  benchmark?: string;
  /** `1.36`: lets kube-bench map the version to its newest matching benchmark without detecting it. */
  kubeVersion?: string;
  targets?: readonly KubeBenchTarget[];
  configDir?: string;
  /** `--json --outputfile <file>`; without it the JSON goes to stdout. */
  outputFile?: string;
}

/** `kube-bench run ...` arguments (without the program). kube-bench refuses --benchmark with --version. */
export function kubeBenchArgs(options: KubeBenchArgsOptions): string[] {
  const args = ['run'];
  if (options.targets?.length) args.push('--targets', options.targets.join(','));
  if (options.benchmark) args.push('--benchmark', options.benchmark);
  else if (options.kubeVersion) args.push('--version', options.kubeVersion);
  if (options.configDir) args.push('--config-dir', options.configDir);
  args.push('--json');
  if (options.outputFile) args.push('--outputfile', options.outputFile);
  return args;
}

/** `major.minor` of a server version for kube-bench's `--version` (`1`, `36+` → `1.36`); undefined if unreadable. */
export function kubeMinorVersion(version: { major?: string; minor?: string; gitVersion?: string }): string | undefined {
  const major = /^\d+/.exec(version.major ?? '')?.[0];
  const minor = /^\d+/.exec(version.minor ?? '')?.[0];
  if (major && minor) return `${major}.${minor}`;
  const git = /^v?(\d+)\.(\d+)/.exec(version.gitVersion ?? '');
  return git ? `${git[1]}.${git[2]}` : undefined;
}

export interface KubeHunterArgsOptions {
  mode: KubeHunterMode;
  /** Host (name or address) to hunt in remote mode. */
  remoteTarget?: string;
  /** Active hunting exploits what it finds and may change the cluster. */
  active: boolean;
}

/**
 * kube-hunter arguments for a mode. Always `--report json --log none`: otherwise its log lines are mixed
 * into the JSON on stdout.
 */
export function kubeHunterArgs(options: KubeHunterArgsOptions): string[] {
  const args: string[] = [];
  switch (options.mode) {
    case 'remote':
      if (!options.remoteTarget) throw new Error('kube-hunter remote mode needs a target host');
      if (!/^[A-Za-z0-9.:\-[\]]+$/.test(options.remoteTarget)) {
        throw new Error(`kube-hunter remote target ${JSON.stringify(options.remoteTarget)} is not a host name or address`);
      }
      args.push('--remote', options.remoteTarget);
      break;
    case 'interface':
      args.push('--interface');
      break;
    case 'pod':
      args.push('--pod');
      break;
  }
  args.push('--report', 'json', '--log', 'none');
  if (options.active) args.push('--active');
  return args;
}

/** The host of an API server URL (`https://127.0.0.1:6443` → `127.0.0.1`; IPv6 without brackets). */
export function hostOfServer(server: string): string {
  const url = new URL(server);
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * The environment for kube-hunter. Python requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a
 * session's `verify=False`, so with either set (common behind corporate proxies) kube-hunter's unverified
 * probes of HTTPS ports fail and it misses the API server entirely. A hunter must not verify certificates.
 */
export function kubeHunterEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { REQUESTS_CA_BUNDLE: _requests, CURL_CA_BUNDLE: _curl, ...rest } = env;
  return rest;
}

/** Name prefix of a run's private directories on nodes (`mktemp -d /var/tmp/<prefix>.XXXXXXXXXX`), also swept by node cleanup. */
export function toolPrivateDirPrefix(runId: string): string {
  return `hardenlab-${runLabelValue(runId)}`;
}

export interface TrivyArgsOptions {
  mode: TrivyMode;
  compliance: TrivyCompliance;
  kubeconfig: string;
  context?: string;
  /** A private directory of this run: Trivy's cache (it writes nothing elsewhere). */
  cacheDir: string;
  outputFile: string;
  timeoutSeconds: number;
}

/**
 * `trivy k8s ...` for a mode, offline: nothing outside is reachable, so no vulnerability, Java or VEX database and
 * no checks bundle is fetched (the checks embedded in the binary at build time are used), no image is pulled or
 * scanned, no version check or telemetry is sent, and no node-collector Job (its image is not in any registry the
 * cluster reaches) is started.
 */
export function trivyArgs(options: TrivyArgsOptions): string[] {
  const args = ['k8s', '--kubeconfig', options.kubeconfig, '--format', 'json', '--report', 'all', '--output', options.outputFile];
  if (options.mode === 'compliance') args.push('--compliance', options.compliance);
  args.push('--scanners', 'misconfig,rbac', '--disable-node-collector', '--skip-images');
  args.push('--skip-db-update', '--skip-java-db-update', '--skip-check-update', '--skip-vex-repo-update', '--offline-scan');
  args.push('--skip-version-check', '--disable-telemetry', '--no-progress');
  args.push('--cache-dir', options.cacheDir, '--timeout', `${options.timeoutSeconds}s`);
  if (options.context) args.push(options.context);
  return args;
}

/**
 * The environment for Trivy: TRIVY_* variables would override the offline flags above, and registry credentials of
 * the worker are not its to use (it pulls nothing); HOME and TMPDIR (Trivy unpacks there) point at the run's private
 * directory, which the activity removes.
 */
export function trivyEnv(env: NodeJS.ProcessEnv, home: string): NodeJS.ProcessEnv {
  const kept = Object.entries(env).filter(([key]) => !/^(TRIVY_|DOCKER_|GITHUB_TOKEN$|GH_TOKEN$)/i.test(key));
  return { ...Object.fromEntries(kept), HOME: home, XDG_CACHE_HOME: home, XDG_CONFIG_HOME: home, TMPDIR: home };
}
