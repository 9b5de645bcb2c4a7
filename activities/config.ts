/**
 * Resolves a workflow's input against the worker's config file and the defaults, validates it, and
 * checks that the environment it names exists (files, token references) — so a run started from
 * the UI with `{}` either starts or fails at once saying which setting is missing.
 */
import { ApplicationFailure } from '@temporalio/common';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { validateExperiment, type ExperimentConfig, type FieldError } from '../src/config/experiment';
import { hardenlabHome } from '../src/config/paths';
import { ConfigFileError, loadWorkerConfig, mergeConfig } from '../src/config/workerConfig';
import type { ResolveExperimentRequest, ResolvedExperiment } from '../src/domain/contracts';
import { experimentKey } from '../src/domain/naming';
import { nodeMapSchema } from '../src/config/nodeMap';

export interface ConfigDeps {
  env?: NodeJS.ProcessEnv;
}

export function createConfigActivities(deps: ConfigDeps = {}) {
  const env = deps.env ?? process.env;

  async function resolveExperiment({ input, workflowId }: ResolveExperimentRequest): Promise<ResolvedExperiment> {
    if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
      throw invalid([{ field: '(input)', message: `expected a JSON object, got ${Array.isArray(input) ? 'an array' : typeof input}` }]);
    }
    let fileDefaults: unknown = {};
    let configFile: string | undefined;
    try {
      const loaded = await loadWorkerConfig(env);
      fileDefaults = loaded.config.experiment;
      configFile = loaded.file;
    } catch (err) {
      if (err instanceof ConfigFileError) throw invalid(err.problems.map((p) => ({ field: `config file ${err.file}: ${p.field}`, message: p.message })));
      throw err;
    }
    const result = validateExperiment(mergeConfig(fileDefaults, input ?? {}));
    if (!result.ok) throw invalid(result.errors);
    const config = withEnvironmentDefaults(result.config, env);
    const problems = await checkEnvironment(config, env);
    if (problems.length) throw invalid(problems);
    return { config, experimentId: workflowId, artifactKey: experimentKey(workflowId), configFile };
  }

  return { resolveExperiment };
}

/** Fills in paths that come from the environment rather than from the user. */
export function withEnvironmentDefaults(config: ExperimentConfig, env: NodeJS.ProcessEnv): ExperimentConfig {
  const cluster = { ...config.cluster };
  let nodeMapPath = config.nodeMapPath;
  if (cluster.provider === 'local') {
    const sim = path.join(hardenlabHome(env), 'sim');
    cluster.kubeconfigPath ??= path.join(sim, 'kubeconfig');
    nodeMapPath ??= path.join(sim, 'nodes.yaml');
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
      problems.push({ field: 'cluster.kubeconfigPath', message: `no kubeconfig at ${cluster.kubeconfigPath}: set cluster.kubeconfigPath (input or worker config file) or KUBECONFIG for the worker, or use provider "local" for the test bed` });
    }
    if (!config.nodeMapPath) {
      problems.push({ field: 'nodeMapPath', message: 'missing: the node map says how to reach each node over SSH for sampling (see docs/node-map.md)' });
    }
  }
  if (cluster.provider === 'linode' && !env[cluster.linode.tokenEnv] && !cluster.linode.tokenFile) {
    problems.push({ field: 'cluster.linode.tokenEnv', message: `the worker has no environment variable ${cluster.linode.tokenEnv} and no cluster.linode.tokenFile is set` });
  }
  if (cluster.linode.tokenFile && cluster.provider === 'linode' && !(await isFile(cluster.linode.tokenFile))) {
    problems.push({ field: 'cluster.linode.tokenFile', message: `no file at ${cluster.linode.tokenFile}` });
  }
  if (config.nodeMapPath && cluster.provider !== 'local') problems.push(...(await checkNodeMap(config.nodeMapPath)));
  return problems;
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
  return parsed.error.issues.map((i) => ({ field: 'nodeMapPath', message: `${file}: ${i.path.map(String).join('.') || '(root)'}: ${i.message}` }));
}

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then((s) => s.isFile(), () => false);
}

function invalid(errors: FieldError[]): ApplicationFailure {
  const list = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return ApplicationFailure.nonRetryable(`invalid experiment input: ${list}`, 'InvalidInput', { errors });
}
