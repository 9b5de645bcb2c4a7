/**
 * The security tools for real on the test bed: kube-bench (built from its Go module) over SSH on a node
 * host, which sees the real kube-apiserver process; kube-hunter (PyPI) hunting the lane's own loopback address
 * only (its API server and etcd answer there on the standard ports, the only ones kube-hunter probes); the Job
 * modes on KWOK, which completes Jobs without running them (so: "no output", not zero findings).
 */
import { promises as fs } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createToolActivities, type ToolActivityDeps } from '../../activities/tools';
import { experimentSchema } from '../../src/config/experiment';
import type { ClusterRef, ToolRunRequest, ToolRunSummary } from '../../src/domain/contracts';
import { loadKubeClient } from '../../src/kube/client';
import { namespaceManifest, runLabelSelector } from '../../src/kube/manifests';
import type { KubeClient } from '../../src/kube/kubeObjects';
import { Ssh2Connector } from '../../src/ssh';
import { ArtifactStore } from '../../src/store/artifactStore';
import type { FindingsDocument } from '../../src/tools/findings';
import { defaultToolBinaries } from '../../src/tools/install';
import { toolJobName } from '../../src/tools/jobs';
import { loadToolKubeClient } from '../../src/tools/kubeAccess';
import { readVersions } from '../../src/testbed/buildVersions';
import { testbedLayout } from '../../src/testbed/layout';
import { namespaceClosureViolations } from '../../src/testbed/realNodes';
import { ensureTestbed, type Testbed } from '../support/testbed';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';

jest.setTimeout(30 * 60_000);

const runId = `it-tools-${Date.now().toString(36)}`;
const namespace = `hl-it-tools-${Date.now().toString(36)}`;

let testbed: Testbed;
let cluster: ClusterRef;
let kube: KubeClient;
let work: string;
let store: ArtifactStore;
let deps: ToolActivityDeps;

function request(tools: Record<string, unknown> = {}): ToolRunRequest {
  const config = experimentSchema.parse({ tools });
  return { runId, cluster, namespace, tools: config.tools, artifactKey: `runs/${runId}` };
}

/** The numbers of real runs, for the test log (and the project notes). */
function logSummary(summary: ToolRunSummary): void {
  const seconds = ((summary.end - summary.start) / 1000).toFixed(1);
  const warnings = summary.warnings.length ? `, warnings: ${summary.warnings.join(' / ')}` : '';
  process.stderr.write(
    `[tools] ${summary.tool} ${summary.mode} on ${summary.target}: ${summary.outcome}, ${seconds} s, ` +
      `${JSON.stringify(summary.counts)}${warnings}\n`,
  );
}

async function findings(file: string): Promise<FindingsDocument> {
  return JSON.parse(await fs.readFile(path.join(store.root, file), 'utf8')) as FindingsDocument;
}

/** The lane's kube-apiserver command line, read from /proc by its pid file (the node hosts share this machine). */
async function apiServerArgs(): Promise<string[]> {
  const pidFile = path.join(testbedLayout(testbed.home, testbed.instance).kwokClusterDir, 'pids', 'kube-apiserver.pid');
  const pid = (await fs.readFile(pidFile, 'utf8')).trim();
  const argv = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
  if (path.basename(argv[0] ?? '') !== 'kube-apiserver')
    throw new Error(`pid ${pid} of ${pidFile} is not a kube-apiserver: ${argv.join(' ')}`);
  return argv;
}

function flagValue(argv: string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i]!.startsWith(`${flag}=`)) return argv[i]!.slice(flag.length + 1);
  }
  return undefined;
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** The gitVersion the API server tells anyone who asks, or undefined when anonymous access is refused. */
function anonymousVersion(host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = https.get({ host, port: 6443, path: '/version', rejectUnauthorized: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve(res.statusCode === 200 ? (JSON.parse(body) as { gitVersion?: string }).gitVersion : undefined));
    });
    req.on('error', () => resolve(undefined));
  });
}

