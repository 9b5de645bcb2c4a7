/**
 * The battery's cross-namespace row on the real-node test bed, where an enforcer runs: real pod-to-pod traffic, inside
 * the closed node network only. A target pod in the run's namespace (which the scenario's policies select), a control
 * pod in the other namespace (which no policy selects) on the same node, and a client in the other namespace on that
 * node and one on another node, each fetching from both. Only the API server is spoken to from here; every packet goes
 * between pods.
 */
import type { AttackAttempt } from '../domain/contracts';
import { runLabels, type RunScope } from './manifests';
import type { KubeClient, KubeObject } from './kubeObjects';
import { waitForObject } from './wait';

/** The image every real node imports at boot (scripts/testbed/build-node-images.sh): busybox's httpd, wget and sh. */
export const PROBE_IMAGE = 'hardenlab.local/busybox:1';
const PROBE_PORT = 8081;
const ATTEMPTS = 6;
export const PROBE_NAMES = { target: 'hardenlab-probe-target', control: 'hardenlab-probe-control', client: 'hardenlab-probe-client' };

/**
 * The client's fixed script (addresses come in as environment variables, never into the text): ATTEMPTS fetches of
 * each server, a second apart, each one new connection; the outcomes go to the termination message the API shows.
 * kube-router REJECTs what a policy denies, so a denial reads "refused" at once; a fetch killed after 3 s got no
 * answer at all ("timeout"). (This busybox's `wget -T` crashes: a watchdog stands in for it.)
 */
export const CLIENT_SCRIPT = `probe() {
  out=$( (wget -qO- "http://$1:${PROBE_PORT}/hostname" 2>&1 & p=$!; (sleep 3; kill $p) >/dev/null 2>&1 & w=$!
    wait $p; rc=$?; kill $w 2>/dev/null; echo " rc=$rc") )
  case "$out" in *" rc=0") echo allowed ;; *refused*) echo refused ;; *" rc=143") echo timeout ;; *) echo error ;; esac
}
t=""; c=""; i=0
while [ $i -lt ${ATTEMPTS} ]; do t="$t $(probe "$TARGET_IP")"; c="$c $(probe "$CONTROL_IP")"; i=$((i+1)); sleep 1; done
echo "target:$t control:$c" > /dev/termination-log`;

type Outcome = 'allowed' | 'refused' | 'timeout' | 'error';
export interface ClientResult {
  node: string;
  target: Outcome[];
  control: Outcome[];
}

/** The termination message's two series; undefined when it is not the script's. */
export function parseClientMessage(node: string, message: string): ClientResult | undefined {
  const match = /^target:((?: \w+)+) control:((?: \w+)+)\s*$/.exec(message.trim());
  if (!match) return undefined;
  const series = (text: string) => text.trim().split(' ') as Outcome[];
  return { node, target: series(match[1]!), control: series(match[2]!) };
}

/**
 * The verdict from each client's last fetch (the enforcer may take a moment to write a new pod's rules): the control
 * must answer from every client, else nothing can be said of the target; then both clients allowed is "allowed",
 * both refused is "denied", anything else an error that shows every fetch.
 */
export function verdict(results: ClientResult[]): { outcome: AttackAttempt['outcome']; message: string } {
  const shown = results.map((r) => `from ${r.node}: target ${r.target.join(',')}; control ${r.control.join(',')}`).join(' | ');
  const last = (series: Outcome[]) => series[series.length - 1];
  if (results.length === 0) return { outcome: 'error', message: 'no client reported' };
  if (results.some((r) => last(r.control) !== 'allowed'))
    return { outcome: 'error', message: `the control pod, which no policy selects, did not answer every client: ${shown}` };
  if (results.every((r) => last(r.target) === 'allowed'))
    return { outcome: 'allowed', message: `a new connection from another namespace reached the pod (${shown})` };
  if (results.every((r) => last(r.target) === 'refused'))
    return { outcome: 'denied', message: `the enforcer refused new connections from another namespace (${shown})` };
  return { outcome: 'error', message: `the clients disagree or got no answer: ${shown}` };
}

