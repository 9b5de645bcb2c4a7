/**
 * What a Prometheus histogram recorded between two scrapes: the per-bucket increase, grouped by chosen
 * labels, with count, sum, mean and quantiles estimated from the buckets as PromQL's histogram_quantile()
 * does (linear within a bucket; the highest finite bound when the rank falls in +Inf).
 */
import type { PromSample, PromScrape } from './promText';

export interface HistogramWindow {
  /** The grouping labels' values (absent labels as ''). */
  labels: Record<string, string>;
  count: number;
  sum: number;
  /** sum / count; null without observations. */
  mean: number | null;
  quantiles: { p50: number | null; p95: number | null; p99: number | null };
  /** Series whose counters went down between the scrapes (a restart): their after-values are the increase. */
  resets: number;
}

export interface HistogramQuery {
  /** Only series whose labels have these values ('' matches an absent label). */
  where?: Record<string, string>;
  /** Group (and sum) series by these labels; none: one group. */
  by: string[];
}

interface Series {
  labels: Record<string, string>;
  /** Cumulative counts by upper bound, ascending, +Inf last. */
  buckets: Map<number, number>;
  sum: number;
  count: number;
}

const labelKey = (labels: Record<string, string>, skip?: string) =>
  JSON.stringify(Object.keys(labels).filter((k) => k !== skip).sort().map((k) => [k, labels[k]]));

function seriesOf(scrape: PromScrape, family: string, where: Record<string, string>): Map<string, Series> {
  const series = new Map<string, Series>();
  const matches = (s: PromSample) => Object.entries(where).every(([k, v]) => (s.labels[k] ?? '') === v);
  const entry = (s: PromSample) => {
    const key = labelKey(s.labels, 'le');
    let found = series.get(key);
    if (!found) {
      const labels = { ...s.labels };
      delete labels.le;
      found = { labels, buckets: new Map(), sum: 0, count: 0 };
      series.set(key, found);
    }
    return found;
  };
  for (const s of scrape.samples) {
    if (!s.name.startsWith(family) || !matches(s)) continue;
    const suffix = s.name.slice(family.length);
    if (suffix === '_bucket') {
      const le = s.labels.le === undefined ? NaN : s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      if (Number.isNaN(le)) throw new Error(`${family}_bucket ${labelKey(s.labels)}: le "${s.labels.le}" is not a bound`);
      entry(s).buckets.set(le, s.value);
    } else if (suffix === '_sum') entry(s).sum = s.value;
    else if (suffix === '_count') entry(s).count = s.value;
  }
  return series;
}

/** The increase of one series; after-values alone when a counter went down (the process restarted). */
function increase(after: Series, before: Series | undefined): { series: Series; reset: boolean } {
  if (!before) return { series: after, reset: false };
  const reset = after.count < before.count || [...after.buckets].some(([le, v]) => v < (before.buckets.get(le) ?? 0));
  if (reset) return { series: after, reset };
  const buckets = new Map([...after.buckets].map(([le, v]) => [le, v - (before.buckets.get(le) ?? 0)]));
  return { series: { labels: after.labels, buckets, sum: after.sum - before.sum, count: after.count - before.count }, reset };
}

/** PromQL's histogram_quantile over cumulative buckets (ascending bounds, +Inf last); null when empty. */
export function bucketQuantile(q: number, buckets: ReadonlyArray<readonly [number, number]>): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0 || buckets.at(-1)![0] !== Infinity) return null;
  const rank = q * total;
  let index = buckets.findIndex(([, cumulative]) => cumulative >= rank);
  if (index < 0) index = buckets.length - 1;
  if (index === buckets.length - 1) return buckets.length > 1 ? buckets[buckets.length - 2]![0] : null;
  const [upper, cumulative] = buckets[index]!;
  const [lower, below] = index === 0 ? [0, 0] : buckets[index - 1]!;
  if (index === 0 && upper <= 0) return upper;
  const inBucket = cumulative - below;
  return inBucket === 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket);
}

/** Per group, what `family` recorded between `before` and `after`. Groups ordered by their label values. */
export function histogramWindow(before: PromScrape, after: PromScrape, family: string, query: HistogramQuery): HistogramWindow[] {
  const where = query.where ?? {};
  const old = seriesOf(before, family, where);
  const groups = new Map<string, Series & { resets: number }>();
  for (const [key, series] of seriesOf(after, family, where)) {
    const { series: inc, reset } = increase(series, old.get(key));
    const labels = Object.fromEntries(query.by.map((k) => [k, series.labels[k] ?? '']));
    const groupKey = JSON.stringify(query.by.map((k) => labels[k]));
    let group = groups.get(groupKey);
    if (!group) {
      group = { labels, buckets: new Map([...inc.buckets].map(([le]) => [le, 0])), sum: 0, count: 0, resets: 0 };
      groups.set(groupKey, group);
    }
    const bounds = [...inc.buckets.keys()];
    if (bounds.length !== group.buckets.size || bounds.some((le) => !group.buckets.has(le))) {
      throw new Error(`${family} ${key}: its buckets differ from the other series of group ${groupKey}; they cannot be summed`);
    }
    for (const [le, v] of inc.buckets) group.buckets.set(le, group.buckets.get(le)! + v);
    group.sum += inc.sum;
    group.count += inc.count;
    if (reset) group.resets++;
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => {
      const cumulative = [...g.buckets].sort(([a], [b]) => a - b);
      const q = (p: number) => bucketQuantile(p, cumulative);
      return {
        labels: g.labels,
        count: g.count,
        sum: g.sum,
        mean: g.count > 0 ? g.sum / g.count : null,
        quantiles: { p50: q(0.5), p95: q(0.95), p99: q(0.99) },
        resets: g.resets,
      };
    });
}

export const ADMISSION_CONTROLLER_FAMILY = 'apiserver_admission_controller_admission_duration_seconds';
export const ADMISSION_WEBHOOK_FAMILY = 'apiserver_admission_webhook_admission_duration_seconds';
export const REQUEST_DURATION_FAMILY = 'apiserver_request_duration_seconds';

export interface AdmissionCost {
  /** Per admission controller (name), over every operation, type and outcome. */
  controllers: HistogramWindow[];
  /** Per webhook (name). */
  webhooks: HistogramWindow[];
  /** Pod creates as the API server timed them (POST on pods, no subresource). */
  podCreates: HistogramWindow[];
}

/** The admission figures issue 27 asks for, from two scrapes of the API server's /metrics. */
export function admissionCost(before: PromScrape, after: PromScrape): AdmissionCost {
  return {
    controllers: histogramWindow(before, after, ADMISSION_CONTROLLER_FAMILY, { by: ['name'] }),
    webhooks: histogramWindow(before, after, ADMISSION_WEBHOOK_FAMILY, { by: ['name'] }),
    podCreates: histogramWindow(before, after, REQUEST_DURATION_FAMILY, {
      where: { verb: 'POST', resource: 'pods', subresource: '' },
      by: [],
    }),
  };
}
