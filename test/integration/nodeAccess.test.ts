/**
 * Node access through the Kubernetes API (issue 24, first step) on the real-node test bed: the access pods
 * run commands in each node's own namespaces, move files byte-identically, are removed by the run's reset,
 * and the sampler gives the same per-node figures through them as over SSH in the same window.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { createSamplingActivities } from '../../activities/sampling';
import { testbedAccessImage } from '../../src/config/nodeAccess';
import type { NodeSeries } from '../../src/domain/samples';
import { loadKubeClient } from '../../src/kube/client';
import { waitForNodeReady } from '../../src/kube/wait';
import { bootIdScript } from '../../src/sampling/samplingScripts';
import { resetRun } from '../../src/kube/reset';
import type { KubeObject } from '../../src/kube/kubeObjects';
import { accessNamespaceName, accessPodName, createKubeNodeConnector } from '../../src/nodeaccess';
import { Ssh2Connector } from '../../src/ssh/connection';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';
import { ArtifactStore } from '../../src/store/artifactStore';
import type { TestbedUpResult } from '../../src/testbed';
import { realNodesUnsupported } from '../../src/testbed/realNodes';
import { sleep } from '../../src/process/subprocess';
import { ACCESS_INSTANCE } from '../support/accessBed';
import { FaultsBed } from '../support/faultsBed';
import { laneRealBed, resetRunsAtFileEnd } from '../support/realLane';
import { tempDirSync } from '../support/tempDir';

jest.setTimeout(900_000);

const instance = ACCESS_INSTANCE;
const home = tempDirSync('hardenlab-nodeaccess-');
const log = (line: string) => process.stderr.write(`[node access] ${line}\n`);
const runId = `it-access-${process.pid}`;

let up: TestbedUpResult;
// The lane's bed's data folder (the fault test stops its components there); `home` is this file's scratch.
let bedHome = '';

/** The first line of a /proc/stat: `cpu` and its jiffies. */
function cpuTotal(procStat: string): number {
  const first = procStat.split('\n')[0]!;
  expect(first).toMatch(/^cpu\s/);
  return first
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number)
    .reduce((a, b) => a + b, 0);
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

const unsupported = realNodesUnsupported();
if (unsupported && process.env.CI === 'true') throw new Error(`real nodes must run in CI: ${unsupported}`);
const describeReal = unsupported ? describe.skip : describe;

