/**
 * The load phase over repetitions (issue 27): each run's latency quantiles and admission costs become one value per
 * repetition, with a CI over repetitions and the difference from baseline with its CI and Welch's test. The
 * reference figures are R's (Rscript, R 4.x):
 *   base <- c(12.1, 13.4, 11.8); bp <- c(15.2, 17.9, 16.3); t.test(bp, base); t.test(bp)$conf.int; wilcox.test(bp, base)
 *   t.test(c(0.05, 0.061, 0.048), c(0.010, 0.012, 0.011)); t.test(c(0.05, 0.061, 0.048))$conf.int
 */
import { buildReportModel } from '../../../../src/analysis/model/build';
import { buildTables, renderHtml } from '../../../../src/report';
import { fixtureExperiment } from '../support/fixtures';
import { loadExperiment } from '../support/loadFixture';

const metric = (model: ReturnType<typeof buildReportModel>, scenario: string, key: string) =>
  model.scenarios.find((s) => s.scenario === scenario)!.load!.find((m) => m.key === key)!;

it('pod create p99: the CI over repetitions and the difference from baseline with its CI and Welch p agree with R', () => {
  const model = buildReportModel(loadExperiment());
  const hardened = metric(model, 'best-practices', 'create.p99').across;
  expect(hardened.values).toEqual([15.2, 17.9, 16.3]);
  expect(hardened.ci.lower!).toBeCloseTo(13.0939674931, 8);
  expect(hardened.ci.upper!).toBeCloseTo(19.8393658402, 8);
  const c = hardened.vsBaseline!;
  expect(c.difference!).toBeCloseTo(4.0333333333333, 10);
  expect(c.welch!.lower).toBeCloseTo(1.260385322501, 8);
  expect(c.welch!.upper).toBeCloseTo(6.8062813441656, 8);
  expect(c.welch!.pValue).toBeCloseTo(0.0175899747964, 10);
  expect(c.mannWhitney!.pValue).toBeCloseTo(0.1, 10);
  expect(metric(model, 'baseline', 'create.p99').across.vsBaseline).toBeNull();
});

it('admission cost per controller and webhook, against the baseline; a webhook only one scenario has is not compared', () => {
  const model = buildReportModel(loadExperiment());
  const podSecurity = metric(model, 'best-practices', 'controller.PodSecurity');
  expect(podSecurity).toMatchObject({ group: 'controller', label: 'admission controller PodSecurity, mean', countMean: 121 });
  expect(podSecurity.across.vsBaseline!.welch!.lower).toBeCloseTo(0.02507811996894, 10);
  expect(podSecurity.across.vsBaseline!.welch!.upper).toBeCloseTo(0.05892188003106, 10);
  expect(podSecurity.across.vsBaseline!.welch!.pValue).toBeCloseTo(0.00812286547239, 10);
  const webhook = metric(model, 'best-practices', 'webhook.validate.policy.example');
  expect(webhook.across.ci.n).toBe(3);
  expect(webhook.across.vsBaseline).toMatchObject({ baselineN: 0, scenarioN: 3, difference: null, welch: null });
  expect(model.scenarios[0]!.load!.some((m) => m.key.startsWith('webhook.'))).toBe(false);
  // The startup phase reads readyMs where an older record has only that.
  expect(metric(model, 'baseline', 'startup.ready.p99').across.values).toEqual([2000, 3000, 2000]);
  expect(metric(model, 'baseline', 'server.create.mean').across.values).toEqual([4, 5, 6]);
  // The HTTP load's quantiles and error share, against the baseline's.
  expect(metric(model, 'best-practices', 'http.p99').across.vsBaseline!.difference).toBeCloseTo(2, 10);
  expect(metric(model, 'best-practices', 'http.errorPercent').across.values.map((v) => +v.toFixed(6))).toEqual([0, 0.166667, 0.333333]);
});

