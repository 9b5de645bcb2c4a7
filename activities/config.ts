/**
 * Resolves a workflow's input against the worker's config and the defaults (src/scenarios/resolveExperiment.ts), so a
 * run started from the UI with `{}` either starts or fails at once, non-retryably, naming every bad field
 * — including environment fields the input may not set.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterSpec, FieldError } from '../src/config/experiment';
import { nodesFromCluster } from '../src/config/nodeAccess';
import { resolveExperimentConfig, type WorkerConfigSource } from '../src/scenarios/resolveExperiment';
import type { ResolveExperimentRequest, ResolvedExperiment } from '../src/domain/contracts';
import { SCENARIO_DEFINITIONS_FILE } from '../src/domain/scenarios';
import type { ArtifactStore } from '../src/store/artifactStore';
import { claimExperimentFolder } from './experimentFolder';

export interface ConfigDeps {
  /** The worker's environment: HARDENLAB_CONFIG, HARDENLAB_HOME and the variables the config file names. */
  env: NodeJS.ProcessEnv;
  /**
   * The worker's config as the launcher loaded it (the demo's: the test bed) or looks it up per run (`hardenlab dev`); read from its file
   * per run when absent.
   */
  workerConfig?: WorkerConfigSource;
  /** Where the resolved scenario definitions are recorded: the data folder's store. */
  store: ArtifactStore;
  /** The names of the cluster's nodes, for Kubernetes node access without a node map (src/config/nodeAccess.ts). */
  clusterNodes?: (cluster: ClusterSpec) => Promise<string[]>;
}

export function createConfigActivities(deps: ConfigDeps) {
  const { env, store } = deps;

  async function resolveExperiment({ input, workflowId }: ResolveExperimentRequest): Promise<ResolvedExperiment> {
    const result = await resolveExperimentConfig(input, { env, worker: deps.workerConfig });
    if (!result.ok) throw invalid(result.errors);
    // A folder of its own per run: another run's (a colliding or reused id) is refused, never written into.
    const artifactKey = await claimExperimentFolder(store, workflowId);
    // The report lists exactly what was applied, and the harden step applies from this record (checked by digest).
    await store.writeJson(artifactKey, SCENARIO_DEFINITIONS_FILE, result.scenarios);
    // nodeAccess: kubernetes without a node map: the run's nodes are the cluster's now, recorded as its node map.
    if (deps.clusterNodes && nodesFromCluster(result.config)) {
      const nodes = (await deps.clusterNodes(result.config.cluster)).map((name) => ({ name, host: name }));
      result.config.nodeMapPath = await store.writeJson(artifactKey, 'cluster-nodes.json', { nodes });
    }
    return {
      config: result.config,
      experimentId: workflowId,
      artifactKey,
      configFile: result.configFile,
      searchAttributes: result.searchAttributes,
      scenarios: result.scenarios.definitions,
    };
  }

  return { resolveExperiment };
}

function invalid(errors: FieldError[]): ApplicationFailure {
  const list = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return ApplicationFailure.nonRetryable(`invalid experiment input: ${list}`, 'InvalidInput', { errors });
}
