/**
 * A run's load phase as the report reads it (issue 27): the churn records of every attempt read back into
 * quantiles, Pod Security's admissions from two real /metrics scrapes of a KWOK bed, the report's table, and a
 * note for each shortfall (a rate not achieved, a load not sent).
 */
import { readFileSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { admissionCost, parsePromText, quantileSummary } from '../../../src/analysis/load';
import { ChurnRecordWriter } from '../../../src/analysis/load/churnRecordFile';
import { buildReportModel } from '../../../src/analysis/model/build';
import { validateScenarioRunData } from '../../../src/analysis/model/experimentData';
import type { LoadPhaseRecord } from '../../../src/domain/loadContracts';
import { loadRunData } from '../../../src/load/loadSummary';
import { buildTables } from '../../../src/report';
import { ArtifactStore } from '../../../src/store/artifactStore';
import { fixtureExperiment } from '../analysis/support/fixtures';
import { tempDir } from '../../support/tempDir';

const fixtures = path.join(__dirname, '../../fixtures/load');

/** Each pod's create, startup and delete; the pods in `deletedFirst` never got to Ready. */
async function writeAttempt(store: ArtifactStore, file: string, from: number, pods: number, deletedFirst: number[] = []): Promise<void> {
  await mkdir(path.dirname(store.resolve('run', file)), { recursive: true });
  const writer = await ChurnRecordWriter.open(store.resolve('run', file), { offeredPerMinute: 60, startMs: 0, maxEvents: 3 * pods });
  for (let i = from; i < from + pods; i++) {
    await writer.write({ e: 'create', pod: `hardenlab-churn-${i}`, at: i * 1000, ms: 10 + i, ok: true });
    const ready = deletedFirst.includes(i) ? {} : { ready: 1000 + 100 * i };
    await writer.write({ e: 'startup', pod: `hardenlab-churn-${i}`, created: i * 1000, scheduled: 0, ...ready });
    await writer.write({ e: 'delete', pod: `hardenlab-churn-${i}`, at: i * 1000 + 5000, ms: 5, ok: true });
  }
  await writer.close(60_000);
}

function phase(): LoadPhaseRecord {
  const metrics = (edge: string) => ({ file: `load/apiserver-metrics.${edge}.txt`, at: 0, lines: 1 });
  return {
    churnRunsOn: 'worker',
    churn: {
      ...{ offeredPerMinute: 60, achievedPerMinute: 50, rateMessage: 'offered rate not achieved: 50 of 60 per minute' },
      ...{ nextIndex: 60, due: 60, created: 50, createFailed: 0, deleted: 50, deleteFailed: 0, skippedBusy: 0, missed: 10, startups: 50 },
      ...{ maxLagMs: 3, records: ['load/churn.attempt-1.jsonl.gz', 'load/churn.attempt-2.jsonl.gz'], workerCpuSeconds: 0.5 },
    },
    metrics: { start: metrics('start'), end: metrics('end') },
    notRun: ['http: this release does not send the HTTP load yet'],
    httpRunsOn: 'worker',
    http: {
      ...{ offeredPerSecond: 10, achievedPerSecond: 9, due: 600, sent: 590, ok: 540, errors: 60, errorRate: 0.1, skippedBusy: 10 },
      latencyMs: { n: 540, p50: 2, p95: 8, p99: 20, max: 31, mean: 3 },
      ...{ maxLagMs: 4, cpu: { seconds: 1.5, shareOfOneCore: 0.025 }, errorSamples: ['GET /: HTTP 503'] },
      ...{ requestSet: 'front-page', target: 'http://127.0.0.1:8080', lateStartMs: 12_000 },
    },
  };
}

it('reads every attempt into quantiles and Pod Security from the scrapes; the report tables it and notes each shortfall', async () => {
  const store = new ArtifactStore(await tempDir('hardenlab-load-summary-'));
  await writeAttempt(store, 'load/churn.attempt-1.jsonl.gz', 0, 20);
  // The load's end deleted its last two pods before they were Ready.
  await writeAttempt(store, 'load/churn.attempt-2.jsonl.gz', 30, 30, [58, 59]);
  for (const [edge, fixture] of [['start', 'before'], ['end', 'after']]) {
    const target = store.resolve('run', `load/apiserver-metrics.${edge}.txt`);
    await copyFile(path.join(fixtures, `kwok-apiserver-metrics.${fixture}.txt`), target);
  }
  const data = await loadRunData(store, 'run', phase());

  const indexes = [...Array.from({ length: 20 }, (_, i) => i), ...Array.from({ length: 30 }, (_, i) => 30 + i)];
  const creates = quantileSummary(indexes.map((i) => 10 + i));
  expect(data.createMs).toEqual({ n: 50, p50: creates.p50, p95: creates.p95, p99: creates.p99 });
  expect(data.deleteMs).toMatchObject({ n: 50, p50: 5, p99: 5 });
  const readyIndexes = indexes.filter((i) => i < 58);
  expect(data.readyMs).toMatchObject({ n: 48, p50: quantileSummary(readyIndexes.map((i) => 1000 + 100 * i)).p50 });
  expect(data.startupPods).toBe(50);
  const text = (name: string) => parsePromText(readFileSync(path.join(fixtures, name), 'utf8'));
  const direct = admissionCost(text('kwok-apiserver-metrics.before.txt'), text('kwok-apiserver-metrics.after.txt'));
  const podSecurity = direct.controllers.find((c) => c.labels.name === 'PodSecurity')!;
  expect(data.podSecurity).toEqual({ admissions: podSecurity.count, meanMs: podSecurity.mean! * 1000 });
  expect(data.podSecurity!.admissions).toBeGreaterThan(0);
  // Every controller and webhook the scrapes saw, in milliseconds, and the API server's own pod-create timing.
  const inMs = (s: number | null) => (s === null ? null : s * 1000);
  expect(data.admission!.controllers).toEqual(
    direct.controllers.map((c) => ({ name: c.labels.name, count: c.count, meanMs: inMs(c.mean), p50Ms: inMs(c.quantiles.p50),
      p95Ms: inMs(c.quantiles.p95), p99Ms: inMs(c.quantiles.p99) })),
  );
  expect(data.admission!.controllers.length).toBeGreaterThan(3);
  expect(data.admission!.webhooks).toHaveLength(direct.webhooks.length);
  expect(data.admission!.podCreates).toMatchObject({ name: 'pod create', count: direct.podCreates[0]!.count });
  expect(data.startupMs!.scheduled).toMatchObject({ n: 50, p50: 0, p99: 0 });
  expect(data.startupMs!.initialized).toEqual({ n: 0, p50: null, p95: null, p99: null });
  expect(data.readyMs).toEqual(data.startupMs!.ready);
  expect(data.error).toBeUndefined();

  // Through scenario-data.json's schema into the report.
  const experiment = fixtureExperiment();
  const run = experiment.scenarios[0]!;
  experiment.scenarios[0] = validateScenarioRunData(JSON.parse(JSON.stringify({ ...run, load: data })), 'scenario-data.json');
  const model = buildReportModel(experiment);
  const table = buildTables(model).find((t) => t.id === 'load-phase')!;
  expect(table.rows).toHaveLength(1);
  const row = table.rows[0]!;
  expect(row.slice(0, 3)).toEqual([run.scenario, `#${run.repetition}`, '50.0 (60)']);
  expect(row[5]).toMatch(/^\d+\.\d \/ \d+\.\d \(48 of 50 pods; the rest deleted before Ready\)$/);
  expect(row[6]).toBe(`${podSecurity.count} (mean ${(podSecurity.mean! * 1000).toFixed(2)} ms)`);
  expect(row.slice(7, 10)).toEqual([
    ...['9.0 (10)', '2.0 / 8.0 / 20.0'],
    '10.0 % (60 of 600); generator CPU 1.50 s (on the worker); GET /: HTTP 503',
  ]);
  expect(row[10]).toBe(
    'offered rate not achieved: 50 of 60 per minute; HTTP load started 12.0 s late: 600 of 720 planned requests offered; ' +
      'HTTP offered rate not achieved: 9.0 of 10 per second answered as expected; http: this release does not send the HTTP load yet',
  );
  expect(table.alert!.test(row[10]!)).toBe(true);
  expect(table.alert!.test('HTTP load started 1.2 s late: 94 of 100 planned requests offered')).toBe(true);
  expect(data.http).toEqual({
    ...{ runsOn: 'worker', requestSet: 'front-page', offeredPerSecond: 10, achievedPerSecond: 9, errorRate: 0.1, errors: 60 },
    ...{ due: 600, generatorCpuSeconds: 1.5, errorSamples: ['GET /: HTTP 503'], lateStartSeconds: 12 },
    latencyMs: { n: 540, p50: 2, p95: 8, p99: 20 },
  });
  expect(model.notes).toEqual(
    expect.arrayContaining([
      `${run.scenario} #${run.repetition}: load phase: offered rate not achieved: 50 of 60 per minute.`,
      `${run.scenario} #${run.repetition}: load phase: http: this release does not send the HTTP load yet.`,
    ]),
  );
  // Runs without a load phase have no such table.
  expect(buildTables(buildReportModel(fixtureExperiment())).some((t) => t.id === 'load-phase')).toBe(false);
});

it('a record that cannot be read is the load’s error, naming the file, not a failed report', async () => {
  const store = new ArtifactStore(await tempDir('hardenlab-load-summary-'));
  const data = await loadRunData(store, 'run', { ...phase(), metrics: {} });
  expect(data.error).toMatch(/^the churn record could not be read: .*churn\.attempt-1\.jsonl\.gz/);
  expect(data.createMs).toBeUndefined();
});
