/**
 * A run's load phase as the report reads it (issue 27): the churn records of every attempt read back (streamed
 * gzip) into create, delete and startup quantiles, and each admission controller's and webhook's cost (and Pod
 * Security's admissions) from the two /metrics scrapes.
 */
import { readFile } from 'node:fs/promises';
import { POD_PHASES, podResourceCost, quantileSummary, type HistogramWindow, type PodPhase } from '../analysis/load';
import type { PodResourceScrape, QuantileSummary } from '../analysis/load';
import { readChurnRecord } from '../analysis/load/churnRecordFile';
import type { AdmissionFigure, EnginePodsData, LoadQuantiles, LoadRunData } from '../analysis/model/runData';
import type { LoadPhaseRecord } from '../domain/loadContracts';
import type { ArtifactStore } from '../store/artifactStore';
import { admissionWindowCost } from './apiMetrics';

const quantiles = ({ n, p50, p95, p99 }: QuantileSummary): LoadQuantiles => ({ n, p50, p95, p99 });
const ms = (seconds: number | null) => (seconds === null ? null : seconds * 1000);

/** A histogram's window in milliseconds, named by its `name` label (the pod-create histogram has none). */
function inMilliseconds(window: HistogramWindow): AdmissionFigure {
  const { p50, p95, p99 } = window.quantiles;
  const name = window.labels.name || 'pod create';
  return { name, count: window.count, meanMs: ms(window.mean), p50Ms: ms(p50), p95Ms: ms(p95), p99Ms: ms(p99) };
}

export async function loadRunData(store: ArtifactStore, key: string, load: LoadPhaseRecord): Promise<LoadRunData> {
  const data: LoadRunData = { notRun: [...load.notRun], ...(load.churnRunsOn ? { churnRunsOn: load.churnRunsOn } : {}) };
  const errors = load.error ? [load.error] : [];
  const churn = load.churn;
  if (churn) {
    data.offeredPerMinute = churn.offeredPerMinute;
    data.achievedPerMinute = churn.achievedPerMinute;
    if (churn.rateMessage) data.rateMessage = churn.rateMessage;
    const creates: number[] = [];
    const deletes: number[] = [];
    const startup = Object.fromEntries(POD_PHASES.map(({ phase }) => [phase, [] as number[]])) as Record<PodPhase, number[]>;
    let startupPods = 0;
    try {
      for (const file of churn.records) {
        const record = await readChurnRecord(store.resolve(key, file));
        creates.push(...record.creates.ms);
        deletes.push(...record.deletes.ms);
        for (const { phase } of POD_PHASES) startup[phase].push(...record.startup[phase]);
        startupPods += record.startup.pods;
      }
      data.createMs = quantiles(quantileSummary(creates));
      data.deleteMs = quantiles(quantileSummary(deletes));
      data.startupMs = Object.fromEntries(POD_PHASES.map(({ phase }) => [phase, quantiles(quantileSummary(startup[phase]))]));
      data.readyMs = data.startupMs.ready;
      data.startupPods = startupPods;
    } catch (err) {
      errors.push(`the churn record could not be read: ${(err as Error).message}`);
    }
  }
  const http = load.http;
  if (http) {
    data.http = {
      ...{ runsOn: http.runsOn ?? ('worker' as const), requestSet: http.requestSet, offeredPerSecond: http.offeredPerSecond },
      ...{ achievedPerSecond: http.achievedPerSecond, latencyMs: quantiles(http.latencyMs), errorRate: http.errorRate },
      ...{ errors: http.errors, due: http.due, generatorCpuSeconds: http.cpu.seconds, errorSamples: http.errorSamples },
      ...(http.lateStartMs === undefined ? {} : { lateStartSeconds: http.lateStartMs / 1000 }),
    };
  }
  const { start, end } = load.metrics;
  if (start && end) {
    try {
      const text = (file: string) => readFile(store.resolve(key, file), 'utf8');
      const cost = admissionWindowCost(await text(start.file), await text(end.file), { before: start.file, after: end.file });
      const podSecurity = cost.controllers.find((c) => c.labels.name === 'PodSecurity');
      const meanMs = podSecurity?.mean == null ? null : podSecurity.mean * 1000;
      if (podSecurity) data.podSecurity = { admissions: podSecurity.count, meanMs };
      data.admission = {
        controllers: cost.controllers.map(inMilliseconds),
        // The API server keeps a webhook's series after its configuration is gone: one that judged nothing in this
        // window (an earlier scenario's engine) is not this run's.
        webhooks: cost.webhooks.filter((w) => w.count > 0).map(inMilliseconds),
        podCreates: cost.podCreates[0] ? inMilliseconds(cost.podCreates[0]) : null,
      };
    } catch (err) {
      errors.push(`the API server's metrics could not be read: ${(err as Error).message}`);
    }
  }
  const engine = await engineCost(store, key, load);
  if (engine) data.engine = engine;
  if (errors.length > 0) data.error = errors.join('; ');
  return data;
}

/** The policy engine's pods over the load window, from the two edges' kubelet readings (when it ran). */
async function engineCost(store: ArtifactStore, key: string, load: LoadPhaseRecord): Promise<EnginePodsData | undefined> {
  const files = [load.metrics.start?.enginePods, load.metrics.end?.enginePods];
  if (files.every((file) => file === undefined)) return undefined;
  try {
    const [start, end] = await Promise.all(
      files.map(async (file) => (file ? (JSON.parse(await readFile(store.resolve(key, file), 'utf8')) as PodResourceScrape) : undefined)),
    );
    const namespace = (start ?? end)!.namespace;
    if (!start || !end) return { namespace, pods: [], error: `its pods were read at the window's ${start ? 'start' : 'end'} only` };
    const { pods, missing } = podResourceCost(start, end);
    const problems = [...new Set([...start.errors, ...end.errors])].concat(missing);
    return { namespace, pods, ...(problems.length ? { error: problems.join('; ') } : {}) };
  } catch (err) {
    return { namespace: '', pods: [], error: `the engine's pod readings could not be read: ${(err as Error).message}` };
  }
}
