/**
 * Installs the policy engine (Gatekeeper) for one run and waits until its webhook answers; then, as the pack's own
 * policies are applied, waits until each template is ingested and each constraint denies. Order keeps a dead engine
 * from blocking anything: the webhook is registered only once the engine's pod is ready, and removed again when it
 * does not answer within the bound. Every wait shares one deadline; running out fails non-retryably, naming what.
 */
import { ApplicationFailure } from '@temporalio/common';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PolicyEngineSetup } from '../../config/policyEngine';
import { createCa, servingExtensions, signCertificate } from '../../pki/openssl';
import { compliantPod } from '../battery';
import { runLabelValue, type RunScope } from '../manifests';
import { RUN_LABEL, type KubeClient, type KubeObject } from '../kubeObjects';
import {
  certSecret,
  ENGINE_APP,
  engineDeployment,
  engineNamespaceManifest,
  engineNamespaceOf,
  engineService,
  serviceNames,
  upstreamObjects,
  webhookConfiguration,
  type EngineScope,
} from './engineManifests';
import { available, awaitObject, established, podStates, untilAnswered, type Deadline } from './readiness';

export interface EngineOptions {
  setup: PolicyEngineSetup;
  /** The bound on the whole install, from the first object to the last constraint denying. */
  readyTimeoutMs: number;
  pollMs?: number;
  now?: () => number;
  /** Where the certificates are made (a private folder is created and removed inside it). */
  tempDir?: string;
}

export interface EngineEvidence {
  evidence: { check: string; passed: boolean; detail: string }[];
  notes: string[];
  objects: KubeObject[];
}

const isFake = (node: KubeObject) => node.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake';

/** The engine's pod must run somewhere: on a cluster of KWOK nodes only, nothing would ever answer. */
export async function requireNodesThatRunPods(client: KubeClient): Promise<void> {
  const nodes = (await client.list('v1', 'Node')).items;
  if (nodes.length === 0 || nodes.every(isFake))
    throw ApplicationFailure.nonRetryable(
      `the policy engine needs nodes that run pods: ` +
        `${nodes.length === 0 ? 'this cluster has no nodes' : 'every node of this cluster is KWOK-simulated'}` +
        ` (start the test bed with real nodes: hardenlab testbed up --nodes real)`,
      'PolicyEngineUnavailable',
    );
}

/** A cluster-scoped object of that name that this run did not create: another engine is installed; never take it over. */
async function refuseForeign(client: KubeClient, obj: KubeObject, runId: string): Promise<void> {
  if (obj.metadata.namespace) return;
  const existing = await client.get(obj.apiVersion, obj.kind, obj.metadata.name);
  if (existing && existing.metadata.labels?.[RUN_LABEL] !== runLabelValue(runId))
    throw ApplicationFailure.nonRetryable(
      `${obj.kind} "${obj.metadata.name}" already exists on the cluster and was not installed by this run: another Gatekeeper (or an ` +
        `earlier run's, not yet reset) is installed; the policy-engine pack will not take it over`,
      'PolicyEngineUnavailable',
    );
}

