/**
 * Node access through the Kubernetes API, end to end (issue 24): a worker whose config says `nodeAccess:
 * kubernetes` and names no node map runs the three scenarios on real nodes (sampling, boot times, kube-bench's
 * node mode through the access pods) and its resets leave nothing; a cluster whose admission refuses the access
 * pod fails the run with the node and the reason, and the reset still runs.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { testbedAccessImage } from '../../src/config/nodeAccess';
import type { ScenarioRecord } from '../../src/domain/contracts';
import { loadKubeClient } from '../../src/kube/client';
import type { KubeObject } from '../../src/kube/kubeObjects';
import { temporalCliPath } from '../../src/temporal/binaries';
import { startDevServer } from '../../src/temporal/devServer';
import { binaryPaths, readVersions, type TestbedUpResult } from '../../src/testbed';
import { realNodesUnsupported } from '../../src/testbed/realNodes';
import { startWorker } from '../../worker/runWorker';
import { securityExperiment } from '../../workflows';
import { ACCESS_INSTANCE as instance } from '../support/accessBed';
import { bounded } from '../support/faults';
import { laneRealBed } from '../support/realLane';
import { tempDirSync } from '../support/tempDir';

jest.setTimeout(1_200_000);

const home = tempDirSync('hardenlab-accessrun-');
const log = (line: string) => process.stderr.write(`[node access run] ${line}\n`);
const unsupported = realNodesUnsupported();
if (unsupported && process.env.CI === 'true') throw new Error(`real nodes must run in CI: ${unsupported}`);
const describeReal = unsupported ? describe.skip : describe;

/** Admission that refuses hostPID pods, as a cluster's policy might: the access pod cannot run anywhere. */
function refuseHostPid(): KubeObject[] {
  const name = 'no-host-pid';
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] },
        validations: [
          { expression: '!has(object.spec.hostPID) || !object.spec.hostPID', message: 'hostPID pods are not allowed in this cluster' },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name },
      spec: { policyName: name, validationActions: ['Deny'] },
    },
  ] as KubeObject[];
}

