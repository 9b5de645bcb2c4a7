/**
 * The policy engine's own cost (issue 28): its pods' cgroups read on their nodes (v1 and v2 layouts, run by sh),
 * the readings of the window's two edges set against each other, and the report's table from the stored readings.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { podResourceCost, type PodResourceScrape } from '../../../src/analysis/load';
import { buildReportModel } from '../../../src/analysis/model/build';
import { validateScenarioRunData } from '../../../src/analysis/model/experimentData';
import type { NodeEntry } from '../../../src/config/nodeMap';
import { readPodResources } from '../../../src/load/enginePods';
import { loadRunData } from '../../../src/load/loadSummary';
import type { KubeClient } from '../../../src/kube/kubeObjects';
import { buildTables } from '../../../src/report';
import { parsePodCgroups, podCgroupScript } from '../../../src/sampling/podCgroups';
import type { SshConnector, SshSession } from '../../../src/ssh/sessionContract';
import { ArtifactStore } from '../../../src/store/artifactStore';
import { fixtureExperiment } from '../analysis/support/fixtures';
import { cgroupLayout as layout } from '../../support/cgroupLayout';
import { tempDirSync } from '../../support/tempDir';

const uid = '0b5e7c1a-3f2d-4c55-9d1e-1234567890ab';
const other = '9f00aa11-0000-4c55-9d1e-ba0987654321';

const read = (root: string, uids: string[]) =>
  parsePodCgroups(execFileSync('sh', ['-c', podCgroupScript(uids, root)], { encoding: 'utf8' }), uids);

describe("pods' CPU and working set from their cgroups on a node", () => {
  test('cgroup v1 (cgroupfs driver): cpuacct.usage, and memory usage less inactive file pages from the memory hierarchy', () => {
    const root = layout({
      [`cpu,cpuacct/kubepods/burstable/pod${uid}/cpuacct.usage`]: '1500000000\n',
      [`memory/kubepods/burstable/pod${uid}/memory.usage_in_bytes`]: '52428800\n',
      [`memory/kubepods/burstable/pod${uid}/memory.stat`]: 'cache 9\ntotal_inactive_file 10485760\ninactive_file 1\n',
    });
    const before = Date.now();
    const reading = read(root, [uid, other]);
    expect(reading.atMs).toBeGreaterThanOrEqual(before - 1000);
    expect(reading.atMs).toBeLessThanOrEqual(Date.now() + 1000);
    expect(reading.pods.get(uid)).toEqual({ cpuSeconds: 1.5, memoryBytes: 40 * 2 ** 20 });
    expect(reading.pods.get(other)).toEqual({ unavailable: 'its cgroup was not found on the node (CPU)' });
  });

  test('cgroup v2 (systemd driver): usage_usec and memory.current less inactive_file of the pod slice', () => {
    const slice = `kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid.replace(/-/g, '_')}.slice`;
    const root = layout({
      [`${slice}/cpu.stat`]: 'usage_usec 250000\nuser_usec 200000\n',
      [`${slice}/memory.current`]: '3000\n',
      [`${slice}/memory.stat`]: 'anon 1\ninactive_file 1000\n',
    });
    expect(read(root, [uid]).pods.get(uid)).toEqual({ cpuSeconds: 0.25, memoryBytes: 2000 });
  });

  test('a reading that did not finish is an error, never zeros', () => {
    expect(() => parsePodCgroups(`now_ns=1\npod=${uid} cpu_ns=5 mem_bytes=5 inactive_bytes=\n`, [uid])).toThrow('did not finish');
  });
});

const scrape = (samples: PodResourceScrape['samples'], errors: string[] = []): PodResourceScrape => ({
  namespace: 'ns-gk',
  samples,
  errors,
});
const sample = (pod: string, cpuSeconds: number, atMs: number, memoryBytes: number) => ({ pod, node: 'n1', cpuSeconds, atMs, memoryBytes });

test('the window’s CPU is the counter over the node’s own times; a pod read at one edge only is named, not counted', () => {
  const start = scrape([sample('gk-a', 10, 1_000, 30 * 2 ** 20), sample('gk-old', 1, 1_000, 1)]);
  const end = scrape([sample('gk-a', 10.75, 21_000, 34 * 2 ** 20), sample('gk-new', 1, 21_000, 1)]);
  expect(podResourceCost(start, end)).toEqual({
    pods: [{ pod: 'gk-a', node: 'n1', cpuCores: 0.0375, memoryMiB: 32 }],
    missing: ['gk-new on n1: not read at the window’s start', 'gk-old on n1: not read at the window’s end'],
  });
});

test('the engine’s pods are read on their nodes through the transport; a node outside the node map is said', async () => {
  const pods = [
    { metadata: { name: 'gk-a', uid }, spec: { nodeName: 'n1' } },
    { metadata: { name: 'gk-b', uid: other }, spec: { nodeName: 'n9' } },
  ];
  const client = { list: async () => ({ items: pods }) } as unknown as KubeClient;
  const scripts: string[] = [];
  const connector: SshConnector = {
    connect: async (node) =>
      ({
        node,
        run: async (script: string) => {
          scripts.push(script);
          return `now_ns=5000000000\npod=${uid} cpu_ns=2000000000 mem_bytes=100 inactive_bytes=40\ndone\n`;
        },
        close: async () => undefined,
      }) as unknown as SshSession,
  };
  const nodes = new Map([['n1', { name: 'n1', host: '127.0.0.1' } as NodeEntry]]);
  const result = await readPodResources(client, 'ns-gk', { connector, nodes, runId: 'r1' });
  expect(result).toEqual({
    namespace: 'ns-gk',
    samples: [{ pod: 'gk-a', node: 'n1', atMs: 5000, cpuSeconds: 2, memoryBytes: 60 }],
    errors: ['n9: not in the node map, so its pods were not read'],
  });
  expect(scripts).toHaveLength(1);
  expect(scripts[0]).toContain(`for uid in ${uid}; do`);
});

test('stored readings of both edges become the report’s engine table', async () => {
  const root = tempDirSync('hardenlab-engine-cost-');
  const store = new ArtifactStore(root);
  const write = (edge: string, value: PodResourceScrape) => {
    fs.mkdirSync(path.join(root, 'run', 'load'), { recursive: true });
    fs.writeFileSync(store.resolve('run', `load/engine-pods.${edge}.json`), JSON.stringify(value));
    return `load/engine-pods.${edge}.json`;
  };
  const edge = (file: string, enginePods: string) => ({ file, at: 0, lines: 0, enginePods });
  const load = {
    notRun: [],
    metrics: {
      start: edge('load/missing.start.txt', write('start', scrape([sample('gk-a', 10, 1_000, 30 * 2 ** 20)]))),
      end: edge('load/missing.end.txt', write('end', scrape([sample('gk-a', 10.75, 21_000, 34 * 2 ** 20)], ['n9: down']))),
    },
  };
  const data = await loadRunData(store, 'run', load);
  const pods = [{ pod: 'gk-a', node: 'n1', cpuCores: 0.0375, memoryMiB: 32 }];
  expect(data.engine).toEqual({ namespace: 'ns-gk', pods, error: 'n9: down' });

  const experiment = fixtureExperiment();
  const run = experiment.scenarios[0]!;
  experiment.scenarios[0] = validateScenarioRunData(JSON.parse(JSON.stringify({ ...run, load: data })), 'scenario-data.json');
  const table = buildTables(buildReportModel(experiment)).find((t) => t.id === 'engine-cost')!;
  expect(table.title).toBe('The policy engine’s own cost');
  expect(table.rows).toEqual([[run.scenario, `#${run.repetition}`, 'ns-gk', 'gk-a on n1', '3.75', '32', 'n9: down']]);
  expect(buildTables(buildReportModel(fixtureExperiment())).some((t) => t.id === 'engine-cost')).toBe(false);
});

test('a webhook series the API server kept from an earlier scenario, with no admission in the window, is not this run’s', async () => {
  const root = tempDirSync('hardenlab-webhook-window-');
  const store = new ArtifactStore(root);
  const family = 'apiserver_admission_webhook_admission_duration_seconds';
  const series = (name: string, count: number, sum: number) => {
    const labels = `name="${name}",operation="CREATE",rejected="false",type="validating"`;
    return [
      `${family}_bucket{${labels},le="0.005"} 0`,
      `${family}_bucket{${labels},le="0.025"} ${count}`,
      `${family}_bucket{${labels},le="+Inf"} ${count}`,
      `${family}_sum{${labels}} ${sum}`,
      `${family}_count{${labels}} ${count}`,
    ];
  };
  fs.mkdirSync(path.join(root, 'run', 'load'), { recursive: true });
  const write = (edge: string, lines: string[]) =>
    fs.writeFileSync(store.resolve('run', `load/apiserver-metrics.${edge}.txt`), `# TYPE ${family} histogram\n${lines.join('\n')}\n`);
  write('start', [...series('old.gatekeeper.sh', 15, 0.2), ...series('now.gatekeeper.sh', 5, 0.05)]);
  write('end', [...series('old.gatekeeper.sh', 15, 0.2), ...series('now.gatekeeper.sh', 15, 0.15)]);
  const edge = (name: string) => ({ file: `load/apiserver-metrics.${name}.txt`, at: 0, lines: 0 });
  const data = await loadRunData(store, 'run', { notRun: [], metrics: { start: edge('start'), end: edge('end') } });
  expect(data.error).toBeUndefined();
  expect(data.admission!.webhooks.map((w) => [w.name, w.count, w.meanMs!.toFixed(6)])).toEqual([['now.gatekeeper.sh', 10, '10.000000']]);
});
