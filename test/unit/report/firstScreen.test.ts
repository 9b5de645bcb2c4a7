import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReportModel } from '../../../src/analysis/model';
import { buildTables, renderCharts, renderHtml, renderMarkdown } from '../../../src/report';
import { benchSections } from '../../../src/report/findingsSection';
import { parseKubeBenchJson } from '../../../src/tools/kubeBenchReport';
import { parseKubeHunterJson } from '../../../src/tools/kubeHunterReport';
import { fixtureExperimentWithTools } from '../analysis/support/fixtures';

const toolsDir = join(__dirname, '../../fixtures/tools');
const bench = parseKubeBenchJson(readFileSync(join(toolsDir, 'kube-bench-node.json'), 'utf8'), { mode: 'node', target: 'k8s-node-1' });
const hunter = parseKubeHunterJson(readFileSync(join(toolsDir, 'kube-hunter-remote.json'), 'utf8'), {
  mode: 'remote',
  target: '127.0.0.1',
});

describe('the report opens on the answer, the headline chart and the trust box, then the thesis, then tables', () => {
  const model = buildReportModel(fixtureExperimentWithTools(), { generatedAt: '2026-12-01T00:00:00Z' });
  let html: string;
  beforeAll(async () => {
    html = renderHtml(model, buildTables(model), await renderCharts(model));
  }, 60_000);

  it('report.html: sentences, headline SVGs with the thesis marks and the trust box come before the first table', () => {
    const at = (needle: string) => {
      const i = html.indexOf(needle);
      expect(i).toBeGreaterThan(0);
      return i;
    };
    const firstTable = at('<table');
    expect(at('id="answer"')).toBeLessThan(at('id="headline"'));
    expect(at('id="headline"')).toBeLessThan(at('id="trust"'));
    expect(at('id="trust"')).toBeLessThan(firstTable);
    expect(firstTable).toBeLessThan(at('id="setup"') + 400);
    const headline = html.slice(at('id="headline"'), at('id="trust"'));
    expect(headline.match(/<svg/g)).toHaveLength(2);
    for (const label of ['thesis 10', 'thesis 11.85', 'thesis 12.3', 'thesis 86.73', 'thesis 65.16', 'thesis 86.47'])
      expect(headline).toContain(`>${label}<`);
    for (const sentence of model.firstScreen.sentences) expect(html).toContain(sentence);
    // the over-time charts come before the first of the run tables
    expect(at('CPU and RAM over time')).toBeLessThan(at('id="mean-use"'));
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
    expect(html).toContain('prefers-color-scheme:dark');
    expect(html).toContain('@media print');
  });

  it('the trust box flags the KWOK test bed as one host and the thesis set-up stands beside this run', () => {
    const trust = html.slice(html.indexOf('id="trust"'), html.indexOf('</aside>'));
    expect(trust).toMatch(/<li class="trust-warn" data-trust="shared-host">.*nodes share one host: per-node figures are not independent/);
    expect(trust.match(/<li /g)).toHaveLength(6);
    const setup = html.slice(html.indexOf('id="setup"'), html.indexOf('id="thesis"'));
    expect(setup).toContain('<td>3 × kwok (local)</td><td>3 × Linode 2 GB</td>');
    expect(setup).toMatch(/<td>2 min at 1 s<\/td><td>24 h at 10 min<\/td>/);
    const thesis = html.slice(html.indexOf('id="thesis"'), html.indexOf('</section>', html.indexOf('id="thesis"')));
    expect(thesis).toContain('<td>security-tools</td><td>Boot, s</td>');
    expect(thesis).toContain('<td class="num">11.334</td>');
  });

  it("findings: kube-bench per section and failed checks with remediation, kube-hunter's vulnerabilities, collapsed and linked", () => {
    const detail = html.slice(html.indexOf('id="findings-detail"'), html.indexOf('id="findings"'));
    expect(detail.match(/<details>/g)).toHaveLength(2); // the two security-tools runs, closed
    expect(detail).not.toContain('<details open');
    const sections = benchSections(bench.findings);
    const sum = (k: 'PASS' | 'FAIL' | 'WARN') => sections.reduce((n, s) => n + s.counts[k], 0);
    expect([sum('PASS'), sum('FAIL'), sum('WARN')]).toEqual([bench.totals.pass, bench.totals.fail, bench.totals.warn]);
    expect(bench.totals.fail).toBeGreaterThan(0);
    expect(detail).toContain(
      `kube-bench ${bench.totals.pass} pass, ${bench.totals.fail} fail, ${bench.totals.warn} warn; kube-hunter ` +
        `${hunter.findings.length} vulnerabilit`,
    );
    const failed = bench.findings.filter((f) => f.status === 'FAIL');
    const firstRun = detail.slice(0, detail.indexOf('</details>'));
    for (const f of failed.slice(0, 5)) expect(firstRun).toContain(`<td>${f.id}</td>`);
    expect(firstRun).toContain('<h4>Failed checks</h4>');
    expect(hunter.findings.length).toBeGreaterThan(0);
    for (const v of hunter.findings) expect(firstRun).toContain(`<td>${v.id}</td>`);
    expect(firstRun).toContain('<a href="../security-tools/1/tools/kube-bench-node.raw.txt">');
    expect(firstRun).toContain('<a href="../security-tools/1/tools/kube-hunter-remote.findings.json">');
  });

  it('report.md has the same order', () => {
    const md = renderMarkdown(model, buildTables(model));
    const order = [
      '## What this run found',
      '## How far to trust this run',
      '## This run and the thesis',
      '## Figures beside the thesis',
      '## Mean resource use',
      '## Security findings',
    ];
    const positions = order.map((h) => md.indexOf(h));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(md).toContain('- **check: nodes share one host: per-node figures are not independent**');
    expect(md).toContain('| Nodes | 3 × kwok (local) | 3 × Linode 2 GB |');
  });
});
