import type { DeployRequest, DeployResult } from '../domain/contracts';
import { safeHeartbeat } from '../temporal/heartbeat';
import { detectLoadBalancerController } from './facts';
import { APP_NAME, namespaceManifest, workloadDeployment, workloadImage, workloadService } from './manifests';
import type { KubeClient, KubeObject } from './kubeObjects';
import { pause, waitForObject, waitTimeout } from './wait';

export interface DeployOptions {
  now: () => number;
  /** Bound on each rollout (initial and scale-up). */
  rolloutTimeoutMs: number;
  /** Without a detected load-balancer controller, wait at most this long for an address (bounded anyway by the config). */
  noControllerGraceMs: number;
  /** How long to keep trying the site over HTTP once it has an address. */
  httpCheckMs: number;
  /** At most this many events go into the result (history stays small). */
  maxEvents: number;
}

interface DeploymentStatus {
  replicas?: number;
  availableReplicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  observedGeneration?: number;
}

/** All `desired` replicas updated and available, as observed by the controller for the current generation. */
export function rolledOut(deployment: KubeObject | null, desired: number): boolean {
  if (!deployment) return false;
  const status = (deployment.status ?? {}) as DeploymentStatus;
  const generation = deployment.metadata.generation ?? 0;
  return (
    (status.observedGeneration ?? 0) >= generation &&
    (status.updatedReplicas ?? 0) >= desired &&
    (status.availableReplicas ?? 0) >= desired &&
    (deployment.spec as { replicas?: number } | undefined)?.replicas === desired
  );
}

function describeStatus(deployment: KubeObject | null): string {
  if (!deployment) return 'Deployment absent';
  const s = (deployment.status ?? {}) as DeploymentStatus;
  return (
    `replicas ${s.replicas ?? 0}, updated ${s.updatedReplicas ?? 0}, ready ${s.readyReplicas ?? 0}, ` +
    `available ${s.availableReplicas ?? 0}`
  );
}

/** Applies the Deployment at `replicas` and measures, from a watch, how long until all are available. */
async function rollout(client: KubeClient, manifest: KubeObject, replicas: number, options: DeployOptions, what: string): Promise<number> {
  const started = options.now();
  const applied = await client.apply({ ...manifest, spec: { ...(manifest.spec as object), replicas } });
  const outcome = await waitForObject(
    client,
    { apiVersion: 'apps/v1', kind: 'Deployment', name: applied.metadata.name, namespace: applied.metadata.namespace },
    (d) => rolledOut(d, replicas),
    { timeoutMs: options.rolloutTimeoutMs, description: `${what} of ${APP_NAME} to ${replicas} available replicas`, now: options.now },
  );
  if (!outcome.satisfied)
    throw waitTimeout(
      `${what} of Deployment ${APP_NAME} to ${replicas} replicas`,
      options.rolloutTimeoutMs,
      describeStatus(outcome.object),
    );
  return (outcome.at - started) / 1000;
}

function ingressAddress(service: KubeObject | null): string | null {
  const ingress = (service?.status as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } | undefined)?.loadBalancer
    ?.ingress?.[0];
  return ingress?.ip ?? ingress?.hostname ?? null;
}

/** GETs the site until it answers (any HTTP status) or the time is up. */
async function httpStatusOf(url: string, withinMs: number, now: () => number): Promise<{ status?: number; error?: string }> {
  const deadline = now() + withinMs;
  let error = 'not tried';
  do {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.min(10_000, Math.max(1000, deadline - now()))) });
      await response.arrayBuffer();
      return { status: response.status };
    } catch (err) {
      error = `${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name}: ${(err as Error).message}`;
    }
    await pause(1000);
  } while (now() < deadline);
  return { error };
}

type EventRecord = DeployResult['events'][number];

function eventTime(event: KubeObject): string {
  const e = event as unknown as {
    lastTimestamp?: string;
    eventTime?: string;
    firstTimestamp?: string;
    metadata: { creationTimestamp?: string };
  };
  return String(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '');
}

