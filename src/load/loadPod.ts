/**
 * The load pod (issue 27): the HTTP load sent from inside the run's namespace, for clusters whose app the worker cannot
 * reach (no load balancer). vegeta attacks the app's Service at its cluster address open-loop at a constant rate, under
 * busybox's `time` (the attack's own CPU, from getrusage of its child); a second container turns the results into
 * vegeta's JSON report. Both are argument arrays (no shell); the fixed request set reaches vegeta as a file of the pod's
 * own annotation (a downward API volume), so the pod needs no other object. Restricted security context throughout, so
 * Pod Security `restricted` and the policy engine admit it. Pure.
 */
import type { LoadRequest } from '../domain/requestSets';
import { runLabels, runLabelSelector, type RunScope } from '../kube/manifests';
import type { KubeObject } from '../kube/kubeObjects';

/** Marks the load pod; with the run labels, reset removes it. */
export const LOAD_POD_LABEL = 'hardenlab.io/load-pod';
const TARGETS_ANNOTATION = 'hardenlab.io/targets';
const NAME_PREFIX = 'hardenlab-load-http-';
/** The image's own non-root user (scripts/testbed/build-load-images.sh). */
export const LOAD_POD_UID = 65532;
export const ATTACK_CONTAINER = 'attack';
export const REPORT_CONTAINER = 'report';
/** The marker of busybox time's line in the attack container's log: elapsed, user and system seconds. */
export const RUSAGE_MARKER = 'hardenlab-rusage';

export interface LoadPodPlan {
  scope: RunScope;
  /** Pinned by digest; the worker's config or the test bed's registry, never the workflow input. */
  image: string;
  /** The app's Service at its cluster address, read from the cluster (`http://<clusterIP>:<port>`). */
  target: string;
  requests: readonly LoadRequest[];
  requestsPerSecond: number;
  durationMs: number;
  /** Which activity attempt this pod is (its name), so a retry never finds two generators of one name. */
  attempt: number;
  timeoutMs?: number;
}

export function loadPodName(attempt: number): string {
  return `${NAME_PREFIX}${attempt}`;
}

export function loadPodSelector(runId: string): string {
  return `${runLabelSelector(runId)},${LOAD_POD_LABEL}=http`;
}

/** Requests per second as vegeta's `<hits>/<period>`: whole rates per second, others per 1000 s. */
export function vegetaRate(requestsPerSecond: number): string {
  if (!(requestsPerSecond > 0)) throw new RangeError(`the HTTP load's rate must be more than 0 (got ${requestsPerSecond})`);
  if (Number.isInteger(requestsPerSecond)) return `${requestsPerSecond}/1s`;
  return `${Math.max(1, Math.round(requestsPerSecond * 1000))}/1000s`;
}

/** Workers vegeta may add when answers are slow: 10 s worth of the rate, 16 to 1000 (as the worker's own generator). */
export function maxWorkers(requestsPerSecond: number): number {
  return Math.min(1000, Math.max(16, Math.ceil(requestsPerSecond * 10)));
}

/** vegeta's JSON target format, a target a line, in the request set's order (vegeta cycles through them). */
export function vegetaTargets(target: string, requests: readonly LoadRequest[]): string {
  if (requests.length === 0) throw new RangeError('the request set is empty');
  return requests.map((r) => JSON.stringify({ method: r.method, url: new URL(r.path, target).href })).join('\n') + '\n';
}

const restricted = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

export function loadPod(plan: LoadPodPlan): KubeObject {
  const mounts = [
    { name: 'work', mountPath: '/work' },
    { name: 'targets', mountPath: '/targets', readOnly: true },
  ];
  const container = (name: string, command: string[]) => ({
    name,
    image: plan.image,
    imagePullPolicy: 'IfNotPresent',
    command,
    securityContext: restricted,
    volumeMounts: mounts,
    resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '256Mi' } },
  });
  const attack = [
    ...['/bin/time', '-f', `${RUSAGE_MARKER} %e %U %S`, '/usr/local/bin/vegeta', 'attack', '-format=json'],
    ...['-targets=/targets/targets', `-rate=${vegetaRate(plan.requestsPerSecond)}`],
    `-duration=${Math.max(1, Math.round(plan.durationMs))}ms`,
    ...[`-max-workers=${maxWorkers(plan.requestsPerSecond)}`, `-timeout=${plan.timeoutMs ?? 10_000}ms`, '-output=/work/results.bin'],
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: loadPodName(plan.attempt),
      namespace: plan.scope.namespace,
      // Not the app's labels: the app's Service and NetworkPolicy must not select the generator.
      labels: { ...runLabels(plan.scope.runId), [LOAD_POD_LABEL]: 'http' },
      annotations: { [TARGETS_ANNOTATION]: vegetaTargets(plan.target, plan.requests) },
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 5,
      securityContext: {
        ...{ runAsNonRoot: true, runAsUser: LOAD_POD_UID, runAsGroup: LOAD_POD_UID },
        seccompProfile: { type: 'RuntimeDefault' },
      },
      volumes: [
        { name: 'work', emptyDir: { sizeLimit: '256Mi' } },
        {
          name: 'targets',
          downwardAPI: { items: [{ path: 'targets', fieldRef: { fieldPath: `metadata.annotations['${TARGETS_ANNOTATION}']` } }] },
        },
      ],
      initContainers: [container(ATTACK_CONTAINER, attack)],
      containers: [container(REPORT_CONTAINER, ['/usr/local/bin/vegeta', 'report', '-type=json', '/work/results.bin'])],
    },
  };
}
