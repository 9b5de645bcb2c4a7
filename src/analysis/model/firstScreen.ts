/**
 * The report's first screen, computed: one sentence per scenario against the baseline, the trust box (what can
 * bias this run) and what this run was (nodes, window) for the column beside the thesis. Pure.
 */
import { detectableDetail } from './headlineDetectable';
import { nodeFactsView, sharedHostCheck, type TrustItem } from './hosts';
import { THESIS } from './thesis';
import type { AcrossRepetitions, NodeIdentity, RunSummary, ScenarioSummary } from './runData';

export interface ThisRun {
  provider: string | null;
  nodeCount: number | null;
  /** Instance types from the nodes' labels, `kwok` for simulated nodes; empty when unknown. */
  nodeTypes: string[];
  /** Median sampling window of the runs, seconds. */
  windowSeconds: number | null;
  intervalSeconds: number | null;
}

export interface FirstScreen {
  sentences: string[];
  trust: TrustItem[];
  thisRun: ThisRun;
}

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A difference in points: one decimal, two below 0.1 so a small one does not read as zero. */
export function points(value: number): string {
  const a = Math.abs(value);
  return a >= 0.1 || a === 0 ? a.toFixed(1) : a.toFixed(2);
}
const pNumber = (p: number) => (p < 0.001 ? '< 0.001' : p.toFixed(3));
const pText = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`);

/** "30 s", "2 min", "24 h": a duration as a reader says it. */
export function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${+(seconds / 3600).toFixed(1)} h`;
}

const signed = (v: number) => (v < 0 ? `\u2212${Math.abs(v).toFixed(1)}` : v.toFixed(1));
const range = (lower: number, upper: number) =>
  lower < 0 ? `${signed(lower)} to ${signed(upper)}` : `${signed(lower)}\u2013${signed(upper)}`;

/** "2.1 CPU points more than baseline (95 % CI 1.2–3.0, Welch p = 0.004, 5 repetitions)"; `short` leaves out what the CPU clause said. */
function clause(a: AcrossRepetitions, unit: string, short: boolean): string | null {
  const c = a.vsBaseline;
  if (!c || c.difference === null) return null;
  const head = `${points(c.difference)} ${unit} ${c.difference >= 0 ? 'more' : 'less'}${short ? '' : ' than baseline'}`;
  const reps =
    c.scenarioN === c.baselineN
      ? `${c.scenarioN} repetition${c.scenarioN === 1 ? '' : 's'}`
      : `${c.scenarioN} and ${c.baselineN} repetitions`;
  if (c.scenarioN < 2 || c.baselineN < 2) return short ? head : `${head} (${reps})`;
  if (!c.welch) return `${head} (values constant, no test${short ? '' : `, ${reps}`})`;
  const ci = `95 % CI ${range(c.welch.lower, c.welch.upper)}`;
  return short ? `${head} (${ci}, p = ${pNumber(c.welch.pValue)})` : `${head} (${ci}, Welch ${pText(c.welch.pValue)}, ${reps})`;
}

/** The headline load metrics of the first screen: pod creates' and pod startup's p99 (ms in the model). */
const LOAD_HEADLINES = [
  { key: 'create.p99', what: 'pod creates p99', scale: 1, unit: 'ms' },
  { key: 'startup.ready.p99', what: 'pod startup p99', scale: 1000, unit: 's' },
] as const;

/** "pod creates p99 +4.0 ms (95 % CI 1.2–6.8, p = 0.010), pod startup p99 +0.3 s"; null without a load phase. */
function loadClause(s: ScenarioSummary): string | null {
  const parts = LOAD_HEADLINES.flatMap(({ key, what, scale, unit }) => {
    const c = s.load?.find((m) => m.key === key)?.across.vsBaseline;
    if (!c || c.difference === null) return [];
    const head = `${what} ${c.difference < 0 ? '' : '+'}${signed(c.difference / scale)} ${unit}`;
    if (!c.welch) return [head];
    return [`${head} (95 % CI ${range(c.welch.lower / scale, c.welch.upper / scale)}, p = ${pNumber(c.welch.pValue)})`];
  });
  return parts.length ? parts.join(', ') : null;
}

/** The baseline's own load levels: "pod creates took 12.0 ms and pods were Ready in 2.1 s at p99". */
function baselineLoadClause(s: ScenarioSummary): string | null {
  const level = (key: string) => s.load?.find((m) => m.key === key)?.across.ci.mean ?? null;
  const create = level('create.p99');
  const ready = level('startup.ready.p99');
  const parts = [
    ...(create === null ? [] : [`its pod creates took ${create.toFixed(1)} ms`]),
    ...(ready === null ? [] : [`its pods were Ready in ${(ready / 1000).toFixed(1)} s`]),
  ];
  return parts.length ? ` Under load ${parts.join(' and ')} at p99 (mean over repetitions).` : null;
}

