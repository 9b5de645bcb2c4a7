import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import {
  binaryPaths,
  nodeSshArgs,
  readVersions,
  testbedStatus,
  type TestbedInstance,
  type TestbedUpResult,
} from '../../src/testbed';
import { Client, Connection } from '@temporalio/client';
import { parse as parseYaml, stringify } from 'yaml';
import { loadKubeClient } from '../../src/kube/client';
import { kubeletDiagnostics } from '../../src/testbed/realNodeRegistration';
import { waitForNodeReady } from '../../src/kube/wait';
import { Ssh2Connector } from '../../src/ssh/connection';
import { ArtifactStore } from '../../src/store/artifactStore';
import type { ScenarioRecord } from '../../src/domain/contracts';
import type { NodeSeries } from '../../src/domain/samples';
import { createSamplingActivities, nodeArtifactDir } from '../../activities/sampling';
import { bootIdScript } from '../../src/sampling/samplingScripts';
import { startDevServer } from '../../src/temporal/devServer';
import { closureViolations, parseNamespaceEvidence } from '../../src/testbed/closure';
import { startWorker } from '../../worker/runWorker';
import { securityExperiment } from '../../workflows';
import {
  loadBalancerPool,
  namespaceClosureViolations,
  readNamespaceConfig,
  realNodesUnsupported,
  TESTBED_BRIDGE,
  testbedNamespace,
} from '../../src/testbed/realNodes';
import { testbedLayout } from '../../src/testbed/layout';
import { bounded } from '../support/faults';
import { sarMeanUser } from '../support/sar';
import { describeWhen } from '../support/skip';
import { realTestInstance } from '../support/realBed';
import { laneBedHome, laneRealBed } from '../support/realLane';
import { foreignEtcdWrite } from '../support/etcdAccess';
import { ensureUnprivilegedUser } from '../../src/testbed/nodeHosts';
import { temporalCliPath } from '../../src/temporal/binaries';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';
import { checkLoadPod } from '../support/loadPodCheck';

// Real nodes: three system containers (1 CPU, 2 GiB each) with containerd and a real kubelet, joined to a real
// control plane. This test bed is its own instance (other ports and addresses), beside the shared KWOK one.
jest.setTimeout(900_000);

const exec = promisify(execFile);
const kubectlBinary = binaryPaths(readVersions()).kubectl;
const instance: TestbedInstance = realTestInstance();
// The lane's bed's data folder (its files share the bed; the lane's teardown stops it and checks what is left).
const home = laneBedHome('realnodes');
const layout = testbedLayout(home, instance);
const log = (line: string) => process.stderr.write(`[real nodes] ${line}\n`);

let up: TestbedUpResult;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await exec(kubectlBinary, ['--kubeconfig', up.kubeconfigPath, ...args], { timeout: 120_000 });
  return stdout;
}

/** Runs a command on a node over SSH, verifying its host key against the test bed's known_hosts. */
async function onNode(address: string, command: string, timeout = 60_000): Promise<string> {
  const { stdout } = await exec('ssh', [...nodeSshArgs(up, address), command], { timeout });
  return stdout;
}

// Skipped with its reason where the machine cannot run them; under CI (any truthy CI) a failure instead.
const unsupported = realNodesUnsupported();
const describeReal = describeWhen({ met: !unsupported, missing: unsupported ?? '', providedBySetup: true });

