import { ToolOutputError } from '../../../src/tools/findings';
import { parseTrivyComplianceJson, parseTrivyMisconfigJson } from '../../../src/tools/trivyReport';
import { fixture } from './fixtures';

const target = '127.0.0.1';

describe('Trivy misconfiguration report (recorded from the test bed)', () => {
  const raw = fixture('trivy-misconfig.json');
  const report = parseTrivyMisconfigJson(raw, { target });
  const json = JSON.parse(raw) as {
    Resources: { Kind: string; Namespace?: string; Name: string; Results?: { Misconfigurations?: { ID: string; Status: string }[] }[] }[];
  };

  it('has one finding per failed check of each resource, named by the resource', () => {
    const failedInJson = json.Resources.flatMap((r) =>
      (r.Results ?? []).flatMap((x) => (x.Misconfigurations ?? []).filter((m) => m.Status === 'FAIL')),
    );
    expect(failedInJson.length).toBeGreaterThan(0);
    expect(report.findings).toHaveLength(failedInJson.length);
    expect(report.totals.failures).toBe(failedInJson.length);
    expect(report.totals.resources).toBe(json.Resources.length);
    for (const f of report.findings) {
      expect(f).toMatchObject({ tool: 'trivy', mode: 'misconfig', target, status: 'FAIL' });
      expect(f.id).toMatch(/^[A-Z]+-?\d+$/);
      expect(f.location).toMatch(/^([a-z0-9-]+\/)?[A-Za-z]+\/.+/);
    }
  });

  it("finds the fixture workload's root container (runs as root, no read-only root file system)", () => {
    const workload = report.findings.filter((f) => f.location === 'hl-trivy-fixture/Deployment/root-web');
    expect(workload.map((f) => f.title).join('\n')).toMatch(/root/i);
    expect(workload.length).toBeGreaterThan(3);
  });

  it('counts by severity add up to the failures', () => {
    const bySeverity = Object.entries(report.totals).filter(([k]) => k.startsWith('severity:'));
    expect(bySeverity.reduce((n, [, v]) => n + v, 0)).toBe(report.totals.failures);
  });
});

describe('Trivy compliance report (recorded from the test bed)', () => {
  const raw = fixture('trivy-compliance.json');
  const report = parseTrivyComplianceJson(raw, { target });
  const json = JSON.parse(raw) as {
    ID: string;
    Results: { ID: string; Name: string; Results?: { Target: string; Misconfigurations: { Status: string }[] }[] }[];
  };

  it('has one finding per control of the spec: fail, manual, or no failure, as Trivy counts them', () => {
    expect(report.spec).toBe('k8s-cis-1.23');
    expect(report.findings.map((f) => f.id)).toEqual(json.Results.map((c) => c.ID));
    const { pass, fail, manual, controls } = report.totals;
    expect(pass! + fail! + manual!).toBe(controls);
    expect(controls).toBe(116);
    // The failing controls are those with a failed resource in the JSON; the manual ones say so in their name.
    const failing = json.Results.filter((c) => (c.Results ?? []).some((r) => r.Misconfigurations.some((m) => m.Status === 'FAIL'))).map(
      (c) => c.ID,
    );
    expect(failing.length).toBeGreaterThan(0);
    expect(report.findings.filter((f) => f.status === 'FAIL').map((f) => f.id)).toEqual(failing);
    expect(report.findings.filter((f) => f.status === 'INFO').map((f) => f.title)).toEqual(
      json.Results.filter((c) => c.Name.includes('(Manual)')).map((c) => c.Name),
    );
  });

  it("names the failing resources of a control: the fixture's root Deployment fails 5.2.7 (root containers)", () => {
    const rootContainers = report.findings.find((f) => f.id === '5.2.7')!;
    expect(rootContainers).toMatchObject({ status: 'FAIL', section: '5.2' });
    expect(rootContainers.evidence).toContain('Deployment/root-web');
  });
});

describe('Trivy reports from hand-made input', () => {
  it('reads a clean cluster (Go leaves empty lists out) as zero findings', () => {
    expect(parseTrivyMisconfigJson('{"ClusterName":"c"}', { target })).toEqual({
      findings: [],
      totals: { resources: 0, failures: 0, checks: 0 },
      errors: [],
    });
  });

  it('keeps only failures, and a resource that could not be scanned as an error', () => {
    const raw = JSON.stringify({
      ClusterName: 'c',
      Resources: [
        {
          Namespace: 'n',
          Kind: 'Pod',
          Name: 'p',
          Results: [
            {
              Target: 'Pod/p',
              Misconfigurations: [
                { ID: 'KSV001', Title: 't', Severity: 'HIGH', Status: 'FAIL' },
                { ID: 'KSV002', Status: 'PASS' },
              ],
            },
          ],
        },
        { Kind: 'ClusterRole', Name: 'r', Error: 'forbidden' },
      ],
    });
    const report = parseTrivyMisconfigJson(raw, { target });
    expect(report.findings.map((f) => [f.id, f.location, f.severity])).toEqual([['KSV001', 'n/Pod/p', 'HIGH']]);
    expect(report.errors).toEqual(['ClusterRole/r: forbidden']);
    expect(report.totals).toMatchObject({ resources: 2, failures: 1, 'severity:HIGH': 1 });
  });

  it('reads a manual control as INFO, one without failures as a pass, a failed check as FAIL', () => {
    const raw = JSON.stringify({
      ID: 'k8s-cis-1.23',
      Title: 'CIS',
      Results: [
        { ID: '1.1.1', Name: 'audit policy (Manual)', Severity: 'HIGH' },
        { ID: '5.1.1', Name: 'ok', Results: [{ Misconfigurations: [{ ID: 'KSV1', Status: 'PASS' }] }] },
        {
          ID: '5.2.7',
          Name: 'root',
          Results: [{ Target: 'Pod/p', Misconfigurations: [{ ID: 'KSV2', Status: 'FAIL', Message: 'runs as root' }] }],
        },
      ],
    });
    const report = parseTrivyComplianceJson(raw, { target });
    expect(report.findings.map((f) => [f.id, f.status, f.section, f.evidence])).toEqual([
      ['1.1.1', 'INFO', '1.1', 'manual: not automated by Trivy'],
      ['5.1.1', 'PASS', '5.1', 'no resource failed its checks'],
      ['5.2.7', 'FAIL', '5.2', 'Pod/p: runs as root'],
    ]);
    expect(report.totals).toMatchObject({ controls: 3, pass: 1, fail: 1, manual: 1 });
  });

  it('names what is wrong: a log line instead of JSON, the wrong report kind', () => {
    expect(() => parseTrivyMisconfigJson('2026-12-06T12:00:00Z INFO Scanning...\n{}', { target })).toThrow(
      /trivy output is invalid: the output does not start with JSON.*--output/,
    );
    expect(() => parseTrivyComplianceJson('{"ClusterName":"c"}', { target })).toThrow(ToolOutputError);
    expect(() => parseTrivyComplianceJson('{"ClusterName":"c"}', { target })).toThrow(
      /not a Trivy compliance report \(ID, Title, Results\): ID: /,
    );
  });
});