/** One sentence per scenario: the baseline's level, then each scenario's CPU and %memused difference from it. */
export function scenarioSentences(scenarios: ScenarioSummary[]): string[] {
  const sentences: string[] = [];
  for (const s of scenarios) {
    const cpu = s.acrossRepetitions.cpuMean;
    const memory = s.acrossRepetitions.memoryMean;
    if (s.scenario === 'baseline') {
      if (cpu.ci.mean === null) continue;
      sentences.push(
        `baseline used ${cpu.ci.mean.toFixed(1)} % CPU${memory.ci.mean !== null ? ` and ${memory.ci.mean.toFixed(1)} %memused` : ''} on ` +
          `average (mean of the node means, ${cpu.ci.n} repetition${cpu.ci.n === 1 ? '' : 's'}).` +
          (baselineLoadClause(s) ?? ''),
      );
      continue;
    }
    const cpuClause = clause(cpu, 'CPU points', false);
    if (!cpuClause) continue;
    const memoryClause = clause(memory, '%memused points', true);
    const c = cpu.vsBaseline!;
    const oneRep = c.scenarioN < 2 || c.baselineN < 2;
    const load = loadClause(s);
    sentences.push(
      `${s.scenario} used ${cpuClause}${memoryClause ? ` and ${memoryClause}` : ''}${load ? `; under load, ${load}` : ''}.` +
        (oneRep ? ' With one repetition no difference can be called significant.' : ''),
    );
  }
  return sentences;
}

/** Identities across the runs, the latest per node (a node keeps its machine-id from run to run). */
function identitiesOf(runs: RunSummary[]): NodeIdentity[] {
  const byNode = new Map<string, NodeIdentity>();
  for (const r of runs) for (const i of r.nodeIdentity) byNode.set(i.node, { ...byNode.get(i.node), ...i });
  return [...byNode.values()];
}

/** The time a run's samples cover: first to last sample plus one interval (each sample stands for one). */
function windowSeconds(r: RunSummary): number | null {
  const interval = median(r.nodes.flatMap((n) => n.sampleIntervalSeconds ?? [])) ?? 0;
  return r.window ? (r.window.end - r.window.start) / 1000 + interval : null;
}

function orderItem(scenarios: ScenarioSummary[], runs: RunSummary[]): TrustItem {
  const reps = [...new Set(runs.map((r) => r.repetition))].sort((a, b) => a - b);
  const orders = reps.map((rep) =>
    runs
      .filter((r) => r.repetition === rep && r.window)
      .sort((a, b) => a.window!.start - b.window!.start)
      .map((r) => r.scenario)
      .join(' → '),
  );
  const item = (level: TrustItem['level'], title: string, detail: string): TrustItem => ({ id: 'order', level, title, detail });
  if (scenarios.length < 2) return item('ok', 'one scenario: no order to vary', '');
  if (orders.length < 2) return item('info', 'one order only: order effects cannot be told apart', `Order: ${orders[0] ?? '—'}.`);
  const distinct = new Set(orders);
  return distinct.size > 1
    ? item('ok', `scenario order varied per repetition (${distinct.size} orders)`, orders.map((o, k) => `#${reps[k]}: ${o}`).join('; '))
    : item('warn', 'same scenario order in every repetition: order effects fall on the same scenario', `Order: ${orders[0]}.`);
}

function overheadItem(runs: RunSummary[], identities: NodeIdentity[]): TrustItem {
  const cpusOf = new Map(identities.flatMap((i) => (i.cpus ? [[i.node, i.cpus] as const] : [])));
  let samplerSeconds = 0;
  let accessSeconds: number | null = null;
  const accessMissing: string[] = [];
  const uploaded = new Set<string>();
  let measuredSeconds = 0;
  let cpusUnknown = false;
  for (const r of runs) {
    for (const n of r.nodes) {
      if (!n.samplerOverhead || !n.cpu || !n.firstSample || !n.lastSample) continue;
      const span = (Date.parse(n.lastSample) - Date.parse(n.firstSample)) / 1000 + (n.sampleIntervalSeconds ?? 0);
      const cpus = cpusOf.get(n.node);
      if (cpus === undefined) cpusUnknown = true;
      samplerSeconds += n.samplerOverhead.cpuSeconds;
      if (n.samplerOverhead.accessPodCpuSeconds !== undefined) accessSeconds = (accessSeconds ?? 0) + n.samplerOverhead.accessPodCpuSeconds;
      if (n.samplerOverhead.accessPodCostUnavailable) accessMissing.push(n.samplerOverhead.accessPodCostUnavailable);
      if (n.samplerOverhead.sysstatUploadedOn) uploaded.add(n.node);
      // CPU used is a share of all the node's CPUs; unknown counts take one CPU, so the share is an upper bound.
      measuredSeconds += (n.cpu.mean / 100) * span * (cpus ?? 1);
    }
  }
  const item = (level: TrustItem['level'], title: string, detail: string): TrustItem => ({ id: 'sampler-overhead', level, title, detail });
  if (measuredSeconds === 0) return item('info', 'sampler overhead not recorded', 'No node reported the sampler’s own CPU time.');
  const share = ((samplerSeconds + (accessSeconds ?? 0)) / measuredSeconds) * 100;
  const shareText =
    share < 0.01 ? 'less than 0.01 %' : `${cpusUnknown ? 'at most ' : ''}${share < 0.1 ? share.toFixed(2) : share.toFixed(1)} %`;
  const seconds = (s: number) => (s < 0.1 ? s.toFixed(3) : s.toFixed(1));
  // Over the Kubernetes API every command the worker runs is an exec in the node's access pod: its cost is the run's too.
  const access =
    accessSeconds === null ? '' : ` and the node access pods (every command the worker ran on the nodes) ${seconds(accessSeconds)},`;
  const missing = accessMissing.length ? ` Access pod CPU not read on ${accessMissing.join('; ')}.` : '';
  const kit = uploaded.size
    ? ` ${[...uploaded].sort().join(', ')} had no sysstat: sadc and sadf there were the access image's, copied to the node.`
    : '';
  return item(
    share >= 2 ? 'warn' : 'ok',
    `${accessSeconds === null ? 'sampler' : 'sampler and node access'} overhead: ${shareText} of the CPU measured`,
    `sadc and its wrapper used ${seconds(samplerSeconds)} CPU seconds${access} ` +
      `against ${measuredSeconds.toFixed(0)} CPU seconds measured${cpusUnknown ? ' (CPU count not recorded: counted as one CPU)' : ''}.` +
      missing +
      kit,
  );
}