beforeAll(async () => {
  testbed = await ensureTestbed();
  cluster = { provider: 'local', kubeconfigPath: testbed.kubeconfigPath, nodeMapPath: testbed.nodeMapPath };
  kube = await loadKubeClient(cluster);
  await kube.apply(namespaceManifest({ runId, namespace }));
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-it-tools-'));
  store = new ArtifactStore(path.join(work, 'store'));
  deps = {
    loadNodeMap,
    workerTempDir: work,
    ssh: new Ssh2Connector(),
    kube: (ref) => loadToolKubeClient(ref, { logTimeoutMs: 15_000 }),
    store,
    binaries: defaultToolBinaries(process.env),
    timeouts: { jobMs: 5 * 60_000, jobPollMs: 1_000 },
    env: process.env,
    namespaceClosureViolations: (namespace) => namespaceClosureViolations(namespace, process.env),
  };
});

afterAll(async () => {
  await kube?.delete('v1', 'Namespace', namespace).catch(() => undefined);
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe('kube-bench on a node host over SSH', () => {
  it('installs itself, runs the CIS benchmark against the real kube-apiserver and stores findings with totals', async () => {
    const tools = createToolActivities(deps);
    const summary = await tools.runKubeBench(request({ kubeBench: { mode: 'node' } }));
    logSummary(summary);
    expect(summary).toMatchObject({
      tool: 'kube-bench',
      mode: 'node',
      target: testbed.nodeNames[0],
      outcome: 'ok',
      version: deps.binaries.kubeBenchVersion,
    });
    expect(summary.end).toBeGreaterThanOrEqual(summary.start);
    const doc = await findings(summary.findingsFile!);
    expect(doc.start).toBe(summary.start);
    expect(doc.command).toContain('--json --outputfile');
    expect(doc.command).toMatch(/--version \d+\.\d+/); // auto mode: the cluster's version, not kube-bench's guess
    expect(doc.benchmark).toMatch(/^cis-/);
    const { pass, fail, warn, info } = summary.counts as Record<string, number>;
    expect(pass! + fail! + warn! + info!).toBe(doc.findings.length);
    expect(fail).toBeGreaterThan(0);
    expect(pass).toBeGreaterThan(0);

    // Flag-based checks decided from the real kube-apiserver's command line.
    const argv = await apiServerArgs();
    const check = (text: string) => {
      const found = doc.findings.find((f) => f.title.includes(text));
      if (!found) throw new Error(`no check "${text}" in ${doc.benchmark}`);
      return found.status;
    };
    const authz = flagValue(argv, '--authorization-mode') ?? '';
    expect(check('--authorization-mode argument includes RBAC')).toBe(authz.split(',').includes('RBAC') ? 'PASS' : 'FAIL');
    expect(check('--authorization-mode argument includes Node')).toBe(authz.split(',').includes('Node') ? 'PASS' : 'FAIL');
    expect(check('--profiling argument is set to false')).toBe(flagValue(argv, '--profiling') === 'false' ? 'PASS' : 'FAIL');
    expect(check('--token-auth-file parameter is not set')).toBe(flagValue(argv, '--token-auth-file') === undefined ? 'PASS' : 'FAIL');
    expect(check('--audit-log-path argument is set')).toBe(flagValue(argv, '--audit-log-path') !== undefined ? 'PASS' : 'FAIL');
    expect(check('--client-ca-file argument is set')).toBe(flagValue(argv, '--client-ca-file') !== undefined ? 'PASS' : 'FAIL');
    // The test bed has no /etc/kubernetes/manifests: file permission checks legitimately fail.
    expect(check('API server pod specification file permissions')).toBe('FAIL');

    // The raw report is kept, and a second run (uploading again, to a new private directory) takes an explicit benchmark.
    await expect(fs.stat(path.join(store.root, `runs/${runId}/tools/kube-bench-node.raw.txt`))).resolves.toBeTruthy();
    const again = await tools.runKubeBench(request({ kubeBench: { mode: 'node', benchmark: doc.benchmark, targets: ['master'] } }));
    logSummary(again);
    const second = await findings(again.findingsFile!);
    expect(second.command).toContain(`--targets master --benchmark ${doc.benchmark}`);
    expect(new Set(second.findings.map((f) => f.id.split('.')[0]))).toEqual(new Set(['1']));
  });

  it('refuses a node that is not in the node map, naming the known nodes', async () => {
    const tools = createToolActivities(deps);
    const error = await tools.runKubeBench(request({ kubeBench: { node: 'no-such-node' } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).type).toBe('ToolConfigInvalid');
    expect((error as Error).message).toContain(testbed.nodeNames[0]);
  });
});

describe("kube-hunter --remote on the lane's own address (the kubeconfig's server host)", () => {
  it('finds the API server (and etcd when it listens) and reports its vulnerabilities', async () => {
    const address = testbed.instance.apiAddress!;
    const tools = createToolActivities(deps);
    const summary = await tools.runKubeHunter({ ...request(), mode: 'remote' });
    logSummary(summary);
    expect(summary).toMatchObject({ tool: 'kube-hunter', mode: 'remote', target: address, outcome: 'ok', warnings: [] });
    const doc = await findings(summary.findingsFile!);
    expect(doc.command).toBe(`${deps.binaries.kubeHunter} --remote ${address} --report json --log none`);
    expect(doc.services).toContainEqual({ service: 'API Server', location: `${address}:6443` });
    expect(await portOpen(address, 2379)).toBe(true); // the test bed's etcd
    expect(doc.services!.map((s) => s.location)).toContain(`${address}:2379`);
    expect(doc.nodes).toContainEqual({ type: 'Node/Master', location: address });
    expect(summary.counts.vulnerabilities).toBe(doc.findings.length);
    expect(doc.findings.length).toBeGreaterThan(0);
    // The test bed's API server keeps Kubernetes' default anonymous access (no --anonymous-auth=false), under
    // which system:public-info-viewer lets anyone read /version: kube-hunter must report the disclosure.
    expect(flagValue(await apiServerArgs(), '--anonymous-auth')).not.toBe('false');
    const version = await anonymousVersion(address);
    expect(version).toBe(readVersions().kubernetes);
    const disclosure = doc.findings.find((f) => f.id === 'KHV002');
    expect(disclosure).toMatchObject({ location: `${address}:6443`, title: 'K8s Version Disclosure' });
    expect(disclosure!.evidence).toContain(version);
    for (const f of doc.findings) {
      expect(f.id).toMatch(/^KHV\d{3}$/);
      expect(f.location?.startsWith(address)).toBe(true);
    }
  });
});

describe('in-cluster Jobs on KWOK', () => {
  it('kube-bench job mode reports "no output" (KWOK completes the Job without running it), not zero findings', async () => {
    const tools = createToolActivities(deps);
    const summary = await tools.runKubeBench(request({ kubeBench: { mode: 'job', benchmark: 'cis-1.11' } }));
    logSummary(summary);
    expect(summary.outcome).toBe('no-output');
    expect(summary.counts).toEqual({});
    expect(summary.warnings.join(' ')).toMatch(
      /no output: the Job completed but its pod .* ran on the simulated \(KWOK\) node sim-node-\d.*not "zero findings"/,
    );
    const job = await kube.get('batch/v1', 'Job', toolJobName('kube-bench', runId), namespace);
    expect(job!.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'hardenlab' });
    const jobs = await kube.list('batch/v1', 'Job', { namespace, labelSelector: runLabelSelector(runId) });
    expect(jobs.items.map((j) => j.metadata.name)).toContain(toolJobName('kube-bench', runId));
    const doc = await findings(summary.findingsFile!);
    expect(doc).toMatchObject({ outcome: 'no-output', findings: [] });
  });

  it('kube-hunter pod mode runs as a Job with --pod and also reports "no output"', async () => {
    const tools = createToolActivities(deps);
    const summary = await tools.runKubeHunter({
      ...request({ kubeHunter: { modes: ['pod'], subnetProbes: { allowed: true } } }),
      mode: 'pod',
    });
    logSummary(summary);
    expect(summary).toMatchObject({ tool: 'kube-hunter', mode: 'pod', outcome: 'no-output', version: '0.6.8' });
    const job = await kube.get<{
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    }>('batch/v1', 'Job', toolJobName('kube-hunter', runId), namespace);
    expect(job!.spec.template.spec.containers[0]!.args).toEqual(['--pod', '--report', 'json', '--log', 'none']);
  });
});

describe("tool Jobs in a run whose namespace enforces Pod Security (a pack's restricted level)", () => {
  const hardenedRunId = `${runId}-psa`;
  const hardenedNamespace = `${namespace}-psa`;
  afterAll(async () => {
    const placed = await kube.list('v1', 'Namespace', { labelSelector: runLabelSelector(hardenedRunId) }).catch(() => ({ items: [] }));
    for (const ns of placed.items) await kube.delete('v1', 'Namespace', ns.metadata.name).catch(() => undefined);
  });

  it("runs kube-bench's privileged Job in a namespace of the run's own that admits it, instead of waiting out its timeout", async () => {
    await kube.apply(namespaceManifest({ runId: hardenedRunId, namespace: hardenedNamespace }, { podSecurity: true }));
    const tools = createToolActivities(deps);
    const began = Date.now();
    const summary = await tools.runKubeBench({
      ...request({ kubeBench: { mode: 'job', benchmark: 'cis-1.11' } }),
      runId: hardenedRunId,
      namespace: hardenedNamespace,
    });
    logSummary(summary);
    const placed = (await kube.list('v1', 'Namespace', { labelSelector: runLabelSelector(hardenedRunId) })).items
      .map((ns) => ns.metadata.name)
      .sort();
    const toolsNamespace = placed.find((name) => name !== hardenedNamespace)!;
    expect(placed).toEqual([hardenedNamespace, toolsNamespace].sort());
    expect((await kube.get('v1', 'Namespace', toolsNamespace))!.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'privileged',
    });
    // KWOK admits the Job's pod there and completes it without running it: "no output", well before the Job timeout.
    expect(summary.outcome).toBe('no-output');
    expect(summary.warnings).toContain(
      `ran in namespace ${toolsNamespace}: the run's namespace ${hardenedNamespace} enforces Pod Security "restricted", which ` +
        `refuses the tool's pod`,
    );
    expect(await kube.get('batch/v1', 'Job', toolJobName('kube-bench', hardenedRunId), toolsNamespace)).not.toBeNull();
    expect(Date.now() - began).toBeLessThan(60_000);
  });
});

describe('tool output through the activity, from a stand-in program replaying recorded output', () => {
  async function standIn(name: string, fixtureName: string): Promise<string> {
    const file = path.join(work, name);
    await fs.writeFile(file, `#!/bin/sh\ncat '${path.resolve(__dirname, '../fixtures/tools', fixtureName)}'\n`, { mode: 0o755 });
    return file;
  }

  it('warns in the summary and the findings when active hunting was enabled', async () => {
    const program = await standIn('replay-kube-hunter', 'kube-hunter-remote.json');
    const tools = createToolActivities({ ...deps, binaries: { ...deps.binaries, kubeHunter: program } });
    const summary = await tools.runKubeHunter({ ...request({ kubeHunter: { remoteTarget: '127.0.0.1', active: true } }), mode: 'remote' });
    expect(summary.warnings.join(' ')).toMatch(/--active/);
    const doc = await findings(summary.findingsFile!);
    expect(doc.command).toBe(`${program} --remote 127.0.0.1 --report json --log none --active`);
    expect(doc.warnings).toEqual(summary.warnings);
  });

  it('interface mode runs kube-hunter on the node over SSH with --interface (a stand-in there: no real subnet scan in tests)', async () => {
    const program = await standIn('replay-kube-hunter-on-node', 'kube-hunter-remote.json');
    const tools = createToolActivities({ ...deps, nodeKubeHunter: program });
    const summary = await tools.runKubeHunter({
      ...request({ kubeHunter: { modes: ['interface'], subnetProbes: { allowed: true } } }),
      mode: 'interface',
    });
    expect(summary).toMatchObject({ tool: 'kube-hunter', mode: 'interface', target: testbed.nodeNames[0], outcome: 'ok' });
    const doc = await findings(summary.findingsFile!);
    expect(doc.command).toBe(`${program} --interface --report json --log none`);
    expect(doc.findings.every((f) => f.mode === 'interface' && f.target === testbed.nodeNames[0])).toBe(true);
  });

  it('the subnet-probing modes run only where the worker config allows them, and only in a namespace proven closed', async () => {
    const ran = path.join(work, 'probe-ran');
    const program = path.join(work, 'recording-kube-hunter');
    await fs.writeFile(program, `#!/bin/sh\ntouch '${ran}'\n`, { mode: 0o755 });
    const checked: string[] = [];
    const tools = createToolActivities({
      ...deps,
      nodeKubeHunter: program,
      namespaceClosureViolations: async (ns) => (checked.push(ns), ['default route via 192.0.2.254']),
    });
    for (const mode of ['interface', 'pod'] as const) {
      const refused = (await tools.runKubeHunter({ ...request(), mode }).catch((e: unknown) => e)) as ApplicationFailure;
      expect(refused.type).toBe('ToolConfigInvalid');
      expect(refused.message).toContain(`kube-hunter ${mode} mode probes whole subnets, and the worker's config does not allow that`);
      const open = (await tools
        .runKubeHunter({ ...request({ kubeHunter: { subnetProbes: { allowed: true, closedNamespace: 'hardenlab-x' } } }), mode })
        .catch((e: unknown) => e)) as ApplicationFailure;
      expect(open.type).toBe('ToolNetworkNotClosed');
      expect(open.message).toBe(
        `kube-hunter ${mode} mode was not run: network namespace hardenlab-x is not closed (default route via 192.0.2.254)`,
      );
    }
    expect(checked).toEqual(['hardenlab-x', 'hardenlab-x']);
    await expect(fs.stat(ran)).rejects.toThrow(/ENOENT/);
  });

  it('interface mode says so when kube-hunter is not installed on the node', async () => {
    const tools = createToolActivities({ ...deps, nodeKubeHunter: path.join(work, 'no-such-kube-hunter') });
    const error = await tools
      .runKubeHunter({ ...request({ kubeHunter: { subnetProbes: { allowed: true } } }), mode: 'interface' })
      .catch((e: unknown) => e);
    expect((error as ApplicationFailure).type).toBe('ToolMissing');
    expect((error as Error).message).toMatch(/kube-hunter is not installed on node sim-node-1/);
  });

  it('fails with ToolOutputInvalid naming the tool and keeps the raw output', async () => {
    // A stand-in program that prints kube-hunter's real report cut short (recorded from the test bed).
    const truncated = path.resolve(__dirname, '../fixtures/tools/kube-hunter-remote.truncated.json');
    const fake = path.join(work, 'truncated-kube-hunter');
    await fs.writeFile(fake, `#!/bin/sh\ncat '${truncated}'\n`, { mode: 0o755 });
    const tools = createToolActivities({ ...deps, binaries: { ...deps.binaries, kubeHunter: fake } });
    const error = await tools
      .runKubeHunter({ ...request({ kubeHunter: { remoteTarget: '127.0.0.1' } }), mode: 'remote' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).type).toBe('ToolOutputInvalid');
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as Error).message).toMatch(/^kube-hunter output is invalid: the JSON is truncated/);
    const raw = await fs.readFile(path.join(store.root, `runs/${runId}/tools/kube-hunter-remote.raw.txt`), 'utf8');
    expect(raw).toBe(await fs.readFile(truncated, 'utf8'));
  });
});
