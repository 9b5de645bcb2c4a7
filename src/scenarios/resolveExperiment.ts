/**
 * Resolves a workflow input against the worker's config and the defaults: the input's design over the
 * worker's environment (named or not), validated, with environment paths filled in and checked to exist.
 * Shared by the resolve activity and `hardenlab validate`, so both say the same thing about an input.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SCENARIO_NAME_PATTERN } from '../domain/scenarios';
import { resolveScenarios, type ScenarioResolution } from './resolveScenarios';
import { namedEnvironmentAccessProblem, nodesFromCluster } from '../config/nodeAccess';
import { nodeMapSchema } from '../config/nodeMap';
import { validateExperiment, type ExperimentConfig, type FieldError } from '../config/experiment';
import type { HttpLoadFrom } from '../config/loadDesign';
import { hardenlabHome } from '../config/paths';
import { canonicalJson, prototypeKeyProblems } from '../config/ownKeys';
import { ENVIRONMENT_FIELDS, environmentFieldsSetIn, environmentValue, withoutEnvironmentFields } from '../config/trust';
import { ConfigFileError, configFilePath, loadWorkerConfig, mergeConfig, type WorkerConfig } from '../config/workerConfig';

export interface LoadedWorkerConfig {
  config: WorkerConfig;
  file?: string;
}

/** The worker's config, fixed by the launcher or looked up per run (`hardenlab dev` checks for a running test bed). */
export type WorkerConfigSource = LoadedWorkerConfig | (() => Promise<LoadedWorkerConfig>);

export type ResolvedScenarios = Extract<ScenarioResolution, { ok: true }>;
/** `searchAttributes`: the worker's namespace knows hardenlab's search attributes, so the run sets them. */
export type Resolution =
  | { ok: true; config: ExperimentConfig; configFile?: string; searchAttributes: boolean; scenarios: ResolvedScenarios }
  | { ok: false; errors: FieldError[] };

export interface ResolveOptions {
  env: NodeJS.ProcessEnv;
  /** The worker's config; loaded from $HARDENLAB_CONFIG (or the data folder) when absent. */
  worker?: WorkerConfigSource;
}

export async function resolveExperimentConfig(input: unknown, options: ResolveOptions): Promise<Resolution> {
  const { env } = options;
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
    return {
      ok: false,
      errors: [{ field: '(input)', message: `expected a JSON object, got ${Array.isArray(input) ? 'an array' : typeof input}` }],
    };
  }
  let worker: LoadedWorkerConfig;
  try {
    worker = typeof options.worker === 'function' ? await options.worker() : (options.worker ?? (await loadWorkerConfig(env)));
  } catch (err) {
    if (err instanceof ConfigFileError)
      return { ok: false, errors: err.problems.map((p) => ({ field: `config file ${err.file}: ${p.field}`, message: p.message })) };
    throw err;
  }
  // Prototype keys would reach the merged objects' prototypes: refused before anything reads the input.
  const protoKeys = prototypeKeyProblems(input);
  if (protoKeys.length > 0) return { ok: false, errors: protoKeys };
  const { environment, ...design } = (input ?? {}) as Record<string, unknown>;
  const where = worker.file ? `the worker config (${worker.file})` : 'the worker config';
  const errors: FieldError[] = environmentFieldsSetIn(design).map((f) => ({
    field: f.field,
    message: `belongs in ${where}, not in the workflow input: it ${f.why} (pick a configured environment with "environment" instead)`,
  }));
  const base = environmentBase(worker.config, environment, errors);
  const merged = mergeConfig(base, design);
  const httpFrom = worker.config.load?.httpFrom ?? 'worker';
  const result = validateExperiment(merged, httpFrom);
  // Scenarios and packs come from the worker's config folder: the folder of its config file.
  const configDir = path.dirname(worker.file ?? configFilePath(env));
  if (!result.ok) {
    errors.push(...result.errors);
    // Every bad field at once: the scenarios too, though the rest of the input is invalid.
    const named = (merged as { scenarios?: unknown }).scenarios;
    const names =
      Array.isArray(named) && named.every((n) => typeof n === 'string' && SCENARIO_NAME_PATTERN.test(n)) ? (named as string[]) : [];
    const scenarios = await resolveScenarios(names, { configDir, inSecurityTools: false });
    if (!scenarios.ok) errors.push(...scenarios.errors);
  }
  if (errors.length || !result.ok) return { ok: false, errors };
  const config = withEnvironmentDefaults(result.config, env);
  const problems = [...environmentMismatches(config, base, env, httpFrom), ...(await checkEnvironment(config, env))];
  const scenarios = await resolveScenarios(config.scenarios, { configDir, inSecurityTools: config.hardening.inSecurityTools });
  if (!scenarios.ok) problems.push(...scenarios.errors);
  // A load pod off the test bed runs the worker config's image; without one the load could not be sent (said now, not mid-run).
  if (config.load?.http && httpFrom === 'pod' && config.cluster.provider !== 'local' && !worker.config.load?.image)
    problems.push({
      field: 'load.http',
      message: `${where} sends the HTTP load from a pod (load.httpFrom: pod) but names no load.image (vegeta, pinned by digest)`,
    });
  if (problems.length || !scenarios.ok) return { ok: false, errors: problems };
  return { ok: true, config, configFile: worker.file, searchAttributes: worker.config.temporal.searchAttributes === true, scenarios };
}

