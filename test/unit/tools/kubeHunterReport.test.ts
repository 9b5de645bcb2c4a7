import { ToolOutputError } from '../../../src/tools/findings';
import { parseKubeHunterJson } from '../../../src/tools/kubeHunterReport';
import { fixture } from './fixtures';

const context = { mode: 'remote' as const, target: '127.0.0.1' };

function problemOf(raw: string): string {
  try {
    parseKubeHunterJson(raw, context);
  } catch (error) {
    expect(error).toBeInstanceOf(ToolOutputError);
    expect((error as ToolOutputError).tool).toBe('kube-hunter');
    return (error as Error).message;
  }
  throw new Error('expected a ToolOutputError');
}

describe('kube-hunter report recorded from --remote 127.0.0.1 against the test bed', () => {
  const raw = fixture('kube-hunter-remote.json');
  const report = parseKubeHunterJson(raw, context);
  const recorded = JSON.parse(raw) as {
    nodes: unknown[];
    services: { service: string; location: string }[];
    vulnerabilities: { vid: string; severity: string; location: string; category: string; evidence: string }[];
  };

  it('keeps the nodes and services it discovered, the API server on 6443 among them', () => {
    expect(report.nodes).toEqual(recorded.nodes);
    expect(report.services).toEqual(recorded.services);
    expect(report.services).toContainEqual({ service: 'API Server', location: '127.0.0.1:6443' });
  });

  it('turns each vulnerability into a finding with its id, severity, category, evidence and location', () => {
    expect(report.findings).toHaveLength(recorded.vulnerabilities.length);
    expect(report.findings.length).toBeGreaterThan(0);
    report.findings.forEach((finding, i) => {
      const v = recorded.vulnerabilities[i]!;
      expect(finding).toMatchObject({ tool: 'kube-hunter', mode: 'remote', target: '127.0.0.1', id: v.vid, severity: v.severity, section: v.category, evidence: v.evidence, location: v.location });
      expect(finding.id).toMatch(/^KHV\d{3}$/);
    });
  });

  it('totals nodes, services, vulnerabilities and severities', () => {
    expect(report.totals.nodes).toBe(recorded.nodes.length);
    expect(report.totals.services).toBe(recorded.services.length);
    expect(report.totals.vulnerabilities).toBe(recorded.vulnerabilities.length);
    const severities = Object.entries(report.totals).filter(([k]) => k.startsWith('severity:'));
    expect(severities.reduce((n, [, v]) => n + v, 0)).toBe(recorded.vulnerabilities.length);
  });
});

describe('malformed kube-hunter output', () => {
  it('names log lines mixed into the report (recorded without --log none)', () => {
    expect(problemOf(fixture('kube-hunter-remote.log-info.txt'))).toMatch(/does not start with JSON.*--log none/);
  });

  it('names truncation', () => {
    expect(problemOf(fixture('kube-hunter-remote.truncated.json'))).toMatch(/the JSON is truncated/);
  });

  it('names text after the report', () => {
    expect(problemOf(`${fixture('kube-hunter-remote.json').trim()}\n2026-11-27 10:00:00 INFO kube_hunter.core Hunt finished\n`)).toMatch(/text follows the JSON at line 2 column 1/);
  });

  it('names the missing field', () => {
    expect(problemOf('{"nodes": [], "services": []}')).toMatch(/vulnerabilities: /);
    expect(problemOf('[]')).toMatch(/not a kube-hunter report/);
  });
});

describe('evidence with control characters', () => {
  it('reads the NUL-separated kubelet command line of the Exposed Kubelet Cmdline hunter as spaces', () => {
    const cmdline = '/opt/hardenlab/bin/kubelet\u0000--config=/var/lib/kubelet/config.yaml\u0000--cloud-provider=external\u0000';
    const vulnerability = { location: '10.244.1.1:10255', vid: 'KHV046', category: 'Access Risk', severity: 'medium', vulnerability: 'Exposed Kubelet Cmdline', description: 'd', evidence: `cmdline: ${cmdline}` };
    const report = parseKubeHunterJson(JSON.stringify({ nodes: [], services: [], vulnerabilities: [vulnerability] }), context);
    expect(report.findings[0]!.evidence).toBe('cmdline: /opt/hardenlab/bin/kubelet --config=/var/lib/kubelet/config.yaml --cloud-provider=external');
  });
});
