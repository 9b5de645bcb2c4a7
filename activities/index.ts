/**
 * The composition root of the activities: one factory taking the injected dependencies, returning
 * every activity the workflows call, checked against `HardenlabActivities`.
 */
import { log as activityLog } from '@temporalio/activity';
import type { HardenlabActivities } from '../src/domain/activities';
import type { KubeClient } from '../src/kube/kubeObjects';
import type { ClusterRef } from '../src/domain/contracts';
import type { WorkerConfigSource } from '../src/scenarios/resolveExperiment';
import type { PolicyEngineSource } from '../src/config/policyEngine';
import type { HttpLoadSource } from '../src/config/loadDesign';
import type { SshConnector } from '../src/ssh';
import type { NodeMap } from '../src/config/nodeMap';
import type { ArtifactStore } from '../src/store/artifactStore';
import type { ToolBinaries } from './tools';
import type { ToolKubeLoader } from '../src/tools/access';
import { createClusterActivities } from './cluster';
import { createConfigActivities } from './config';
import { createLoadActivities } from './load';
import { createRecordActivities } from './records';
import { createReportActivities, reportInput } from './report';
import { createSamplingActivities } from './sampling';
import { createScenarioActivities } from './scenarioPacks';
import { createToolActivities } from './tools';
import { ExperimentRecords } from './experimentRecords';
import { guardActivities } from './trustGuard';
import type { ClusterProvider, ProviderName } from '../src/providers';
import { waitForNodeReady } from '../src/kube/wait';
import { clusterNodeNames, clusterRefOf } from '../src/nodeaccess/clusterNodes';

/** Every real dependency, built by the composition root (worker/runWorker.ts) or a test's harness. */
export interface ActivityDeps {
  store: ArtifactStore;
  ssh: SshConnector;
  kube: (ref: ClusterRef) => Promise<KubeClient>;
  /** Opens a cluster as another user (impersonation), for the attack battery. */
  kubeAs: (ref: ClusterRef, user: string) => Promise<KubeClient>;
  providers: Record<ProviderName, ClusterProvider>;
  toolKube: ToolKubeLoader;
  toolBinaries: ToolBinaries;
  /** The closure check of a network namespace that kube-hunter's subnet probes need (the test bed's). */
  namespaceClosureViolations: (namespace: string) => Promise<string[]>;
  env: NodeJS.ProcessEnv;
  /** Reads a node map (src/ssh/nodeMap's loader, or a test's). */
  loadNodeMap: (file: string) => Promise<NodeMap>;
  /** Where the worker's private per-run folders (the tools' reports and uploads) are made. */
  workerTempDir: string;
  /**
   * The worker's config when the launcher fixes it (the demo) or looks it up per run (`hardenlab dev`); otherwise read from its file per
   * run.
   */
  workerConfig?: WorkerConfigSource;
  /** The policy engine the policy-engine pack installs (worker/policyEngine.ts); none without it. */
  policyEngine?: PolicyEngineSource;
  /** Where the HTTP load is sent from (worker/loadSource.ts); from the worker without it. */
  httpLoadSource?: HttpLoadSource;
}

/** The activity logger inside an activity; nowhere when a test calls an activity directly. */
function logInActivity(line: string): void {
  try {
    activityLog.info(line);
  } catch {
    // Not in an activity context.
  }
}

export function createActivities(deps: ActivityDeps): HardenlabActivities {
  const { store, ssh, env, kube, kubeAs, providers } = deps;
  const report = createReportActivities({ artifactsRoot: store.root });
  // Every request is checked against what this worker resolved and provisioned (activities/trustGuard.ts).
  const clusterNodes = async (cluster: Parameters<typeof clusterRefOf>[0]) => clusterNodeNames(await kube(clusterRefOf(cluster)));
  return guardActivities({
    ...createConfigActivities({ env, workerConfig: deps.workerConfig, store, clusterNodes }),
    ...createClusterActivities({ store, kube, env, providers }),
    ...createScenarioActivities({ store, kube, kubeAs, policyEngine: deps.policyEngine, workerTempDir: deps.workerTempDir }),
    ...createSamplingActivities({
      ssh,
      store,
      loadNodeMap: deps.loadNodeMap,
      // After a reboot, the kubelet's own Ready is the node's return to the cluster (SSH alone is not).
      waitNodeReady: async (cluster, node, since) => waitForNodeReady(await kube(cluster), node, since),
    }),
    ...createToolActivities({
      ...{ ssh, kube: deps.toolKube, store, binaries: deps.toolBinaries, env },
      ...{ loadNodeMap: deps.loadNodeMap, workerTempDir: deps.workerTempDir },
      namespaceClosureViolations: deps.namespaceClosureViolations,
    }),
    ...createRecordActivities({ store }),
    ...createLoadActivities({
      ...{ store, kube, log: logInActivity, nodes: { connector: deps.ssh, loadNodeMap: deps.loadNodeMap } },
      httpSource: deps.httpLoadSource,
      podLogs: async (ref) => {
        const client = await deps.toolKube(ref);
        return (namespace, pod, container) => client.podLog(namespace, pod, container);
      },
    }),
    buildReport: (req) => report.buildReport(reportInput(req)),
  }, new ExperimentRecords(store.root));
}