describeReal(`node access through the Kubernetes API${unsupported ? ` (skipped: ${unsupported})` : ''}`, () => {
  // The project's access image as the bed's registry serves it, by digest: the nodes pull it from there.
  const connector = () => createKubeNodeConnector({ kubeconfigPath: up.kubeconfigPath }, { image: accessImage });
  let accessImage = '';

  beforeAll(async () => {
    ({ up, home: bedHome } = await laneRealBed('nodeaccess', instance, log));
    accessImage = testbedAccessImage(path.dirname(up.kubeconfigPath)) ?? '';
    expect(accessImage).toMatch(/^docker\.io\/hardenlab\/node-access@sha256:[0-9a-f]{64}$/);
  });

  resetRunsAtFileEnd('nodeaccess', instance, [runId, ...['ssh', 'api', 'faults', 'kit', 'reboot'].map((s) => `${runId}-${s}`)], log);

  test("commands through the access pod see the node's own view, as SSH does, not the host's", async () => {
    const nodes = (await loadNodeMap(up.nodeMapPath)).nodes;
    const ssh = new Ssh2Connector();
    const access = connector();
    const hostTotal = cpuTotal(fs.readFileSync('/proc/stat', 'utf8'));
    const started = Date.now();
    for (const node of nodes) {
      const viaApi = await access.connect(node, { runId });
      const viaSsh = await ssh.connect(node);
      try {
        // The shell too: the node's own, whose `date` and `sha256sum` are the node's (not an image's busybox applets).
        const command = 'hostname; cat /etc/machine-id; id -u; pwd; readlink -f /proc/$$/exe; date +%3N | wc -c; head -1 /proc/stat';
        const [apiHost, apiMachine, apiUid, apiHome, apiShell, apiDate, apiStat] = (await viaApi.run(command)).trim().split('\n');
        const [sshHost, sshMachine] = (await viaSsh.run(command)).trim().split('\n');
        const sshShell = (await viaSsh.run('readlink -f /bin/sh')).trim();
        expect({ host: apiHost, machine: apiMachine, uid: apiUid, home: apiHome, shell: apiShell, dateDigits: apiDate }).toEqual({
          host: node.name,
          machine: sshMachine,
          uid: '0',
          home: '/root',
          shell: sshShell,
          dateDigits: '4',
        });
        expect(sshHost).toBe(node.name);
        // The node's lxcfs /proc/stat counts only its own cgroup: far fewer jiffies than the host's global one.
        expect(cpuTotal(apiStat!)).toBeLessThan(hostTotal / 2);
        expect(viaApi.target).toContain(`node ${node.name}`);
      } finally {
        await viaApi.close();
        await viaSsh.close();
      }
    }
    log(`three nodes: access pods up and a command on each in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  test('upload and download through the exec stream are byte-identical, and SSH sees the same file', async () => {
    const node = (await loadNodeMap(up.nodeMapPath)).nodes[1]!;
    const session = await connector().connect(node, { runId });
    const local = path.join(home, 'blob.bin');
    const back = path.join(home, 'blob.back');
    const bytes = randomBytes(20 * 1024 * 1024);
    fs.writeFileSync(local, bytes);
    const remote = `.hardenlab/${runId}/blob.bin`;
    let started = Date.now();
    await expect(session.upload(local, remote)).resolves.toEqual({ bytes: bytes.length });
    const upSeconds = (Date.now() - started) / 1000;
    started = Date.now();
    await expect(session.download(remote, back)).resolves.toEqual({ bytes: bytes.length, resumedFrom: 0 });
    const downSeconds = (Date.now() - started) / 1000;
    log(`20 MiB through exec: upload ${upSeconds.toFixed(2)} s, download ${downSeconds.toFixed(2)} s`);
    expect(fs.readFileSync(back).equals(bytes)).toBe(true);
    const ssh = await new Ssh2Connector().connect(node);
    try {
      expect((await ssh.run(`sha256sum ${remote}`)).split(' ')[0]).toBe(createHash('sha256').update(bytes).digest('hex'));
      await ssh.run(`rm -rf .hardenlab/${runId}`);
    } finally {
      await ssh.close();
    }
  });

  test('the same nodes sampled both ways in the same window agree per node, and a busy pod shows on its node in both', async () => {
    const kube = await loadKubeClient({ kubeconfigPath: up.kubeconfigPath });
    const busyNs = `busy-${process.pid}`;
    const busyNode = instance.nodes[1]!.name;
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: busyNs } });
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'busy', namespace: busyNs },
      spec: {
        nodeName: busyNode,
        restartPolicy: 'Never',
        activeDeadlineSeconds: 150,
        terminationGracePeriodSeconds: 0,
        containers: [
          { name: 'busy', image: 'hardenlab.local/busybox:1', imagePullPolicy: 'Never', command: ['sh', '-c', 'while :; do :; done'] },
        ],
      },
    } as KubeObject);
    const store = new ArtifactStore(path.join(home, 'store'));
    const bySsh = createSamplingActivities({ loadNodeMap, ssh: new Ssh2Connector(), store });
    const byApi = createSamplingActivities({ loadNodeMap, ssh: connector(), store });
    const window = { intervalSeconds: 2, durationSeconds: 60 };
    const runs = { ssh: `${runId}-ssh`, api: `${runId}-api` };
    try {
      // The access pods start first: their start-up (runc, the shim) is node CPU that the SSH sampler would see
      // and the other, started once its pods run, would not. The busy loop runs through the whole window, so the
      // means compare a steady load, not its edges.
      const nodes = (await loadNodeMap(up.nodeMapPath)).nodes;
      await Promise.all(nodes.map(async (node) => (await connector().connect(node, { runId: runs.api })).close()));
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      await Promise.all([
        bySsh.startSampling({ runId: runs.ssh, nodeMapPath: up.nodeMapPath, ...window }),
        byApi.startSampling({ runId: runs.api, nodeMapPath: up.nodeMapPath, ...window }),
      ]);
      await new Promise((resolve) => setTimeout(resolve, (window.durationSeconds + 4) * 1000));
      const collected = await Promise.all(
        (['ssh', 'api'] as const).map(async (way) => {
          const activities = way === 'ssh' ? bySsh : byApi;
          const req = { runId: runs[way], nodeMapPath: up.nodeMapPath };
          await activities.stopSampling(req);
          await activities.collectSamples({ ...req, artifactKey: `experiments/${way}` });
          await activities.cleanupNodes(req);
          return instance.nodes.map(
            (node) =>
              JSON.parse(fs.readFileSync(store.resolve(`experiments/${way}`, `nodes/${node.name}`, 'series.json'), 'utf8')) as NodeSeries,
          );
        }),
      );
      const [sshSeries, apiSeries] = collected as [NodeSeries[], NodeSeries[]];
      // Over the span both samplers covered. Each sample is the mean of the interval before its time; the two samplers
      // started apart, so at each end of the span one covers up to an interval the other does not. A node whose CPU
      // moves (the busy one, on a loaded machine) may differ by those seconds' share of its range, and no more.
      const figures = instance.nodes.map((node, i) => {
        const both = [sshSeries[i]!, apiSeries[i]!];
        const from = Math.max(...both.map((series) => series.cpu[0]!.time));
        const to = Math.min(...both.map((series) => series.cpu[series.cpu.length - 1]!.time));
        const span = <T extends { time: number }>(samples: T[]) => samples.filter((sample) => sample.time >= from && sample.time <= to);
        const cpu = both.map((series) => span(series.cpu));
        const apart = (at: (samples: { time: number }[]) => number) => Math.abs(at(cpu[0]!) - at(cpu[1]!));
        // Seconds: sar stamps whole seconds, so each end may be up to one more apart than the stamps say.
        const unshared = (apart((s) => s[0]!.time) + apart((s) => s[s.length - 1]!.time)) / 1000 + 2;
        const used = cpu.flat().map((sample) => sample.used);
        const seconds = (to - from) / 1000 + window.intervalSeconds;
        return {
          node: node.name,
          cpu: cpu.map((samples) => mean(samples.map((sample) => sample.used))),
          cpuBound: 0.5 + (unshared / seconds) * (Math.max(...used) - Math.min(...used)),
          mem: both.map((series) => mean(span(series.memory).map((sample) => sample.memUsedPercent))),
          samples: cpu.map((samples) => samples.length),
        };
      });
      log(`per node, SSH / Kubernetes access: ${JSON.stringify(figures)}`);
      for (const f of figures) {
        expect(f.samples[0]).toBeGreaterThanOrEqual(25);
        expect(f.samples[1]).toBeGreaterThanOrEqual(25);
        expect(Math.abs(f.cpu[0]! - f.cpu[1]!)).toBeLessThan(f.cpuBound);
        expect(Math.abs(f.mem[0]! - f.mem[1]!)).toBeLessThan(0.5);
      }
      // The idle nodes' bound stays near 0.5 points: a sampler that read the wrong node or counted twice fails it.
      expect(Math.max(figures[0]!.cpuBound, figures[2]!.cpuBound)).toBeLessThan(1.5);
      // The busy pod's node stands out through both transports; the others stay near idle.
      for (const way of [0, 1]) {
        expect(figures[1]!.cpu[way]).toBeGreaterThan(25);
        expect(figures[1]!.cpu[way]).toBeGreaterThan(5 * Math.max(figures[0]!.cpu[way]!, figures[2]!.cpu[way]!));
      }
    } finally {
      await kube.delete('v1', 'Namespace', busyNs);
    }
  });

  test('an access pod deleted, then the API server stopped for 30 s, mid-window: no sample lost, no gap, no restart', async () => {
    const kube = await loadKubeClient({ kubeconfigPath: up.kubeconfigPath });
    const bed = new FaultsBed(bedHome, instance);
    const store = new ArtifactStore(path.join(home, 'store-faults'));
    const byApi = createSamplingActivities({ loadNodeMap, ssh: connector(), store });
    const req = { runId: `${runId}-faults`, nodeMapPath: up.nodeMapPath };
    const window = { intervalSeconds: 2, durationSeconds: 80 };
    const steady = instance.nodes.map((n) => ({ node: n.name, alive: true, restarted: false }));
    await byApi.startSampling({ ...req, ...window });
    // The samplers run from here (their start on a loaded machine took what it took): the window is counted from now.
    const started = Date.now();
    const namespace = accessNamespaceName(req.runId);
    const victim = accessPodName(instance.nodes[0]!.name);
    const before = await kube.get<KubeObject>('v1', 'Pod', victim, namespace);
    await kube.delete('v1', 'Pod', victim, namespace);
    while (((await kube.get<KubeObject>('v1', 'Pod', victim, namespace))?.metadata.uid ?? '') === before!.metadata.uid) await sleep(500);
    // The next check makes the pod anew and finds the sampler still running: it lived outside the pod's cgroup.
    expect((await byApi.checkSampling(req)).nodes).toEqual(steady);
    expect((await kube.get<KubeObject>('v1', 'Pod', victim, namespace))?.metadata.uid).not.toBe(before!.metadata.uid);
    const snapshot = bed.snapshotControlPlane();
    await bed.withLock(async () => {
      const stopped = Date.now();
      await bed.stopComponent('kube-apiserver');
      // A check without the API reports each node unchecked (the workflow's business), and does not hang.
      const during = await byApi.checkSampling(req);
      expect(during.nodes.map((n) => [n.node, n.alive, typeof n.error])).toEqual(instance.nodes.map((n) => [n.name, false, 'string']));
      await sleep(Math.max(0, 30_000 - (Date.now() - stopped)));
      await bed.restoreControlPlane(snapshot);
      log(`API server down ${((Date.now() - stopped) / 1000).toFixed(1)} s`);
    });
    const after = await byApi.checkSampling(req);
    expect({ nodes: after.nodes, gaps: after.gaps }).toEqual({ nodes: steady, gaps: [] });
    await sleep(Math.max(0, started + (window.durationSeconds + 4) * 1000 - Date.now()));
    await byApi.stopSampling(req);
    await byApi.collectSamples({ ...req, artifactKey: 'experiments/faults' });
    await byApi.cleanupNodes(req);
    for (const node of instance.nodes) {
      const series = JSON.parse(
        fs.readFileSync(store.resolve('experiments/faults', `nodes/${node.name}`, 'series.json'), 'utf8'),
      ) as NodeSeries;
      const times = series.cpu.map((sample) => sample.time);
      const steps = times.slice(1).map((t, i) => t - times[i]!);
      log(`${node.name}: ${times.length} samples, largest step ${Math.max(...steps)} (interval ${window.intervalSeconds} s)`);
      // Every interval of the window has its sample: a lost one leaves a step of two intervals or more. A sample
      // taken late is not lost: at load 7 one node once showed a 3-s step at a 2-s interval, all 40 samples there.
      expect(times.length).toBeGreaterThanOrEqual(window.durationSeconds / window.intervalSeconds - 2);
      expect(Math.max(...steps)).toBeLessThan(2 * window.intervalSeconds * 1000);
    }
    const reset = await resetRun(kube, { runId: req.runId }, { now: Date.now, timeoutMs: 120_000, pollIntervalMs: 1_000, log });
    expect(reset.leftovers).toEqual([]);
  });

  test("a node without sysstat, whose package manager cannot install it, samples with the access image's own", async () => {
    const entry = (await loadNodeMap(up.nodeMapPath)).nodes[0]!;
    const ssh = await new Ssh2Connector().connect(entry);
    // As on a read-only OS: sadc and sadf gone (bind mounts over them), and apt-get cannot bring them back.
    const hide =
      'mkdir -p /run/hl-none && touch /run/hl-none/file && mount --bind /run/hl-none /usr/lib/sysstat && ' +
      'mount --bind /run/hl-none/file /usr/bin/sadf';
    const show = 'umount /usr/lib/sysstat; umount /usr/bin/sadf; rm -rf /run/hl-none /var/lib/hardenlab/sysstat';
    await ssh.run(hide);
    try {
      const oneNode = path.join(home, 'kit-nodes.yaml');
      fs.writeFileSync(oneNode, stringify({ nodes: [{ name: entry.name, host: entry.host, port: entry.port }] }));
      const store = new ArtifactStore(path.join(home, 'store-kit'));
      const byApi = createSamplingActivities({ loadNodeMap, ssh: connector(), store });
      const req = { runId: `${runId}-kit`, nodeMapPath: oneNode };
      const started = await byApi.startSampling({ ...req, intervalSeconds: 2, durationSeconds: 20 });
      expect(started.nodes).toEqual([expect.objectContaining({ node: entry.name, sysstatFrom: 'uploaded', sysstatVersion: '12.6.1' })]);
      // Root's private folder, and the sampler runs the kit's sadc (under its own name, so its peak memory is read).
      const viaApi = await connector().connect(entry, { runId: req.runId });
      const look = 'stat -c %U:%a /var/lib/hardenlab/sysstat; cat /proc/$(cat .hardenlab/runs/*-kit/*/sampler.pid)/comm';
      expect((await viaApi.run(look)).trim().split('\n')).toEqual(['root:700', 'sadc']);
      await sleep(22_000);
      await byApi.stopSampling(req);
      const collected = await byApi.collectSamples({ ...req, artifactKey: 'experiments/kit' });
      expect(collected.samplerOverhead).toEqual([expect.objectContaining({ node: entry.name, sysstatUploaded: true })]);
      expect(collected.samplerOverhead[0]!.maxRssKiB).toBeGreaterThan(0);
      expect(collected.nodes[0]!.cpuSamples).toBeGreaterThanOrEqual(8);
      await byApi.cleanupNodes(req);
      const kube = await loadKubeClient({ kubeconfigPath: up.kubeconfigPath });
      const reset = await resetRun(kube, { runId: req.runId }, { now: Date.now, timeoutMs: 120_000, pollIntervalMs: 1_000, log });
      expect(reset.leftovers).toEqual([]);
    } finally {
      await ssh.run(show).catch((error: unknown) => log(`restoring sysstat: ${(error as Error).message}`));
      await ssh.close();
    }
  });

  test('the reboot step through the access pod: a new boot id, the node Ready again, and a command through the pod there', async () => {
    const kube = await loadKubeClient({ kubeconfigPath: up.kubeconfigPath });
    const entry = (await loadNodeMap(up.nodeMapPath)).nodes[2]!;
    // The node map here only names the node and marks it a system container (the step refuses any other loopback host).
    const oneNode = path.join(home, 'reboot-nodes.yaml');
    fs.writeFileSync(oneNode, stringify({ nodes: [{ name: entry.name, host: entry.host, port: entry.port, systemContainer: true }] }));
    const ssh = await new Ssh2Connector().connect(entry);
    const bootIdBefore = (await ssh.run(bootIdScript())).trim();
    await ssh.close();
    const reboot = { runId: `${runId}-reboot`, nodeMapPath: oneNode };
    const sampling = createSamplingActivities({
      loadNodeMap,
      ssh: connector(),
      store: new ArtifactStore(path.join(home, 'store-reboot')),
      pollIntervalMs: 1000,
      waitNodeReady: async (cluster, name, since) => waitForNodeReady(await loadKubeClient(cluster), name, since),
    });
    const cluster = { provider: 'kubeconfig' as const, kubeconfigPath: up.kubeconfigPath };
    const result = await sampling.measureBootTime({ ...reboot, reboot: true, cluster });
    log(`reboot of ${entry.name} through its access pod: ${JSON.stringify(result.nodes)}`);
    const [rebooted] = result.nodes;
    expect(rebooted).toMatchObject({ node: entry.name, phases: { userspace: expect.any(Number) } });
    expect(rebooted!.sshReturnSeconds).toBeGreaterThan(0);
    expect(rebooted!.timeToReadySeconds).toBeGreaterThanOrEqual(rebooted!.sshReturnSeconds!);
    const again = await connector().connect(entry, { runId: reboot.runId });
    const bootIdAfter = (await again.run(bootIdScript())).trim();
    await again.close();
    expect(bootIdAfter).not.toBe(bootIdBefore);
    const pod = await kube.get<KubeObject>('v1', 'Pod', accessPodName(entry.name), accessNamespaceName(reboot.runId));
    expect((pod as { status?: { phase?: string } } | null)?.status?.phase).toBe('Running');
    const reset = await resetRun(kube, { runId: reboot.runId }, { now: Date.now, timeoutMs: 120_000, pollIntervalMs: 1_000, log });
    expect(reset.leftovers).toEqual([]);
  });

  test("the run's reset removes the access pods and their namespace", async () => {
    const kube = await loadKubeClient({ kubeconfigPath: up.kubeconfigPath });
    const namespace = accessNamespaceName(runId);
    const ns = await kube.get<KubeObject>('v1', 'Namespace', namespace);
    expect(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
    const pods = await kube.list<KubeObject>('v1', 'Pod', { namespace });
    expect(pods.items.map((p) => (p.spec as { nodeName?: string }).nodeName).sort()).toEqual(instance.nodes.map((n) => n.name));
    for (const pod of pods.items) expect(pod.spec).toMatchObject({ hostPID: true, automountServiceAccountToken: false });
    const reset = await resetRun(kube, { runId }, { now: Date.now, timeoutMs: 120_000, pollIntervalMs: 1_000, log });
    expect(reset.removed).toEqual(expect.arrayContaining([{ kind: 'Namespace', name: namespace }]));
    expect(reset.leftovers).toEqual([]);
    expect(await kube.get('v1', 'Namespace', namespace)).toBeNull();
    // The sampling runs' access namespaces go with their own resets.
    for (const id of [`${runId}-api`]) {
      const result = await resetRun(kube, { runId: id }, { now: Date.now, timeoutMs: 120_000, pollIntervalMs: 1_000, log });
      expect(result.leftovers).toEqual([]);
      expect(await kube.get('v1', 'Namespace', accessNamespaceName(id))).toBeNull();
    }
  });
});