async function namespaceEvents(client: KubeClient, namespace: string, since: number, max: number): Promise<EventRecord[]> {
  const events = (await client.list('v1', 'Event', { namespace })).items;
  return events
    .map((event) => {
      const involved = (event as unknown as { involvedObject?: { kind?: string; name?: string } }).involvedObject;
      return {
        time: eventTime(event),
        reason: String((event as unknown as { reason?: string }).reason ?? ''),
        message: String((event as unknown as { message?: string }).message ?? '').slice(0, 300),
        object: `${involved?.kind ?? '?'}/${involved?.name ?? '?'}`,
      };
    })
    .filter((e) => !e.time || Date.parse(e.time) >= since - 1000)
    .sort((a, b) => a.time.localeCompare(b.time))
    .slice(-max);
}

/**
 * The thesis's deploy step: namespace, Deployment at `replicas` (rollout timed from a watch), scaled to
 * `scaleTo` (timed likewise), then the Service; a LoadBalancer address is awaited (bounded) and the site
 * fetched over HTTP, or recorded as pending where no controller hands out addresses.
 */
export async function deployWorkload(client: KubeClient, req: DeployRequest, options: DeployOptions): Promise<DeployResult> {
  const scope = { runId: req.runId, namespace: req.namespace };
  const workload = req.workload;
  const began = options.now();
  const events: EventRecord[] = [];
  const note = (reason: string, message: string) =>
    events.push({ time: new Date(options.now()).toISOString(), reason, message, object: 'hardenlab' });

  await client.apply(namespaceManifest(scope));
  // A new namespace gets its default ServiceAccount from a controller; pods cannot be created before it
  // exists, and the rollout time should measure the rollout, not namespace bootstrap.
  await waitForObject(
    client,
    { apiVersion: 'v1', kind: 'ServiceAccount', name: 'default', namespace: req.namespace },
    (sa) => sa !== null,
    {
      timeoutMs: 60_000,
      description: `ServiceAccount default in ${req.namespace}`,
      now: options.now,
    },
  );
  const deployment = workloadDeployment(scope, workload, { hardened: req.hardened, replicas: workload.replicas });
  const rolloutSeconds = await rollout(client, deployment, workload.replicas, options, 'rollout');
  note('RolloutComplete', `${workload.replicas} replicas available after ${rolloutSeconds.toFixed(2)} s`);
  safeHeartbeat({ step: 'scale', rolloutSeconds });
  const scaleUpSeconds = await rollout(client, deployment, workload.scaleTo, options, 'scale-up');
  note('ScaleUpComplete', `${workload.scaleTo} replicas available after ${scaleUpSeconds.toFixed(2)} s`);

  const service = await client.apply(workloadService(scope, workload, { hardened: req.hardened, provider: req.cluster.provider }));
  let serviceResult: DeployResult['service'] = { type: workload.serviceType, address: null, pending: false };
  if (workload.serviceType === 'LoadBalancer') {
    const controller = await detectLoadBalancerController(client);
    const configuredMs = workload.loadBalancerWaitSeconds * 1000;
    const waitMs = controller.present ? configuredMs : Math.min(configuredMs, options.noControllerGraceMs);
    const outcome = await waitForObject(
      client,
      { apiVersion: 'v1', kind: 'Service', name: service.metadata.name, namespace: req.namespace },
      (s) => ingressAddress(s) !== null,
      {
        timeoutMs: waitMs,
        description: `a LoadBalancer address for Service ${service.metadata.name}`,
        now: options.now,
      },
    );
    const address = ingressAddress(outcome.object);
    if (address === null) {
      serviceResult = { type: workload.serviceType, address: null, pending: true };
      note(
        'LoadBalancerPending',
        `no address after ${Math.round(waitMs / 1000)} s (${controller.present ? 'controller present' : controller.evidence}); recorded ` +
          `as pending`,
      );
    } else {
      const host = address.includes(':') ? `[${address}]` : address;
      const url = `http://${host}:${workload.port}/`;
      const http = await httpStatusOf(url, options.httpCheckMs, options.now);
      serviceResult = { type: workload.serviceType, address, pending: false, httpStatus: http.status };
      note(
        http.status !== undefined ? 'HttpCheck' : 'HttpCheckFailed',
        http.status !== undefined ? `GET ${url} answered ${http.status}` : `GET ${url} failed: ${http.error}`,
      );
    }
  }

  const clusterEvents = await namespaceEvents(client, req.namespace, began, options.maxEvents);
  return {
    image: workloadImage(workload, req.hardened),
    rolloutSeconds,
    scaleUpSeconds,
    replicas: workload.scaleTo,
    service: serviceResult,
    events: [...clusterEvents, ...events].slice(-options.maxEvents),
  };
}