function probePod(scope: RunScope, name: string, node: string, container: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: scope.namespace, labels: { ...runLabels(scope.runId), 'hardenlab.io/probe': name } },
    spec: {
      nodeName: node,
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'probe',
          image: PROBE_IMAGE,
          imagePullPolicy: 'Never',
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          ...container,
        },
      ],
    },
  };
}

/** A Pod Security "restricted" compliant web server on an unprivileged port, serving its own /etc (so /hostname). */
export function serverPod(scope: RunScope, name: string, node: string): KubeObject {
  return probePod(scope, name, node, { command: ['httpd', '-f', '-p', String(PROBE_PORT), '-h', '/etc'] });
}

export function clientPod(scope: RunScope, name: string, node: string, targetIp: string, controlIp: string): KubeObject {
  return probePod(scope, name, node, {
    command: ['sh', '-c', CLIENT_SCRIPT],
    env: [
      { name: 'TARGET_IP', value: targetIp },
      { name: 'CONTROL_IP', value: controlIp },
    ],
  });
}

type PodStatus = { phase?: string; podIP?: string; containerStatuses?: { state?: { terminated?: { message?: string } } }[] };
const statusOf = (pod: KubeObject | null) => (pod?.status ?? {}) as PodStatus;

async function podReaching(client: KubeClient, pod: KubeObject, done: (status: PodStatus) => boolean, what: string): Promise<PodStatus> {
  const target = { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace };
  const description = `probe pod ${pod.metadata.namespace}/${pod.metadata.name} ${what}`;
  const outcome = await waitForObject(client, target, (obj) => obj !== null && done(statusOf(obj)), { timeoutMs: 90_000, description });
  if (!outcome.satisfied) throw new Error(`${description}: not within 90 s (phase ${statusOf(outcome.object).phase ?? 'none'})`);
  return statusOf(outcome.object);
}

async function removeAll(client: KubeClient, pods: KubeObject[]): Promise<void> {
  await Promise.all(pods.map((pod) => client.delete('v1', 'Pod', pod.metadata.name, pod.metadata.namespace)));
}

/**
 * Sends the traffic and removes its pods (also before, after an activity retry). `nodes`: the nodes pods run on;
 * the target and control go on the first, the clients on the first and on another (when there is one).
 */
export async function probeCrossNamespace(
  client: KubeClient,
  scope: RunScope,
  other: string,
  nodes: string[],
): Promise<Pick<AttackAttempt, 'outcome' | 'message'>> {
  const [home, away = home] = nodes as [string, string?];
  const elsewhere = { ...scope, namespace: other };
  const servers = [serverPod(scope, PROBE_NAMES.target, home), serverPod(elsewhere, PROBE_NAMES.control, home)];
  const clientNodes = [...new Set([home, away])];
  const clientName = (node: string) => `${PROBE_NAMES.client}-${clientNodes.indexOf(node) + 1}`;
  const placeholders = clientNodes.map((node) => clientPod(elsewhere, clientName(node), node, '', ''));
  await removeAll(client, [...servers, ...placeholders]);
  try {
    for (const pod of servers) await client.create(pod);
    const [targetIp, controlIp] = await Promise.all(
      servers.map(async (pod) => (await podReaching(client, pod, (s) => s.phase === 'Running' && !!s.podIP, 'running')).podIP!),
    );
    const clients = clientNodes.map((node) => clientPod(elsewhere, clientName(node), node, targetIp!, controlIp!));
    for (const pod of clients) await client.create(pod);
    const results = await Promise.all(
      clients.map(async (pod, i) => {
        const status = await podReaching(client, pod, (s) => s.phase === 'Succeeded' || s.phase === 'Failed', 'finished');
        const message = status.containerStatuses?.[0]?.state?.terminated?.message ?? '';
        const parsed = parseClientMessage(clientNodes[i]!, message);
        if (!parsed) throw new Error(`probe client on ${clientNodes[i]} reported '${message}' (phase ${status.phase})`);
        return parsed;
      }),
    );
    return verdict(results);
  } finally {
    await removeAll(client, [...servers, ...placeholders]);
  }
}