it('the report tables each metric and each controller, and the first screen adds the load to each sentence', () => {
  const model = buildReportModel(loadExperiment());
  const tables = buildTables(model);
  const latency = tables.find((t) => t.id === 'load-repetitions')!;
  const createRow = latency.rows.find((r) => r[0] === 'best-practices' && r[1] === 'pod create p99')!;
  expect(createRow.slice(2)).toEqual(['3', '16.5', '13.1 … 19.8', '4.0', '1.3 … 6.8', '0.0176', '0.1000 (exact)', '3.7']);
  const admission = tables.find((t) => t.id === 'admission')!;
  const podSecurityRow = admission.rows.find((r) => r[0] === 'best-practices' && r[2] === 'PodSecurity')!;
  // R: t.test(c(0.05, 0.061, 0.048))$conf.int is 0.03561 … 0.07039.
  const expected = ['controller', 'PodSecurity', '121', '3', '0.053', '0.036 … 0.070', '0.042', '0.025 … 0.059', '0.0081'];
  expect(podSecurityRow.slice(1, 10)).toEqual(expected);
  const webhookRows = admission.rows.filter((r) => r[1] === 'webhook').map((r) => [r[0], r[2]]);
  expect(webhookRows).toEqual([['best-practices', 'validate.policy.example']]);
  const [baseline, hardened] = model.firstScreen.sentences;
  const baselineLoad = ' Under load its pod creates took 12.4 ms and its pods were Ready in 2.3 s at p99 (mean over repetitions).';
  expect(baseline!.endsWith(baselineLoad)).toBe(true);
  // R: t.test(c(3000, 3000, 4000), c(2000, 3000, 2000)): −308.8 … 2308.8 ms, p = 0.1012.
  const load =
    '; under load, pod creates p99 +4.0 ms (95 % CI 1.3–6.8, p = 0.018), pod startup p99 +1.0 s (95 % CI −0.3 to 2.3, p = 0.101).';
  expect(hardened!.endsWith(load)).toBe(true);
});

it('runs without a load phase have no load figures and no load tables', () => {
  const model = buildReportModel(fixtureExperiment());
  expect(model.scenarios.every((s) => s.load === undefined)).toBe(true);
  expect(buildTables(model).some((t) => ['load-repetitions', 'admission'].includes(t.id))).toBe(false);
});

it('what the run could have detected: per headline metric and scenario in the report, the largest on the first screen', () => {
  const model = buildReportModel(loadExperiment());
  const table = buildTables(model).find((t) => t.id === 'detectable')!;
  // R: s1 <- sd(bp); s2 <- sd(base); se <- sqrt(s1^2/3 + s2^2/3); df <- (s1^2/3 + s2^2/3)^2 / ((s1^2/3)^2/2 + (s2^2/3)^2/2)
  //    (qt(0.975, df) + qt(0.8, df)) * se   # 3.662863062210 (df 3.36; sd 1.357694, 0.850490)
  const create = table.rows.find((r) => r[0] === 'best-practices' && r[1] === 'pod create p99')!;
  expect(create).toEqual(['best-practices', 'pod create p99', '3 (3)', '1.4 ms', '0.9 ms', '3.7 ms', '4.0 ms']);
  expect(table.rows.map((r) => r[1])).toEqual([
    'CPU used, mean of node means',
    '%memused, mean of node means',
    'pod create p99',
    'pod startup to Ready p99',
  ]);
  const item = model.firstScreen.trust.find((t) => t.id === 'repetitions')!;
  expect(item).toMatchObject({ level: 'ok', title: '3 completed repetitions per scenario' });
  const atLeast = / At 80 % power they detect a difference from baseline of at least: CPU used, mean of node means [\d.]+ points, /;
  expect(item.detail).toMatch(atLeast);
  expect(item.detail).toContain(', pod create p99 3.7 ms, pod startup to Ready p99 ');
  // The load phase's tables are on the HTML page too, not only in report.md.
  const html = renderHtml(model, buildTables(model), []);
  for (const id of ['detectable', 'load-phase', 'load-repetitions', 'admission']) {
    expect(html).toContain(`<section id="${id}" class="page">`);
  }
});

it('one repetition: what the run could detect cannot be estimated, and the report says why', () => {
  const data = loadExperiment();
  const model = buildReportModel({ ...data, scenarios: data.scenarios.filter((r) => r.repetition === 1) });
  expect(model.firstScreen.trust.find((t) => t.id === 'repetitions')!.detail).not.toContain('80 % power');
  const create = buildTables(model).find((t) => t.id === 'detectable')!.rows.find((r) => r[1] === 'pod create p99')!;
  expect(create.slice(2)).toEqual(['1 (1)', '—', '—', '— (needs at least 2 repetitions of each scenario)', '3.1 ms']);
});
