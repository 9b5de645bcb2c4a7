import { z } from 'zod';
import { countBy, type DiscoveredNode, type DiscoveredService, type Finding, type KubeHunterMode } from './findings';
import { parseToolJson, validateToolJson } from './toolJson';

/**
 * kube-hunter's `--report json` output: `{ nodes: [{type, location}], services: [{service, location}],
 * vulnerabilities: [{location, vid, category, severity, vulnerability, description, evidence,
 * avd_reference, hunter}] }`. It has no timestamps and does not say how it was run.
 */
const text = z.string();
const reportSchema = z.looseObject({
  nodes: z.array(z.looseObject({ type: text, location: text })),
  services: z.array(z.looseObject({ service: text, location: text })),
  vulnerabilities: z.array(
    z.looseObject({
      location: text,
      vid: text,
      category: text,
      severity: text,
      vulnerability: text,
      description: text,
      evidence: text,
      avd_reference: text.optional(),
      hunter: text.optional(),
    }),
  ),
});

export interface KubeHunterReport {
  nodes: DiscoveredNode[];
  services: DiscoveredService[];
  findings: Finding[];
  totals: Record<string, number>;
}

const HINT = 'kube-hunter mixes its log into the report unless run with --log none';

/**
 * Control characters become spaces: the Exposed Kubelet Cmdline hunter quotes /proc/<pid>/cmdline, whose
 * arguments are separated by NUL bytes, and a NUL in a report makes it a binary file.
 */
function printable(value: string): string {
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ').trimEnd();
}

/** Parses kube-hunter JSON output into findings (its vulnerabilities) plus what it discovered. */
export function parseKubeHunterJson(raw: string, context: { mode: KubeHunterMode; target: string }): KubeHunterReport {
  const json = parseToolJson('kube-hunter', raw, HINT);
  const report = validateToolJson('kube-hunter', json, reportSchema, raw, 'a kube-hunter report (nodes, services, vulnerabilities)');
  const findings: Finding[] = report.vulnerabilities.map((v) => ({
    tool: 'kube-hunter',
    mode: context.mode,
    target: context.target,
    id: v.vid,
    title: v.vulnerability,
    severity: v.severity,
    section: v.category,
    description: v.description,
    evidence: printable(v.evidence),
    location: v.location,
    remediation: v.avd_reference,
  }));
  const totals: Record<string, number> = {
    nodes: report.nodes.length,
    services: report.services.length,
    vulnerabilities: findings.length,
  };
  for (const [severity, n] of Object.entries(countBy(findings, (f) => f.severity))) totals[`severity:${severity}`] = n;
  return {
    nodes: report.nodes.map((n) => ({ type: n.type, location: n.location })),
    services: report.services.map((s) => ({ service: s.service, location: s.location })),
    findings,
    totals,
  };
}
