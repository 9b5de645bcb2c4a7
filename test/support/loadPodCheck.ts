/**
 * The load pod on the real-node bed (issue 27), as a real-node test file runs it in its own bed: the app (hardened, a
 * ClusterIP Service, in a namespace enforcing Pod Security restricted), the HTTP load from a load pod through the
 * worker's own composition (its config says `load.httpFrom: pod`; the image is the bed registry's, by digest), what came
 * back, and a load pod left behind removed by the reset.
 */
import * as path from 'node:path';
import { createLoadActivities } from '../../activities/load';
import { validateExperiment } from '../../src/config/experiment';
import { loadKubeClient } from '../../src/kube/client';
import type { KubeObject } from '../../src/kube/kubeObjects';
import { namespaceManifest, workloadDeployment, workloadService } from '../../src/kube/manifests';
import { resetRun } from '../../src/kube/reset';
import { LOAD_POD_LABEL, loadPod } from '../../src/load/loadPod';
import { ArtifactStore } from '../../src/store/artifactStore';
import { loadToolKubeClient } from '../../src/tools/kubeAccess';
import { defaultHttpLoadSource } from '../../worker/loadSource';

export interface LoadPodBed {
  /** The bed's data folder (its registry's recorded digests are under it). */
  home: string;
  kubeconfigPath: string;
  kubectl: (...args: string[]) => Promise<string>;
  log: (line: string) => void;
}

const ASKED = { requestsPerSecond: 20, durationSeconds: 15 };

export async function checkLoadPod(bed: LoadPodBed): Promise<void> {
  const { kubectl, log } = bed;
  const scope = { runId: 'it-loadpod', namespace: 'hl-loadpod-r1-00000000' };
  const admin = await loadKubeClient({ kubeconfigPath: bed.kubeconfigPath });
  const defaults = validateExperiment({});
  if (!defaults.ok) throw new Error(JSON.stringify(defaults.errors));
  const workload = { ...defaults.config.workload, serviceType: 'ClusterIP' as const, replicas: 1 };
  await admin.apply(namespaceManifest(scope, { podSecurity: true }));
  await admin.apply(workloadDeployment(scope, workload, { hardened: true, replicas: 1 }));
  await admin.apply(workloadService(scope, workload, { hardened: true, provider: 'kubeconfig' }));
  await kubectl('-n', scope.namespace, 'rollout', 'status', 'deployment/hardenlab-web', '--timeout=120s');

  const source = defaultHttpLoadSource({ HARDENLAB_HOME: bed.home }, { httpFrom: 'pod' });
  // The bed is the local provider's cluster: the worker's load source takes its registry's image for it.
  const cluster = { provider: 'local' as const, kubeconfigPath: bed.kubeconfigPath };
  const activities = createLoadActivities({
    ...{ store: new ArtifactStore(path.join(bed.home, 'loadpod-data')), kube: async () => admin, httpSource: source },
    podLogs: async (ref) => {
      const client = await loadToolKubeClient(ref);
      return (namespace, pod, container) => client.podLog(namespace, pod, container);
    },
  });
  const started = Date.now();
  const request = { ...scope, cluster, artifactKey: 'loadpod', requestSet: 'front-page' as const, startAtMs: started, ...ASKED };
  const http = await activities.sendHttpLoad(request);
  log(`load pod: ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(http)}`);
  const service = await admin.get<KubeObject & { spec: { clusterIP: string } }>('v1', 'Service', 'hardenlab-web', scope.namespace);
  expect([http.runsOn, http.loadPod, http.target]).toEqual(['pod', 'hardenlab-load-http-1', `http://${service!.spec.clusterIP}:80`]);
  expect(Math.abs(http.achievedPerSecond / ASKED.requestsPerSecond - 1)).toBeLessThan(0.05);
  expect(http).toMatchObject({ offeredPerSecond: 20, errors: 0, errorRate: 0, skippedBusy: 0, sent: http.due, ok: http.due });
  expect(http.due).toBeGreaterThanOrEqual(ASKED.requestsPerSecond * (ASKED.durationSeconds - 2));
  expect(http.latencyMs).toMatchObject({ n: http.due, p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) });
  expect(http.cpu.seconds).toBeGreaterThan(0);

  // The activity deletes its pod; one left behind (a worker that died mid-load) is the reset's to remove.
  const loadPods = async () => (await kubectl('get', 'pods', '-A', '-l', LOAD_POD_LABEL, '-o', 'name')).trim();
  expect(await loadPods()).toBe('');
  const image = (source(cluster) as { image: string }).image;
  const requests = [{ method: 'GET' as const, path: '/', expectStatus: 200 }];
  await admin.apply(loadPod({ scope, image, target: http.target, requests, ...ASKED, durationMs: 60_000, attempt: 9 }));
  expect(await loadPods()).toBe('pod/hardenlab-load-http-9');
  const reset = await resetRun(admin, scope, { now: Date.now, timeoutMs: 120_000, pollIntervalMs: 1000 });
  expect(reset.leftovers).toEqual([]);
  expect(await loadPods()).toBe('');
}