describeReal('real nodes', () => {
  beforeAll(async () => {
    ({ up } = await laneRealBed('realnodes', instance, log));
  });

  test('three nodes run a real kubelet and are Ready', async () => {
    const nodes = JSON.parse(await kubectl('get', 'nodes', '-o', 'json')) as {
      items: {
        metadata: { name: string };
        status: {
          nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string };
          conditions: { type: string; status: string }[];
          allocatable: Record<string, string>;
        };
      }[];
    };
    expect(nodes.items.map((node) => node.metadata.name).sort()).toEqual(instance.nodes.map((node) => node.name));
    for (const node of nodes.items) {
      expect(node.status.nodeInfo.kubeletVersion).toBe(readVersions().kubernetes);
      expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
      expect(node.status.conditions.find((condition) => condition.type === 'Ready')?.status).toBe('True');
      expect(node.status.allocatable.cpu).toBe('1');
    }
    // What a registration timeout would report: the node's units and the kubelet's journal, read over SSH.
    const diagnosis = await kubeletDiagnostics(layout, instance.nodes[0]!);
    expect(diagnosis).toMatch(/kubelet\.service[^\n]*\n[^\n]*\n\s*Active: active \(running\)/);
    expect(diagnosis).toContain('containerd.service');
    const status = await testbedStatus({ env: process.env, home, instance });
    expect(status.nodes).toBe('real');
    expect(status.nodeHosts.every((node) => node.running)).toBe(true);
  });

  test('each node is a 1-CPU / 2 GiB machine of its own', async () => {
    const facts = await Promise.all(
      instance.nodes.map((node) =>
        onNode(node.address, "cat /etc/machine-id; free -m | awk '/^Mem:/ {print $2}'; grep -c ^processor /proc/cpuinfo; hostname"),
      ),
    );
    const parsed = facts.map((text) => text.trim().split('\n'));
    expect(new Set(parsed.map(([machineId]) => machineId)).size).toBe(3);
    for (const [, memoryMiB, cpus] of parsed) {
      expect(Number(memoryMiB)).toBe(2048);
      expect(Number(cpus)).toBe(1);
    }
    expect(parsed.map((lines) => lines[3])).toEqual(instance.nodes.map((node) => node.name));
  });

  test('the kubelets refuse anonymous callers, and the API server certificate holds for the kubernetes Service address', async () => {
    const node = instance.nodes[0]!;
    const pki = '/etc/kubernetes/pki';
    const anonymous = await onNode(node.address, "curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:10250/pods");
    // The node's own identity, with the cluster CA verifying the API server as https://10.0.0.1 (kube-proxy's Service rule).
    const verified = await onNode(
      node.address,
      `curl -s --cacert ${pki}/ca.crt --cert ${pki}/kubelet-client.crt --key ${pki}/kubelet-client.key -o /dev/null -w ` +
        `'%{http_code}' https://10.0.0.1/api/v1/nodes/${node.name}`,
    );
    expect({ anonymous, verified }).toEqual({ anonymous: '401', verified: '200' });
  });

  test("a node's root is boxed in: no module, raw I/O, clock or audit capability, and no host device opens", async () => {
    const [block] = fs.readdirSync('/sys/dev/block');
    expect(block).toMatch(/^\d+:\d+$/);
    const [major, minor] = block!.split(':');
    const script = [
      'grep ^CapBnd: /proc/1/status',
      `mknod /run/hl-mem c 1 1 && mknod /run/hl-blk b ${major} ${minor} && echo made`,
      'head -c 1 /run/hl-mem >/dev/null 2>&1 && echo mem-open || echo mem-denied',
      'head -c 1 /run/hl-blk >/dev/null 2>&1 && echo blk-open || echo blk-denied',
      'rm -f /run/hl-mem /run/hl-blk',
    ].join('; ');
    const lines = (await onNode(instance.nodes[0]!.address, script)).trim().split('\n');
    const bounding = BigInt(`0x${lines[0]!.split(/\s+/)[1]}`);
    const has = (bit: number) => (bounding >> BigInt(bit)) & 1n;
    // CAP_SYS_MODULE 16, CAP_SYS_RAWIO 17, CAP_SYS_TIME 25, CAP_AUDIT_CONTROL 30, CAP_BPF 39 go; CAP_NET_ADMIN 12 and
    // CAP_SYSLOG 34 (the kubelet reads /dev/kmsg) stay.
    expect([16, 17, 25, 30, 39, 12, 34].map(has)).toEqual([0n, 0n, 0n, 0n, 0n, 1n, 1n]);
    expect(lines.slice(1)).toEqual(['made', 'mem-denied', 'blk-denied']);
  });

  test("another local account cannot write into this test bed's etcd", async () => {
    await ensureUnprivilegedUser(log);
    const attempt = await foreignEtcdWrite(layout);
    // etcd's TLS listener drops plain HTTP unanswered (curl: 52), and drops a TLS client without a certificate (how
    // curl words that depends on when the close lands: 35, 55 or 56).
    expect(attempt.plain).toEqual({ code: 52, body: 'curl: (52) Empty reply from server\n' });
    expect([35, 55, 56]).toContain(attempt.tls.code);
    expect(attempt.tls.body).not.toContain('revision');
    expect(attempt.readable).toEqual([]);
    expect({ written: attempt.keyCount, control: attempt.defaultNamespaceCount }).toEqual({ written: 0, control: 1 });
  });

  test("a busy pod on node 2 shows in node 2's sar and not in the others'", async () => {
    const namespace = `busy-${process.pid}`;
    await kubectl('create', 'namespace', namespace);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'busy', namespace },
      spec: {
        nodeName: instance.nodes[1]?.name,
        restartPolicy: 'Never',
        // Ends by itself if this test dies before deleting it; a shell loop ignores SIGTERM, so no grace period.
        activeDeadlineSeconds: 120,
        terminationGracePeriodSeconds: 0,
        containers: [
          { name: 'busy', image: 'hardenlab.local/busybox:1', imagePullPolicy: 'Never', command: ['sh', '-c', 'while :; do :; done'] },
        ],
      },
    };
    const manifest = path.join(home, 'busy.json');
    fs.writeFileSync(manifest, JSON.stringify(pod));
    await kubectl('apply', '-f', manifest);
    await kubectl('wait', '-n', namespace, '--for=jsonpath={.status.phase}=Running', 'pod/busy', '--timeout=120s');
    const sar = await Promise.all(instance.nodes.map((node) => onNode(node.address, 'LC_ALL=C sar -u 2 8')));
    const users = sar.map(sarMeanUser);
    log(`mean %user while node 2 is busy: ${users.map((value) => value.toFixed(1)).join(' / ')}`);
    // On a contended host the busy node gets less than its full CPU (98 % alone, 60-79 % beside the other lanes,
    // 48 % with a busy loop on the host too); what proves per-node measurement is that the others stay near idle.
    expect(users[1]).toBeGreaterThan(25);
    expect(users[1]).toBeGreaterThan(5 * Math.max(users[0] ?? 0, users[2] ?? 0));
    expect(users[0]).toBeLessThan(20);
    expect(users[2]).toBeLessThan(20);
    const logs = await kubectl('logs', '-n', namespace, 'busy');
    expect(logs).toBe('');
    await kubectl('delete', 'namespace', namespace, '--wait=true', '--timeout=120s');
  });

  // Security-tools only: baseline and best-practices run on this bed in realNodesLoadRun, twice each (the suite's time).
  test('security-tools on the real nodes: 5 pulled pods, every node sampled, kube-bench Job on its node, boot times, reset', async () => {
    const server = await startDevServer({ temporalCli: temporalCliPath(process.env) });
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    // The environment (this test bed's kubeconfig and node map) is the worker's, never the workflow input's.
    const configPath = path.join(home, 'worker.yaml');
    // kube-hunter --pod probes subnets: the worker allows it here, in this test bed's closed namespace only.
    const subnetProbes = { allowed: true, closedNamespace: testbedNamespace(layout) };
    fs.writeFileSync(
      configPath,
      stringify({
        experiment: {
          cluster: { provider: 'kubeconfig', kubeconfigPath: up.kubeconfigPath },
          nodeMapPath: up.nodeMapPath,
          tools: { kubeHunter: { subnetProbes } },
        },
      }),
    );
    const env = { ...process.env, HARDENLAB_CONFIG: configPath, HARDENLAB_HOME: path.join(home, 'data') };
    const { worker, connection } = await startWorker({ address: server.address, namespace: 'default', taskQueue: 'it-real' }, env);
    const running = worker.run();
    try {
      const input = {
        scenarios: ['security-tools' as const],
        window: { durationSeconds: 30, intervalSeconds: 2, healthCheckSeconds: 15 },
        workload: { loadBalancerWaitSeconds: 5 },
        // kube-hunter as a pod inside the closed node network (remote mode would probe the standard ports of
        // 127.0.0.1, where the shared KWOK test bed may listen; this test bed's API server is on another port).
        tools: { kubeHunter: { modes: ['pod' as const, 'interface' as const] }, kubeBench: { mode: 'job' as const } },
      };
      // Bounded below the test's timeout, so a stuck run fails here and the finally still stops its worker.
      const handle = await client.workflow.start(securityExperiment, {
        taskQueue: 'it-real',
        workflowId: `it-real-${Date.now()}`,
        args: [input],
      });
      const result = await bounded(handle.result(), 8 * 60_000, 'the security-tools experiment').catch(async (error: unknown) => {
        await handle.terminate('the test gave up waiting').catch(() => undefined);
        throw error;
      });
      expect(result.scenarios.map((s) => [s.scenario, s.status, s.error ?? ''])).toEqual([['security-tools', 'completed', '']]);
      for (const s of result.scenarios) {
        const record = JSON.parse(
          fs.readFileSync(path.join(env.HARDENLAB_HOME, s.artifactKey, 'scenario-record.json'), 'utf8'),
        ) as ScenarioRecord;
        const nodes = record.collect?.nodes.map((n) => [n.node, n.cpuSamples]);
        log(`${s.scenario}: ${JSON.stringify({ deploy: record.deploy, boot: record.bootTime, nodes })}`);
        expect(record.deploy?.replicas).toBe(5);
        // The test bed's load balancer gave the Service a loopback address; the site answered through it.
        expect(record.deploy?.service).toMatchObject({ type: 'LoadBalancer', pending: false, httpStatus: 200 });
        expect(loadBalancerPool(layout)).toContain(record.deploy?.service.address);
        expect(record.collect?.nodes).toHaveLength(3);
        for (const node of record.collect?.nodes ?? []) expect(node.cpuSamples).toBeGreaterThanOrEqual(12);
        expect(record.reset?.leftovers).toEqual([]);
        // systemd-analyze inside each node: a container's boot is userspace only.
        expect(record.bootTime?.nodes.map((node) => node.node)).toEqual(instance.nodes.map((node) => node.name));
        for (const node of record.bootTime?.nodes ?? []) {
          expect(node.totalSeconds).toBeGreaterThan(0);
          expect(Object.keys(node.phases ?? {})).toEqual(['userspace']);
        }
      }
      // kube-bench ran as a Job pulled from the node network's registry; its report came from the pod log, and its
      // CPU shows on the node it ran on while it ran.
      const tools = result.scenarios.find((s) => s.scenario === 'security-tools')!;
      const toolsRecord = JSON.parse(
        fs.readFileSync(path.join(env.HARDENLAB_HOME, tools.artifactKey, 'scenario-record.json'), 'utf8'),
      ) as ScenarioRecord;
      const bench = toolsRecord.tools?.find((t) => t.tool === 'kube-bench');
      log(`kube-bench: ${JSON.stringify(bench)}`);
      expect(bench).toMatchObject({ mode: 'job', outcome: 'ok' });
      expect(instance.nodes.map((n) => n.name)).toContain(bench!.target);
      expect(Object.values(bench!.counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
      // Trivy on the worker host against the real nodes' cluster, offline: both of its reports, each with findings.
      const trivy = (toolsRecord.tools ?? []).filter((t) => t.tool === 'trivy');
      log(`trivy: ${JSON.stringify(trivy.map((t) => [t.mode, t.outcome, t.counts]))}`);
      expect(trivy.map((t) => [t.mode, t.outcome]).sort()).toEqual([
        ['compliance', 'ok'],
        ['misconfig', 'ok'],
      ]);
      // The baseline's root workload fails checks; the CIS report lists controls, some failing.
      const counted = Object.fromEntries(trivy.map((t) => [t.mode, t.counts]));
      expect(counted.misconfig!.failures).toBeGreaterThan(0);
      expect(counted.compliance!.fail).toBeGreaterThan(0);
      const peaks = instance.nodes.map((node) => {
        const series = JSON.parse(
          fs.readFileSync(path.join(env.HARDENLAB_HOME, tools.artifactKey, nodeArtifactDir(node.name), 'series.json'), 'utf8'),
        ) as NodeSeries;
        // A sample covers the interval that ends at its time: those ending inside the run or just after it.
        const during = series.cpu.filter(
          (sample) => sample.time >= bench!.start && sample.time <= bench!.end + 2 * input.window.intervalSeconds * 1000,
        );
        return { node: node.name, samples: during.length, peak: Math.max(...during.map((sample) => sample.used)) };
      });
      log(`CPU used during kube-bench (peak %): ${JSON.stringify(peaks)}`);
      const onBench = peaks.find((p) => p.node === bench!.target)!;
      const others = peaks.filter((p) => p.node !== bench!.target);
      expect(onBench.samples).toBeGreaterThan(0);
      expect(onBench.peak).toBeGreaterThan(3 * Math.max(...others.map((p) => p.peak)));
      // kube-hunter as a pod, and on the first node's interfaces over SSH: both only after the closure check.
      const nodeNames = instance.nodes.map((n) => n.name);
      for (const [mode, targets] of [
        ['pod', nodeNames],
        ['interface', [instance.nodes[0]!.name]],
      ] as const) {
        const hunter = toolsRecord.tools?.find((t) => t.tool === 'kube-hunter' && t.mode === mode);
        log(`kube-hunter ${mode}: ${JSON.stringify(hunter)}`);
        expect(hunter).toMatchObject({ outcome: 'ok' });
        expect(targets).toContain(hunter!.target);
        expect(hunter!.warnings).toContain(
          `kube-hunter ${mode} mode ran after network namespace ${testbedNamespace(layout)} was proven closed (no default route, ` +
            `no NAT, no forwarding, no link to the host)`,
        );
      }
      // The report's CPU chart shades the run's window, named with the node it ran on.
      expect(fs.readFileSync(result.htmlPath ?? '', 'utf8')).toContain(`kube-bench (job on ${bench!.target})`);
      // The report's trust box: separate machines (own machine-id, lxcfs /proc), not one host seen three times.
      const summary = JSON.parse(fs.readFileSync(path.join(path.dirname(result.htmlPath ?? ''), 'summary.json'), 'utf8')) as {
        firstScreen: { trust: { id: string; level: string; title: string }[] };
      };
      const sharedHost = summary.firstScreen.trust.find((item) => item.id === 'shared-host');
      expect(sharedHost).toMatchObject({
        level: 'info',
        title: 'nodes are system containers on one kernel; CPU and memory are isolated by cgroups and lxcfs',
      });
    } finally {
      worker.shutdown();
      await bounded(running, 60_000, 'the worker to stop').catch((error: unknown) => log((error as Error).message));
      await connection.close();
      await client.connection.close();
      await server.stop();
    }
  });

  test("the reboot step restarts a node's container: a new boot, SSH back, then its kubelet Ready again", async () => {
    const node = instance.nodes[2]!;
    const nodeMap = parseYaml(fs.readFileSync(up.nodeMapPath, 'utf8')) as { nodes: { name: string; systemContainer?: boolean }[] };
    const entry = nodeMap.nodes.find((n) => n.name === node.name)!;
    // testbed up marks its nodes as system containers: the boot-time step refuses to reboot any other loopback host.
    expect(entry.systemContainer).toBe(true);
    const oneNode = path.join(home, 'reboot-nodes.yaml');
    fs.writeFileSync(oneNode, stringify({ nodes: [entry] }));
    const bootIdBefore = (await onNode(node.address, bootIdScript())).trim();
    const sampling = createSamplingActivities({
      loadNodeMap,
      ssh: new Ssh2Connector({ readyTimeoutMs: 10_000 }),
      store: new ArtifactStore(path.join(home, 'reboot-store')),
      pollIntervalMs: 1000,
      waitNodeReady: async (cluster, name, since) => waitForNodeReady(await loadKubeClient(cluster), name, since),
    });
    const cluster = { provider: 'kubeconfig' as const, kubeconfigPath: up.kubeconfigPath };
    const result = await sampling.measureBootTime({ runId: `reboot-${process.pid}`, nodeMapPath: oneNode, reboot: true, cluster });
    log(`reboot of ${node.name}: ${JSON.stringify(result.nodes)}`);
    const [rebooted] = result.nodes;
    expect(rebooted).toMatchObject({ node: node.name, phases: { userspace: expect.any(Number) } });
    expect(rebooted!.sshReturnSeconds).toBeGreaterThan(0);
    expect(rebooted!.timeToReadySeconds).toBeGreaterThanOrEqual(rebooted!.sshReturnSeconds!);
    // The same kernel, a new PID 1: the boot-time step's boot id changed.
    expect((await onNode(node.address, bootIdScript())).trim()).not.toBe(bootIdBefore);
    await kubectl('wait', '--for=condition=Ready', `node/${node.name}`, '--timeout=60s');
  });

  test('the node network is closed: no default route, no NAT, no forwarding, no link to the host', async () => {
    const evidence = parseNamespaceEvidence(await readNamespaceConfig({ layout, cache: '', log, env: process.env }), TESTBED_BRIDGE);
    expect(closureViolations(evidence)).toEqual([]);
    // The nodes are on the bridge: three veths, one per node.
    expect(evidence.links.filter((link) => link.linkinfo?.info_kind === 'veth')).toHaveLength(3);
    // The check kube-hunter's subnet-probing modes run first (tools.kubeHunter.subnetProbes.closedNamespace).
    expect(await namespaceClosureViolations(testbedNamespace(layout), process.env)).toEqual([]);
  });

  test('HTTP load from a load pod (vegeta) to a ClusterIP app under Pod Security restricted: rate, quantiles, its CPU, reset', async () => {
    // The load pod sends only inside the node network: proven closed first, as kube-hunter's subnet probes are.
    expect(await namespaceClosureViolations(testbedNamespace(layout), process.env)).toEqual([]);
    await checkLoadPod({ home, kubeconfigPath: up.kubeconfigPath, kubectl, log });
  });
});

