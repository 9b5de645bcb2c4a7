/**
 * The load phase's table (issue 27), only for runs that had one: the churn's achieved against offered rate, pod
 * create and delete latency as the client saw it, pod startup to Ready, Pod Security's admissions over the load, and
 * the HTTP load's rate, latency and errors.
 * Where the load ran is said, and what was not run or not achieved stands out.
 */
import { RATE_TOLERANCE } from '../analysis/load/offeredRate';
import type { HttpLoadData, LoadQuantiles, LoadRunData, ReportModel } from '../analysis/model/runData';
import { fmt, type Table } from './tableFormat';

const ms = (q: LoadQuantiles | undefined) => (q && q.n > 0 ? `${fmt(q.p50, 1)} / ${fmt(q.p95, 1)} / ${fmt(q.p99, 1)}` : '—');
const seconds = (q: LoadQuantiles | undefined) =>
  q && q.n > 0 ? `${fmt(q.p50 === null ? null : q.p50 / 1000, 1)} / ${fmt(q.p99 === null ? null : q.p99 / 1000, 1)}` : '—';

/** Startup to Ready over the pods that got there: those deleted first (a pod slower to start than its life) are said. */
function readySeconds(load: LoadRunData): string {
  const ready = load.readyMs;
  const pods = load.startupPods;
  if (!ready || pods === undefined || ready.n >= pods) return seconds(ready);
  return `${seconds(ready)} (${ready.n} of ${pods} pods; the rest deleted before Ready)`;
}

const httpErrors = (h: HttpLoadData) =>
  `${fmt(h.errorRate * 100, 1)} % (${h.errors} of ${h.due}); generator CPU ${fmt(h.generatorCpuSeconds, 2)} s ` +
  `(${h.runsOn === 'pod' ? 'in a load pod' : 'on the worker'})` +
  (h.errorSamples.length ? `; ${h.errorSamples.join('; ')}` : '');

/** Like the churn's: an HTTP rate the app did not answer at, or a load that began late, is said, never smoothed over. */
function httpRateMessage(h: HttpLoadData): string | undefined {
  const late = h.lateStartSeconds ?? 0;
  const planned = h.due + Math.round(late * h.offeredPerSecond);
  const lateStart = late >= 1 ? `HTTP load started ${fmt(late, 1)} s late: ${h.due} of ${planned} planned requests offered` : undefined;
  const answered = `${fmt(h.achievedPerSecond, 1)} of ${h.offeredPerSecond} per second answered as expected`;
  const short = h.achievedPerSecond < h.offeredPerSecond * (1 - RATE_TOLERANCE);
  return [lateStart, short ? `HTTP offered rate not achieved: ${answered}` : undefined].filter(Boolean).join('; ') || undefined;
}

export function loadTables(model: ReportModel): Table[] {
  const runs = model.scenarios.flatMap((s) => s.runs.filter((r) => r.load).map((r) => ({ scenario: s.scenario, run: r, load: r.load! })));
  if (runs.length === 0) return [];
  return [
    {
      id: 'load-phase',
      title: 'Load phase',
      caption:
        'Pod churn during the window, run on the worker (its CPU is the worker’s, not the nodes’): pods created per minute ' +
        'against the rate asked, each create and delete timed as the client saw it (p50 / p95 / p99, ms), pod startup from ' +
        'creation to Ready (p50 / p99, s, the API’s times to the second; pods deleted before Ready are counted, not timed), ' +
        'and what the PodSecurity admission controller judged over the load (every operation on the cluster, not only the ' +
        'churn’s), from the API server’s own metrics. The ' +
        'HTTP load, open-loop to the app’s Service, from the worker to its load-balancer address or from a load pod in the run’s ' +
        'namespace to its cluster address (each row says which, beside the generator’s CPU): answered requests per second ' +
        'against the rate asked, the expected answers’ latency (p50 / p95 / p99, ms), the errors (unexpected statuses, failures ' +
        'and requests not sent) and the generator’s own CPU.',
      columns: [
        ...['Scenario', 'Run', 'Pods/min (asked)', 'Creates, ms', 'Deletes, ms', 'Ready, s', 'PodSecurity admissions'],
        ...['HTTP req/s (asked)', 'HTTP, ms', 'HTTP errors', 'Notes'],
      ],
      rows: runs.map(({ scenario, run, load }) => [
        scenario,
        `#${run.repetition}`,
        load.achievedPerMinute === undefined ? '—' : `${fmt(load.achievedPerMinute, 1)} (${load.offeredPerMinute})`,
        ms(load.createMs),
        ms(load.deleteMs),
        readySeconds(load),
        load.podSecurity ? `${load.podSecurity.admissions} (mean ${fmt(load.podSecurity.meanMs, 2)} ms)` : '—',
        load.http ? `${fmt(load.http.achievedPerSecond, 1)} (${load.http.offeredPerSecond})` : '—',
        ms(load.http?.latencyMs),
        load.http ? httpErrors(load.http) : '—',
        [load.rateMessage, load.http && httpRateMessage(load.http), load.error, ...load.notRun].filter(Boolean).join('; ') || '—',
      ]),
      alert: /offered rate not achieved|s late:|not send|not sent|could not be read/,
    },
    ...engineTables(runs),
  ];
}

/**
 * The policy engine's own cost (issue 28), beside the attacks it denies (What it buys) and its webhook's admission
 * cost: each of its pods' CPU and working set on its node over the load window, as that node's kubelet measured it.
 */
function engineTables(runs: { scenario: string; run: { repetition: number }; load: LoadRunData }[]): Table[] {
  const withEngine = runs.filter((r) => r.load.engine);
  if (withEngine.length === 0) return [];
  return [
    {
      id: 'engine-cost',
      title: 'The policy engine’s own cost',
      caption:
        'The policy engine’s pods over the load window, on the nodes they ran on, read from each pod’s cgroup on its node ' +
        'through the worker’s node access (as the sampler): CPU as a share of one core (the cgroup’s CPU counter over the ' +
        'node’s own clock at the window’s edges) and the working set (usage less inactive file pages, mean of the two edges). ' +
        'The nodes carry it on top of the workload; the webhook’s share of admission time is in “Admission cost per ' +
        'controller and webhook”.',
      columns: ['Scenario', 'Run', 'Namespace', 'Pod', 'CPU, % of one core', 'Working set, MiB', 'Notes'],
      rows: withEngine.flatMap(({ scenario, run, load }) => {
        const engine = load.engine!;
        const notes = engine.error ?? '—';
        if (engine.pods.length === 0) return [[scenario, `#${run.repetition}`, engine.namespace || '—', '—', '—', '—', notes]];
        return engine.pods.map((pod) => [
          ...[scenario, `#${run.repetition}`, engine.namespace, `${pod.pod} on ${pod.node}`],
          ...[fmt(pod.cpuCores * 100, 2), fmt(pod.memoryMiB, 0), notes],
        ]);
      }),
      alert: /could not|only|gone|not running|did not advance/,
    },
  ];
}
