/**
 * Runs a hardenlab worker against any Temporal server, with the real activities wired to their
 * production dependencies (ssh2, @kubernetes/client-node loaded lazily, the artifact store).
 */
import * as os from 'node:os';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, type Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import { hardenlabHome } from '../src/config/paths';
import type { WorkerConfigSource } from '../src/scenarios/resolveExperiment';
import { loadWorkerConfig, type WorkerConfig } from '../src/config/workerConfig';
import { loadKubeClient } from '../src/kube/client';
import { loadNodeMap } from '../src/ssh/nodeMapFile';
import { defaultProviders } from '../src/providers';
import { ArtifactStore } from '../src/store/artifactStore';
import { dataConverterFor } from '../src/temporal/codec';
import { connectionOptions } from '../src/temporal/temporalConnection';
import { loadToolKubeClient } from '../src/tools/kubeAccess';
import { defaultToolBinaries } from '../src/tools/install';
import { namespaceClosureViolations } from '../src/testbed/realNodes';
import { createHardenlabWorker } from './createWorker';
import { defaultPolicyEngine } from './engineSource';
import { defaultHttpLoadSource } from './loadSource';
import { nodeTransport } from './nodeTransport';

export async function startWorker(
  temporal: WorkerConfig['temporal'],
  env: NodeJS.ProcessEnv = process.env,
  /** workflowBundle: a prebuilt bundle for the data converter in use (tests share one); by default the worker bundles. */
  options: {
    dataConverter?: DataConverter;
    workerConfig?: WorkerConfigSource;
    workflowBundle?: (dataConverter: DataConverter | undefined) => Promise<WorkflowBundleOption>;
    /**
     * Where the local test bed lives (its data folder, HARDENLAB_HOME): the process's environment, as the CLI's
     * `hardenlab testbed` places it, not the run's data folder. The local provider and the policy engine (the digests the
     * bed's registry recorded) read the same bed.
     */
    testbedEnv?: NodeJS.ProcessEnv;
  } = {},
): Promise<{ worker: Worker; connection: NativeConnection }> {
  // Payloads (and failures) are encrypted when the config names a key file.
  const dataConverter = options.dataConverter ?? (await dataConverterFor(temporal));
  const connection = await NativeConnection.connect(connectionOptions(temporal));
  const store = new ArtifactStore(hardenlabHome(env));
  // `hardenlab dev` looks its config up per run (a function): its worker serves the test bed only.
  const configured =
    typeof options.workerConfig === 'function' ? undefined : (options.workerConfig ?? (await loadWorkerConfig(env).catch(() => undefined)));
  const testbedEnv = options.testbedEnv ?? process.env;
  const activities = createActivities({
    store,
    ssh: await nodeTransport(options.workerConfig, env),
    kube: (ref) => loadKubeClient(ref),
    kubeAs: (ref, user) => loadKubeClient(ref, { impersonate: user }),
    providers: defaultProviders(testbedEnv),
    namespaceClosureViolations: (namespace) => namespaceClosureViolations(namespace, env),
    toolKube: (ref) => loadToolKubeClient(ref),
    toolBinaries: defaultToolBinaries(env),
    loadNodeMap,
    workerTempDir: os.tmpdir(),
    env,
    workerConfig: options.workerConfig,
    policyEngine: defaultPolicyEngine(testbedEnv, configured?.config.policyEngine),
    httpLoadSource: defaultHttpLoadSource(testbedEnv, configured?.config.load),
  });
  const worker = await createHardenlabWorker({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    activities,
    workflowBundle: await options.workflowBundle?.(dataConverter),
    overrides: dataConverter ? { dataConverter } : {},
  });
  return { worker, connection };
}

/**
 * Stops a worker that may already be stopping: the SDK's runtime shuts workers down by itself on
 * SIGINT/SIGTERM, and a second shutdown() would throw.
 */
export function stopWorker(worker: Worker): void {
  if (worker.getState() === 'RUNNING') worker.shutdown();
}
