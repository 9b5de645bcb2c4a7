/**
 * The load phase over repetitions (issue 27): each latency metric and each admission controller's and webhook's
 * cost per scenario, its mean over completed repetitions with a 95 % CI, and the difference from the baseline with
 * its CI and Welch's test, as the CPU and memory figures are judged.
 */
import type { LoadAcrossMetric, ReportModel } from '../analysis/model/runData';
import { fmt, pValue, type Table } from './tableFormat';

const ciText = (lower: number | null | undefined, upper: number | null | undefined, digits: number) =>
  lower === null || lower === undefined ? '—' : `${fmt(lower, digits)} … ${fmt(upper, digits)}`;

/** Mean, its CI, the difference from baseline, its CI, Welch p, Mann-Whitney p, detectable: the cells both tables share. */
function comparisonCells(metric: LoadAcrossMetric, digits: number): string[] {
  const { ci, vsBaseline: c } = metric.across;
  return [
    String(ci.n),
    fmt(ci.mean, digits),
    ciText(ci.lower, ci.upper, digits),
    c ? fmt(c.difference, digits) : '',
    c ? ciText(c.welch?.lower, c.welch?.upper, digits) : '',
    c ? pValue(c.welch?.pValue) : '',
    c ? (c.mannWhitney?.pValue != null ? `${pValue(c.mannWhitney.pValue)} (${c.mannWhitney.method})` : '—') : '',
    c ? fmt(c.detectable.difference, digits) : '',
  ];
}
const SHARED_COLUMNS = ['n', 'Mean, ms', '95 % CI', 'Δ vs baseline, ms', 'Δ 95 % CI', 'Welch p', 'Mann-Whitney p', 'Detectable Δ, ms'];
const METHOD =
  'One value per completed repetition; 95 % CI from the t distribution, the difference from the baseline with Welch’s t-test ' +
  'and its 95 % CI, and Mann-Whitney U, as in “Over repetitions”; the smallest difference the repetitions detect at 80 % power, ' +
  'as in “What this run could have detected”.';

function rowsOf(model: ReportModel, groups: LoadAcrossMetric['group'][], cells: (s: string, m: LoadAcrossMetric) => string[]) {
  return model.scenarios.flatMap((s) => (s.load ?? []).filter((m) => groups.includes(m.group)).map((m) => cells(s.scenario, m)));
}

export function loadAcrossTables(model: ReportModel): Table[] {
  if (!model.scenarios.some((s) => s.load)) return [];
  const latency: Table = {
    id: 'load-repetitions',
    title: 'Load latencies over repetitions, and against the baseline',
    caption:
      'Each run’s quantile of its pod creates and deletes (as the client timed them), of its pods’ startup phases from creation ' +
      '(kube-burner’s podLatency; the API’s times, to the second), and of its pod creates as the API server timed them ' +
      '(apiserver_request_duration_seconds, mean and p99 estimated from the histogram’s buckets), and of the HTTP load’s ' +
      `expected answers and its error share (a percentage, not ms). ${METHOD}`,
    columns: ['Scenario', 'Metric', ...SHARED_COLUMNS],
    rows: rowsOf(model, ['api', 'startup', 'server', 'http'], (scenario, m) => [scenario, m.label, ...comparisonCells(m, 1)]),
  };
  const admission: Table = {
    id: 'admission',
    title: 'Admission cost per controller and webhook',
    caption:
      'The API server’s own histograms over the load window (the difference of two /metrics scrapes): ' +
      'apiserver_admission_controller_admission_duration_seconds per controller and ' +
      'apiserver_admission_webhook_admission_duration_seconds per webhook, every operation on the cluster in the window, not only ' +
      `the churn’s. Admissions: the mean count per run; the duration is the mean per admission. ${METHOD}`,
    columns: ['Scenario', 'Kind', 'Name', 'Admissions per run', ...SHARED_COLUMNS],
    rows: rowsOf(model, ['controller', 'webhook'], (scenario, m) => [
      scenario,
      m.group,
      m.key.slice(m.group.length + 1),
      fmt(m.countMean, 0),
      ...comparisonCells(m, 3),
    ]),
  };
  return [latency, admission];
}