describeReal(`a run with nodeAccess: kubernetes and no node map${unsupported ? ` (skipped: ${unsupported})` : ''}`, () => {
  let up: TestbedUpResult;
  let server: Awaited<ReturnType<typeof startDevServer>>;
  let client: Client;
  let stopWorker: () => Promise<void>;
  const data = path.join(home, 'data');

  beforeAll(async () => {
    ({ up } = await laneRealBed('nodeaccess', instance, log));
    server = await startDevServer({ temporalCli: temporalCliPath(process.env) });
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
    // Only a kubeconfig, as on a managed cluster: no node map, no SSH. The image is the one the test bed serves.
    const experiment = {
      cluster: { provider: 'kubeconfig', kubeconfigPath: up.kubeconfigPath },
      nodeAccess: 'kubernetes',
      nodeAccessImage: testbedAccessImage(path.dirname(up.kubeconfigPath)),
    };
    fs.writeFileSync(path.join(home, 'worker.yaml'), stringify({ experiment }));
    const env = { ...process.env, HARDENLAB_CONFIG: path.join(home, 'worker.yaml'), HARDENLAB_HOME: data };
    const { worker, connection } = await startWorker({ address: server.address, namespace: 'default', taskQueue: 'it-access' }, env);
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await bounded(running, 60_000, 'the worker to stop').catch((error: unknown) => log((error as Error).message));
      await connection.close();
    };
  });

  afterAll(async () => {
    await stopWorker?.();
    await client?.connection.close();
    await server?.stop();
  });

  const run = async (input: Record<string, unknown>, id: string) => {
    const handle = await client.workflow.start(securityExperiment, {
      taskQueue: 'it-access',
      workflowId: `${id}-${Date.now()}`,
      args: [input],
    });
    return bounded(handle.result(), 15 * 60_000, id).catch(async (error: unknown) => {
      await handle.terminate('the test gave up waiting').catch(() => undefined);
      throw error;
    });
  };

  const kubectl = (...args: string[]) =>
    promisify(execFile)(binaryPaths(readVersions()).kubectl, ['--kubeconfig', up.kubeconfigPath, ...args], { timeout: 60_000 });

  const accessNamespaces = async () => {
    const kube = await loadKubeClient({ kubeconfigPath: up.kubeconfigPath });
    return (await kube.list<KubeObject>('v1', 'Namespace')).items
      .map((ns) => ns.metadata.name)
      .filter((name) => name.startsWith('hl-access-'));
  };

  test('the three scenarios complete: every node sampled, boot times, kube-bench on a node, and resets leave no access pod', async () => {
    const input = {
      window: { durationSeconds: 20, intervalSeconds: 2, healthCheckSeconds: 10 },
      workload: { loadBalancerWaitSeconds: 5 },
      tools: { kubeBench: { mode: 'node' as const }, kubeHunter: { enabled: false } },
    };
    const result = await run(input, 'it-access-run');
    // The scenarios run in a random order (the design's); each completed.
    expect(result.scenarios.map((s) => [s.scenario, s.status, s.error ?? '']).sort()).toEqual([
      ['baseline', 'completed', ''],
      ['best-practices', 'completed', ''],
      ['security-tools', 'completed', ''],
    ]);
    for (const s of result.scenarios) {
      const record = JSON.parse(fs.readFileSync(path.join(data, s.artifactKey, 'scenario-record.json'), 'utf8')) as ScenarioRecord;
      const nodes = record.collect?.nodes.map((n) => [n.node, n.cpuSamples]);
      const checks = record.sampling?.healthChecks;
      log(`${s.scenario}: ${JSON.stringify({ boot: record.bootTime, nodes, gaps: record.sampling?.gaps, checks })}`);
      expect(record.collect?.nodes.map((n) => n.node)).toEqual(instance.nodes.map((n) => n.name));
      for (const node of record.collect?.nodes ?? []) expect(node.cpuSamples).toBeGreaterThanOrEqual(8);
      // The access pods' own CPU (every command run through them) is read from their cgroups, for the overhead line.
      expect(record.collect?.samplerOverhead?.map((o) => [o.node, o.accessPodCostUnavailable ?? 'read'])).toEqual(
        instance.nodes.map((n) => [n.name, 'read']),
      );
      for (const o of record.collect?.samplerOverhead ?? []) expect(o.accessPodCpuSeconds).toBeGreaterThan(0);
      expect(record.sampling?.gaps).toEqual([]);
      expect(record.bootTime?.nodes.map((n) => n.node)).toEqual(instance.nodes.map((n) => n.name));
      for (const node of record.bootTime?.nodes ?? []) expect(node.totalSeconds).toBeGreaterThan(0);
      expect(record.reset?.leftovers).toEqual([]);
    }
    const toolsRun = result.scenarios.find((s) => s.scenario === 'security-tools')!;
    const tools = JSON.parse(fs.readFileSync(path.join(data, toolsRun.artifactKey, 'scenario-record.json'), 'utf8')) as ScenarioRecord;
    const bench = tools.tools?.find((t) => t.tool === 'kube-bench');
    log(`kube-bench: ${JSON.stringify(bench)}`);
    expect(bench).toMatchObject({ mode: 'node', outcome: 'ok', target: instance.nodes[0]!.name });
    expect(Object.values(bench!.counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    expect(await accessNamespaces()).toEqual([]);
  });

  /** A baseline run the cluster refuses the access pods for: its error, after asserting the reset left nothing. */
  const refusedBaseline = async (id: string): Promise<string> => {
    // No operator to retry the step: the gate aborts after a second, and the cleanup runs.
    const input = {
      scenarios: ['baseline'],
      window: { durationSeconds: 20, intervalSeconds: 2 },
      workload: { loadBalancerWaitSeconds: 5 },
      operatorTimeoutSeconds: 1,
    };
    const baseline = (await run(input, id)).scenarios[0]!;
    log(`${id}: ${JSON.stringify(baseline)}`);
    expect(baseline.status).toBe('aborted');
    const record = JSON.parse(fs.readFileSync(path.join(data, baseline.artifactKey, 'scenario-record.json'), 'utf8')) as ScenarioRecord;
    expect(record.reset?.leftovers).toEqual([]);
    expect(await accessNamespaces()).toEqual([]);
    const kube = await loadKubeClient({ kubeconfigPath: up.kubeconfigPath });
    const pods = await kube.list<KubeObject>('v1', 'Pod', { labelSelector: 'app.kubernetes.io/component=node-access' });
    expect(pods.items.map((p) => p.metadata.name)).toEqual([]);
    return baseline.error ?? '';
  };

  test('admission that refuses the access pod: the run fails naming the node and the reason, and its reset leaves nothing', async () => {
    const kube = await loadKubeClient({ kubeconfigPath: up.kubeconfigPath });
    const policy = refuseHostPid();
    for (const object of policy) await kube.apply(object);
    try {
      // A policy takes effect once the API server has loaded it.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect(await refusedBaseline('it-access-refused')).toMatch(
        new RegExp(`node access-node-\\d: the cluster refused the access pod: .*hostPID pods are not allowed in this cluster`),
      );
    } finally {
      for (const object of policy.reverse()) await kube.delete(object.apiVersion, object.kind, object.metadata.name);
    }
  });

  test('a node with a taint the access pod does not tolerate: the run fails naming the node and the taint, and resets', async () => {
    const node = instance.nodes[2]!.name;
    // NoSchedule: a nodeName pod skips the scheduler, so only the connector's own check keeps the pod away.
    await kubectl('taint', 'node', node, 'hardenlab.io/dedicated=tests:NoSchedule');
    try {
      const error = await refusedBaseline('it-access-tainted');
      expect(error).toContain(
        `node ${node} has the taint hardenlab.io/dedicated=tests:NoSchedule, which the access pod does not tolerate: ` +
          "add the key to nodeAccessTolerations in the worker config's experiment: section",
      );
      // The clean-up steps skip the node nothing was started on, rather than failing on it again.
      expect(error).not.toContain('cleanup also failed');
    } finally {
      await kubectl('taint', 'node', node, 'hardenlab.io/dedicated-');
    }
  });
});