describeReal('the closure check', () => {
  const probe = `hardenlab-probe-${process.pid}`;
  afterAll(async () => {
    await exec('ip', ['netns', 'del', probe]).catch(() => undefined);
  });

  test('flags a namespace with a way out (a default route over a link off the bridge), read from configuration only', async () => {
    // A namespace of our own with a link that is not on the bridge and a default route through it: nothing is
    // sent anywhere (both ends of the veth are inside the probe namespace).
    await exec('ip', ['netns', 'add', probe]);
    await exec('ip', ['-n', probe, 'link', 'add', 'out0', 'type', 'veth', 'peer', 'name', 'out1']);
    await exec('ip', ['-n', probe, 'addr', 'add', '192.0.2.1/24', 'dev', 'out0']);
    await exec('ip', ['-n', probe, 'link', 'set', 'out0', 'up']);
    await exec('ip', ['-n', probe, 'route', 'add', 'default', 'via', '192.0.2.254']);
    const evidence = parseNamespaceEvidence(await readNamespaceConfig({ layout, cache: '', log, env: process.env }, probe), TESTBED_BRIDGE);
    const violations = closureViolations(evidence);
    expect(violations).toContain('default route via 192.0.2.254');
    expect(violations).toContain("interface out0 (veth) is not the bridge or a node's veth on it");
    // The check kube-hunter's subnet-probing modes run first (tools.kubeHunter.subnetProbes.closedNamespace) sees the same.
    expect(await namespaceClosureViolations(probe, process.env)).toEqual(violations);
  });
});
