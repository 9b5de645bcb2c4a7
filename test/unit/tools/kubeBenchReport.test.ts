import { ToolOutputError } from '../../../src/tools/findings';
import { parseKubeBenchJson } from '../../../src/tools/kubeBenchReport';
import { fixture } from './fixtures';

const context = { mode: 'node' as const, target: 'sim-node-1' };

function problemOf(raw: string): string {
  try {
    parseKubeBenchJson(raw, context);
  } catch (error) {
    expect(error).toBeInstanceOf(ToolOutputError);
    expect((error as ToolOutputError).tool).toBe('kube-bench');
    return (error as Error).message;
  }
  throw new Error('expected a ToolOutputError');
}

describe('kube-bench report recorded over SSH on a test bed node host', () => {
  const raw = fixture('kube-bench-node.json');
  const report = parseKubeBenchJson(raw, context);
  const recorded = JSON.parse(raw) as {
    Controls: { id: string; version: string; tests: { section: string; results: { test_number: string; status: string }[] | null }[] | null }[];
    Totals: Record<string, number>;
  };

  it('has one finding per result, with the totals kube-bench computed and no mismatch', () => {
    const results = recorded.Controls.flatMap((c) => (c.tests ?? []).flatMap((g) => g.results ?? []));
    expect(report.findings).toHaveLength(results.length);
    expect(report.totals).toEqual({
      pass: recorded.Totals.total_pass,
      fail: recorded.Totals.total_fail,
      warn: recorded.Totals.total_warn,
      info: recorded.Totals.total_info,
    });
    const byStatus = (s: string) => report.findings.filter((f) => f.status === s).length;
    expect(byStatus('PASS')).toBe(report.totals.pass);
    expect(byStatus('FAIL')).toBe(report.totals.fail);
    expect(byStatus('WARN')).toBe(report.totals.warn);
    expect(report.warnings).toEqual([]);
  });

  it('maps each result to the findings model with its section, status, scored flag and remediation', () => {
    const first = recorded.Controls[0]!.tests![0]!;
    const finding = report.findings[0]!;
    expect(finding).toMatchObject({ tool: 'kube-bench', mode: 'node', target: 'sim-node-1', id: first.results![0]!.test_number, section: first.section });
    expect(finding.title.length).toBeGreaterThan(0);
    expect(finding.description).toBe(finding.title);
    expect(typeof finding.scored).toBe('boolean');
    expect(report.findings.filter((f) => f.remediation).length).toBeGreaterThan(report.findings.length / 2);
    expect(report.benchmark).toBe(recorded.Controls[0]!.version);
    expect(report.controls.map((c) => c.id)).toEqual(recorded.Controls.map((c) => c.id));
  });

  it('saw the running kube-apiserver: flag-based API server checks decided PASS or FAIL from its command line', () => {
    const apiServerFlagChecks = report.findings.filter((f) => f.section === '1.2' && f.status !== 'WARN');
    expect(apiServerFlagChecks.length).toBeGreaterThan(5);
    expect(apiServerFlagChecks.some((f) => f.status === 'PASS')).toBe(true);
    // The test bed has no /etc/kubernetes/manifests: file permission checks legitimately fail.
    const manifestPermissions = report.findings.find((f) => f.id === '1.1.1')!;
    expect(manifestPermissions.status).toBe('FAIL');
  });
});

describe('malformed kube-bench output', () => {
  it('names truncation, with the size', () => {
    expect(problemOf(fixture('kube-bench-node.truncated.json'))).toMatch(/kube-bench output is invalid: the JSON is truncated: it ends after \d+ bytes/);
  });

  it('names log lines mixed into the report (recorded with stderr merged into stdout)', () => {
    expect(problemOf(fixture('kube-bench-node.stdout-stderr.txt'))).toMatch(/does not start with JSON|text follows the JSON/);
  });

  it('names empty output', () => {
    expect(problemOf('')).toMatch(/the output is empty/);
    expect(problemOf(' \n')).toMatch(/the output is empty/);
  });

  it('names the field when the shape is wrong', () => {
    expect(problemOf('{"controls": []}')).toMatch(/Controls: /);
    const raw = JSON.parse(fixture('kube-bench-node.json')) as { Controls: { tests: { results: { status: string }[] }[] }[] };
    raw.Controls[0]!.tests[0]!.results[0]!.status = 'SKIPPED';
    expect(problemOf(JSON.stringify(raw))).toMatch(/Controls\[0\]\.tests\[0\]\.results\[0\]\.status/);
  });

  it('refuses a report without any Controls instead of reporting zero findings', () => {
    expect(problemOf('{"Controls":[],"Totals":{"total_pass":0,"total_fail":0,"total_warn":0,"total_info":0}}')).toMatch(/no Controls/);
  });

  it('warns when Totals disagree with the results', () => {
    const raw = JSON.parse(fixture('kube-bench-node.json')) as { Totals: { total_fail: number } };
    raw.Totals.total_fail += 1;
    const report = parseKubeBenchJson(JSON.stringify(raw), context);
    expect(report.warnings.join()).toMatch(/Totals disagree with its results for fail/);
  });
});