export function buildFirstScreen(scenarios: ScenarioSummary[]): FirstScreen {
  const runs = scenarios.flatMap((s) => s.runs);
  const completed = runs.filter((r) => r.status === 'completed');
  const identities = identitiesOf(runs);
  const facts = runs.find((r) => r.clusterFacts)?.clusterFacts ?? null;
  const view = nodeFactsView(facts);
  const minCompleted = scenarios.length ? Math.min(...scenarios.map((s) => s.completed)) : 0;
  const gapCount = runs.reduce((n, r) => n + r.gaps.count, 0);
  const gapSeconds = runs.reduce((n, r) => n + r.gaps.seconds, 0);
  const window = median(completed.flatMap((r) => windowSeconds(r) ?? []));
  const interval = median(runs.flatMap((r) => r.nodes.flatMap((n) => n.sampleIntervalSeconds ?? [])));

  const detectable = detectableDetail(scenarios);
  const trust: TrustItem[] = [
    minCompleted < 2
      ? {
          id: 'repetitions',
          level: 'warn',
          title: `${minCompleted} completed repetition${minCompleted === 1 ? '' : 's'} per scenario: no confidence interval, no test`,
          detail: 'Differences between scenarios may be noise; run with repetitions ≥ 2 (5 or more to see an effect of a few points).',
        }
      : {
          id: 'repetitions',
          level: 'ok',
          title: `${minCompleted} completed repetitions per scenario`,
          detail: `95 % confidence intervals and Welch tests over repetitions.${detectable ? ` ${detectable}` : ''}`,
        },
    sharedHostCheck(identities, view),
    gapCount > 0
      ? {
          id: 'gaps',
          level: 'warn',
          title: `${gapCount} sampling gap${gapCount === 1 ? '' : 's'}, ${gapSeconds.toFixed(0)} s without samples`,
          detail: runs
            .filter((r) => r.gaps.count)
            .map((r) => `${r.scenario} #${r.repetition}: ${r.gaps.count} (${r.gaps.seconds.toFixed(0)} s)`)
            .join('; '),
        }
      : { id: 'gaps', level: 'ok', title: 'no sampling gaps', detail: 'Every node sampled through its whole window.' },
    overheadItem(runs, identities),
    orderItem(scenarios, completed),
    window !== null && window < THESIS.windowSeconds
      ? {
          id: 'window',
          level: 'warn',
          title: `window ${duration(window)}, shorter than the thesis’s ${duration(THESIS.windowSeconds)}`,
          detail:
            `Sampled every ${interval !== null ? duration(interval) : '—'} (thesis: every ${duration(THESIS.intervalSeconds)}): ` +
            `daily cycles and rare events are not covered.`,
        }
      : {
          id: 'window',
          level: window === null ? 'info' : 'ok',
          title: window === null ? 'window unknown' : `window ${duration(window)}, as long as the thesis’s`,
          detail: '',
        },
  ];
  const nodes = Array.isArray(facts?.nodes) ? (facts.nodes as { name?: string; instanceType?: string }[]) : [];
  const nodeTypes = [
    ...new Set(nodes.map((n) => (n.name && view.kwokNodes.includes(n.name) ? 'kwok' : n.instanceType)).filter((t): t is string => !!t)),
  ];
  const nodeCount =
    typeof facts?.nodeCount === 'number' ? facts.nodeCount : typeof facts?.nodes === 'number' ? facts.nodes : nodes.length || null;
  return {
    sentences: scenarioSentences(scenarios),
    trust,
    thisRun: { provider: view.provider ?? null, nodeCount, nodeTypes, windowSeconds: window, intervalSeconds: interval },
  };
}
