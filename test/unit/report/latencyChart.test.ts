/**
 * Under load the first screen shows each scenario's latency quantiles with their CIs beside its sentences (issue 27).
 * The fixture's pod create p99 over three repetitions is R's: t.test(c(15.2, 17.9, 16.3))$conf.int for best-practices.
 */
import { buildReportModel } from '../../../src/analysis/model';
import { buildTables, LATENCY_CHARTS, latencyPoints, latencySpec, renderCharts, renderHtml } from '../../../src/report';
import { fixtureExperiment } from '../analysis/support/fixtures';
import { loadExperiment } from '../analysis/support/loadFixture';

const [creates, startup, http] = LATENCY_CHARTS;

describe('the latency chart', () => {
  const model = buildReportModel(loadExperiment(), { generatedAt: '2026-12-07T00:00:00Z' });

  it('has each scenario’s three quantiles: the mean over repetitions and its 95 % CI', () => {
    const p99 = latencyPoints(model, creates).filter((p) => p.quantile === 'p99');
    expect(p99.map((p) => p.scenario)).toEqual(['baseline', 'best-practices']);
    const hardened = p99[1]!;
    expect(hardened.mean).toBeCloseTo(16.4666666667, 8);
    expect(hardened.lower!).toBeCloseTo(13.0939674931, 8);
    expect(hardened.upper!).toBeCloseTo(19.8393658402, 8);
    expect(hardened.n).toBe(3);
    expect(latencyPoints(model, creates).map((p) => p.quantile)).toEqual(['p50', 'p95', 'p99', 'p50', 'p95', 'p99']);
  });

  it('shows startup in seconds', () => {
    // Ready p99 of best-practices: 3000, 3000, 4000 ms.
    const p99 = latencyPoints(model, startup).find((p) => p.scenario === 'best-practices' && p.quantile === 'p99')!;
    expect(p99.mean).toBeCloseTo(10 / 3, 10);
    expect(latencySpec(model, startup)).toMatchObject({ title: { text: 'Pod startup, created to Ready' } });
  });

  it('stands on the first screen, before the trust box, one SVG per latency', async () => {
    const html = renderHtml(model, buildTables(model), await renderCharts(model));
    const figure = html.slice(html.indexOf('<figure id="latency"'), html.indexOf('id="trust"'));
    expect(html.indexOf('<figure id="headline"')).toBeLessThan(html.indexOf('<figure id="latency"'));
    expect(figure.match(/<svg/g)).toHaveLength(3);
    for (const chart of [creates, startup, http]) expect(figure).toContain(chart.title);
  }, 60_000);

  it('is absent from an idle experiment’s report', async () => {
    const idle = buildReportModel(fixtureExperiment(), { generatedAt: '2026-12-07T00:00:00Z' });
    expect(latencySpec(idle, creates)).toBeUndefined();
    const html = renderHtml(idle, buildTables(idle), await renderCharts(idle));
    expect(html).not.toContain('id="latency"');
  }, 60_000);
});