/** The worker's `experiment:` section, or with a named environment's fields in place of its environment fields. */
function environmentBase(worker: WorkerConfig, name: unknown, errors: FieldError[]): unknown {
  if (name === undefined) return worker.experiment;
  const known = Object.keys(worker.environments);
  const knownText = known.length
    ? `the worker config defines ${known.map((k) => JSON.stringify(k)).join(', ')}`
    : 'the worker config defines no environments';
  if (typeof name !== 'string' || !Object.hasOwn(worker.environments, name)) {
    errors.push({ field: 'environment', message: `unknown environment ${JSON.stringify(name)}: ${knownText}` });
    return withoutEnvironmentFields(worker.experiment);
  }
  const accessProblem = namedEnvironmentAccessProblem(worker.experiment, worker.environments[name]!, name);
  if (accessProblem) errors.push({ field: 'environment', message: accessProblem });
  return mergeConfig(withoutEnvironmentFields(worker.experiment), worker.environments[name]);
}

/**
 * Defence in depth: every environment field of the resolved config must be what the worker's config alone
 * resolves to. Whatever way an input found to set one (today's or a future merge bug), the run is refused.
 */
function environmentMismatches(config: ExperimentConfig, base: unknown, env: NodeJS.ProcessEnv, httpFrom: HttpLoadFrom): FieldError[] {
  const alone = validateExperiment(base, httpFrom);
  if (!alone.ok) return [];
  const worker = withEnvironmentDefaults(alone.config, env);
  return ENVIRONMENT_FIELDS.filter((f) => !sameJson(environmentValue(config, f.field), environmentValue(worker, f.field))).map((f) => ({
    field: f.field,
    message: "resolves to a value other than the worker config's: only the worker config may set it",
  }));
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Fills in paths that come from the environment rather than from the user. */
export function withEnvironmentDefaults(config: ExperimentConfig, env: NodeJS.ProcessEnv): ExperimentConfig {
  const cluster = { ...config.cluster };
  let nodeMapPath = config.nodeMapPath;
  if (cluster.provider === 'local') {
    const bed = path.join(hardenlabHome(env), 'sim');
    cluster.kubeconfigPath ??= path.join(bed, 'kubeconfig');
    nodeMapPath ??= path.join(bed, 'nodes.yaml');
  } else if (cluster.provider === 'kubeconfig') {
    cluster.kubeconfigPath ??= env.KUBECONFIG?.split(path.delimiter)[0] || path.join(os.homedir(), '.kube', 'config');
  }
  return { ...config, cluster, nodeMapPath };
}

async function checkEnvironment(config: ExperimentConfig, env: NodeJS.ProcessEnv): Promise<FieldError[]> {
  const problems: FieldError[] = [];
  const { cluster } = config;
  if (cluster.provider === 'kubeconfig') {
    if (!(await isFile(cluster.kubeconfigPath!))) {
      problems.push({
        field: 'cluster.kubeconfigPath',
        message:
          `no kubeconfig at ${cluster.kubeconfigPath}: set cluster.kubeconfigPath in the worker config file or KUBECONFIG for ` +
          `the worker, or use provider "local" for the test bed`,
      });
    }
    if (!config.nodeMapPath && !nodesFromCluster(config)) {
      // Without a node map, Kubernetes node access (issue 24) lists the cluster's nodes itself, unless ssh was chosen.
      const access = config.nodeAccess === 'ssh' ? '; or remove nodeAccess: ssh there to reach the nodes through the Kubernetes API' : '';
      problems.push({
        field: 'nodeMapPath',
        message:
          `missing: the node map (in the worker config file) says how to reach each node over SSH for sampling (see ` +
          `docs/node-map.md)${access}`,
      });
    }
  }
  if (cluster.provider === 'linode') problems.push(...linodeNodeAccessProblems(config));
  if (cluster.provider === 'linode' && !env[cluster.linode.tokenEnv] && !cluster.linode.tokenFile) {
    problems.push({
      field: 'cluster.linode.tokenEnv',
      message: `the worker has no environment variable ${cluster.linode.tokenEnv} and no cluster.linode.tokenFile is set`,
    });
  }
  if (cluster.linode.tokenFile && cluster.provider === 'linode' && !(await isFile(cluster.linode.tokenFile))) {
    problems.push({ field: 'cluster.linode.tokenFile', message: `no file at ${cluster.linode.tokenFile}` });
  }
  if (config.nodeMapPath && cluster.provider !== 'local') problems.push(...(await checkNodeMap(config.nodeMapPath)));
  const hunter = config.tools.kubeHunter;
  const probing = hunter.enabled ? hunter.modes.filter((mode) => mode === 'interface' || mode === 'pod') : [];
  if (probing.length > 0 && !hunter.subnetProbes.allowed) {
    problems.push({
      field: 'tools.kubeHunter.modes',
      message:
        `${probing.join(' and ')} probe whole subnets, and the worker's config does not allow that ` +
        `(tools.kubeHunter.subnetProbes.allowed there; remote mode needs no permission)`,
    });
  }
  return problems;
}

/**
 * How a Linode run reaches the nodes it samples: a node map derived from each created cluster
 * (cluster.linode.ssh), or, for one shared cluster, a fixed node map. Per-scenario clusters are new
 * machines each: a fixed map would make every scenario sample the same hosts and mix the measurements.
 */
function linodeNodeAccessProblems(config: ExperimentConfig): FieldError[] {
  const { ssh } = config.cluster.linode;
  if (config.isolation === 'per-scenario' && config.nodeMapPath)
    return [
      {
        field: 'nodeMapPath',
        message:
          `with isolation 'per-scenario' every scenario gets a cluster of its own, so a fixed node map would make all of them ` +
          `sample the same hosts: remove it from the worker config and set cluster.linode.ssh, from which each cluster's node map is ` +
          `derived`,
      },
    ];
  if (ssh && config.nodeMapPath)
    return [
      {
        field: 'nodeMapPath',
        message:
          'set either cluster.linode.ssh (the node map is derived from the cluster the run creates) or nodeMapPath in the worker config,' +
          ' not both',
      },
    ];
  if (!ssh && !config.nodeMapPath)
    return [
      {
        field: 'cluster.linode.ssh',
        message:
          'missing: how to reach the nodes LKE creates over SSH (user, private key, known_hosts) for sampling, in the worker config ' +
          'file (see docs/node-map.md)',
      },
    ];
  return [];
}

async function checkNodeMap(file: string): Promise<FieldError[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return [{ field: 'nodeMapPath', message: `no node map at ${file}` }];
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    return [{ field: 'nodeMapPath', message: `${file} is not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}` }];
  }
  const parsed = nodeMapSchema.safeParse(raw);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => ({
    field: 'nodeMapPath',
    message: `${file}: ${i.path.map(String).join('.') || '(root)'}: ${i.message} (see docs/node-map.md)`,
  }));
}

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}