/** A CA of its own per install (the project's PKI helper), and the webhook's serving certificate for these names. */
export async function servingCertificate(names: string[], tempDir: string): Promise<{ cert: string; key: string; ca: string }> {
  const dir = await fs.mkdtemp(path.join(tempDir, 'hardenlab-engine-pki-'));
  try {
    await fs.chmod(dir, 0o700);
    const ca = { cert: path.join(dir, 'ca.crt'), key: path.join(dir, 'ca.key') };
    const serving = { cert: path.join(dir, 'tls.crt'), key: path.join(dir, 'tls.key') };
    await createCa('hardenlab-policy-engine-ca', ca);
    await signCertificate(ca, 'webhook', `/CN=${names[2] ?? names[0]}`, servingExtensions(names), serving);
    const [cert, key, caPem] = await Promise.all([serving.cert, serving.key, ca.cert].map((f) => fs.readFile(f, 'utf8')));
    return { cert: cert!, key: key!, ca: caPem! };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export interface InstalledEngine extends EngineEvidence {
  scope: EngineScope;
  deadline: Deadline;
  boundMs: number;
  startedAt: number;
}

export async function installPolicyEngine(client: KubeClient, run: RunScope, options: EngineOptions): Promise<InstalledEngine> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const boundMs = options.readyTimeoutMs;
  const deadline: Deadline = { now, at: startedAt + boundMs, pollMs: options.pollMs ?? 1000 };
  const scope: EngineScope = { ...run, engineNamespace: engineNamespaceOf(run.namespace) };
  await requireNodesThatRunPods(client);
  const upstream = upstreamObjects(scope, await fs.readFile(options.setup.installManifest, 'utf8'));
  const objects: KubeObject[] = [];
  const apply = async (obj: KubeObject) => {
    await refuseForeign(client, obj, run.runId);
    await client.apply(obj);
    objects.push(obj);
  };

  await apply(engineNamespaceManifest(scope));
  for (const obj of upstream) await apply(obj);
  for (const crd of upstream.filter((o) => o.kind === 'CustomResourceDefinition'))
    await awaitObject(client, crdTarget(crd.metadata.name), established, deadline, `CRD ${crd.metadata.name} established`, boundMs);

  const route = options.setup.webhookRoute;
  await apply(engineService(scope, route));
  let address: string | undefined;
  if (route === 'load-balancer') {
    const service = await awaitObject(
      client,
      { apiVersion: 'v1', kind: 'Service', name: 'gatekeeper-webhook-service', namespace: scope.engineNamespace },
      (svc) => Boolean(ingressOf(svc)),
      deadline,
      `a load-balancer address for the webhook's Service in ${scope.engineNamespace}`,
      boundMs,
    );
    address = ingressOf(service);
  }
  const pem = await servingCertificate([...serviceNames(scope), ...(address ? [address] : [])], options.tempDir ?? os.tmpdir());
  await apply(certSecret(scope, pem));
  await apply(engineDeployment(scope, options.setup.image));
  const selector = `app.kubernetes.io/name=${ENGINE_APP}`;
  await awaitObject(
    client,
    { apiVersion: 'apps/v1', kind: 'Deployment', name: ENGINE_APP, namespace: scope.engineNamespace },
    available,
    deadline,
    `Deployment ${ENGINE_APP} in ${scope.engineNamespace} has no available pod`,
    boundMs,
    () => podStates(client, scope.engineNamespace, selector),
  );
  const podReadyAt = now();

  const webhook = webhookConfiguration(scope, pem.ca, address);
  await apply(webhook);
  // Through the webhook (failurePolicy Fail): a compliant pod is admitted only once the engine answers the API server.
  try {
    await untilAnswered(
      async () => client.create(compliantPod(run, 'hardenlab-engine-probe'), { dryRun: true }),
      deadline,
      `the webhook ${webhook.metadata.name} does not answer the API server`,
      boundMs,
    );
  } catch (err) {
    // A webhook that does not answer refuses every pod of the namespace: take it away before failing.
    await client.delete(webhook.apiVersion, webhook.kind, webhook.metadata.name).catch(() => false);
    throw err;
  }
  const answeredAt = now();
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return {
    scope,
    deadline,
    boundMs,
    startedAt,
    objects,
    evidence: [
      {
        check: `policy engine: Gatekeeper ${options.setup.version} runs and its webhook answers`,
        passed: true,
        detail:
          `pod ready ${seconds(podReadyAt - startedAt)} after the install began, ` +
          `webhook answering after ${seconds(answeredAt - startedAt)}; ` +
          `image ${options.setup.image}; ${upstream.length} objects from upstream's install manifest`,
      },
    ],
    notes: [
      `the policy engine runs in namespace ${scope.engineNamespace}; its webhook judges pods of ${run.namespace} only` +
        (address ? ` (the API server reaches it at ${address}, the test bed's load balancer)` : ''),
    ],
  };
}

function crdTarget(name: string) {
  return { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name };
}

function ingressOf(svc: KubeObject | null): string | undefined {
  return (svc?.status as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)?.loadBalancer?.ingress?.[0]?.ip;
}

/**
 * After one of the pack's policies is applied: a ConstraintTemplate is ingested (status.created, and its
 * constraint CRD established); a constraint denies, proved by a privileged pod refused with the constraint's name.
 */
export async function awaitPolicy(client: KubeClient, engine: InstalledEngine, obj: KubeObject): Promise<EngineEvidence['evidence']> {
  const { deadline, boundMs } = engine;
  if (obj.kind === 'ConstraintTemplate') {
    const template = await awaitObject(
      client,
      { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name },
      (t) => (t?.status as { created?: boolean } | undefined)?.created === true,
      deadline,
      `ConstraintTemplate ${obj.metadata.name} is not created (status.created)`,
      boundMs,
    );
    const kind = (template.spec as { crd?: { spec?: { names?: { kind?: string } } } }).crd?.spec?.names?.kind ?? '';
    const crd = `${kind.toLowerCase()}.constraints.gatekeeper.sh`;
    await awaitObject(client, crdTarget(crd), established, deadline, `the constraint CRD ${crd} established`, boundMs);
    const detail = `kind ${kind}, CRD ${crd} established`;
    return [{ check: `policy engine: template ${obj.metadata.name} ingested`, passed: true, detail }];
  }
  if (obj.apiVersion.startsWith('constraints.gatekeeper.sh/')) {
    const name = obj.metadata.name;
    const probe = compliantPod(engine.scope, 'hardenlab-engine-probe');
    const container = probe.spec.containers[0] as { securityContext: Record<string, unknown> };
    Object.assign(container.securityContext, { privileged: true, allowPrivilegeEscalation: true });
    const message = await untilAnswered(
      () =>
        client.create(probe, { dryRun: true }).then(
          () => undefined,
          (err: Error) => (err.message.includes(`[${name}]`) ? err.message : Promise.reject(err)),
        ),
      deadline,
      `constraint ${name} does not deny a privileged pod yet`,
      boundMs,
    );
    return [{ check: `policy engine: constraint ${name} denies a privileged pod`, passed: true, detail: message }];
  }
  return [];
}
