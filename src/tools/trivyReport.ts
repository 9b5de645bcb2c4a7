import { z } from 'zod';
import { countBy, type CheckStatus, type Finding } from './findings';
import { parseToolJson, validateToolJson } from './toolJson';

/**
 * Trivy's two Kubernetes reports as JSON (`trivy k8s --format json --report all`):
 * - misconfig: `{ ClusterName, Resources?: [{ Namespace?, Kind, Name, Results?: [{ Target, Class, Misconfigurations?:
 *   [{ ID, Title, Description, Message, Resolution, Severity, Status, ... }] }], Error? }] }`; empty fields are left
 *   out (Go's omitempty), so a clean cluster reads `{ "ClusterName": "x" }`.
 * - compliance (`--compliance k8s-cis-1.23`): `{ ID, Title, Version, Results: [{ ID, Name, Severity, DefaultStatus?,
 *   Results?: <the same results, per control> }] }`.
 * Pure: no I/O. Resource contents (CauseMetadata's code lines) are not copied into findings.
 */
const text = z.string();
const misconfigurationSchema = z.looseObject({
  ID: text.optional(),
  AVDID: text.optional(),
  Title: text.optional(),
  Description: text.optional(),
  Message: text.optional(),
  Resolution: text.optional(),
  Severity: text.optional(),
  Status: text.optional(),
  PrimaryURL: text.optional(),
});
const resultSchema = z.looseObject({
  Target: text.optional(),
  Class: text.optional(),
  Misconfigurations: z.array(misconfigurationSchema).nullish(),
});
const resourceSchema = z.looseObject({
  Namespace: text.optional(),
  Kind: text,
  Name: text,
  Results: z.array(resultSchema).nullish(),
  Error: text.optional(),
});
const misconfigReportSchema = z.looseObject({ ClusterName: text, Resources: z.array(resourceSchema).nullish() });
const controlSchema = z.looseObject({
  ID: text,
  Name: text,
  Description: text.optional(),
  Severity: text.optional(),
  DefaultStatus: text.optional(),
  Results: z.array(resultSchema).nullish(),
});
const complianceReportSchema = z.looseObject({
  ID: text,
  Title: text,
  Version: text.optional(),
  Results: z.array(controlSchema).nullish(),
});

type Misconfiguration = z.output<typeof misconfigurationSchema>;

export interface TrivyReport {
  findings: Finding[];
  totals: Record<string, number>;
  /** Resources Trivy could not scan (their errors), for the run's warnings. */
  errors: string[];
  /** The compliance spec's id (`k8s-cis-1.23`), for compliance reports. */
  spec?: string;
}

const HINT = 'Trivy writes its log to stderr and its report to --output';
const checkId = (m: Misconfiguration) => m.ID ?? m.AVDID ?? 'unknown';
const failed = (m: Misconfiguration) => (m.Status ?? 'FAIL').toUpperCase() === 'FAIL';
const resourceName = (r: { Namespace?: string; Kind: string; Name: string }) =>
  `${r.Namespace ? `${r.Namespace}/` : ''}${r.Kind}/${r.Name}`;

function severityTotals(totals: Record<string, number>, findings: Finding[]): Record<string, number> {
  for (const [severity, n] of Object.entries(countBy(findings, (f) => f.severity))) totals[`severity:${severity}`] = n;
  return totals;
}

/** The misconfiguration scan: one finding per failed check on a resource (passes are not reported without --include-non-failures). */
export function parseTrivyMisconfigJson(raw: string, context: { target: string }): TrivyReport {
  const json = parseToolJson('trivy', raw, HINT);
  const report = validateToolJson('trivy', json, misconfigReportSchema, raw, 'a Trivy Kubernetes report (ClusterName, Resources)');
  const findings: Finding[] = [];
  const errors: string[] = [];
  const resources = report.Resources ?? [];
  for (const resource of resources) {
    if (resource.Error) errors.push(`${resourceName(resource)}: ${resource.Error}`);
    for (const result of resource.Results ?? []) {
      for (const m of (result.Misconfigurations ?? []).filter(failed)) {
        findings.push({
          tool: 'trivy',
          mode: 'misconfig',
          target: context.target,
          id: checkId(m),
          title: m.Title ?? checkId(m),
          status: 'FAIL',
          severity: m.Severity,
          section: resource.Kind,
          description: m.Description,
          evidence: m.Message,
          remediation: m.Resolution,
          location: resourceName(resource),
        });
      }
    }
  }
  const checks = new Set(findings.map((f) => f.id)).size;
  const totals = severityTotals({ resources: resources.length, failures: findings.length, checks }, findings);
  return { findings, totals, errors };
}

/**
 * A compliance report: one finding per control, in Trivy's own terms (its summary table): FAIL when a resource failed
 * one of the control's checks, INFO for a manual control (its name says "(Manual)": Trivy does not automate it), and
 * PASS otherwise, which means "no resource failed" and includes controls whose inputs Trivy did not have (offline,
 * without the node collector). The report lists failures only, so a pass cannot be told from "nothing evaluated".
 */
export function parseTrivyComplianceJson(raw: string, context: { target: string }): TrivyReport {
  const json = parseToolJson('trivy', raw, HINT);
  const report = validateToolJson('trivy', json, complianceReportSchema, raw, 'a Trivy compliance report (ID, Title, Results)');
  const findings: Finding[] = (report.Results ?? []).map((control) => {
    const failures = (control.Results ?? []).flatMap((r) =>
      (r.Misconfigurations ?? []).filter(failed).map((m) => ({ target: r.Target, m })),
    );
    const manual = control.Name.includes('(Manual)');
    const status: CheckStatus = failures.length ? 'FAIL' : manual ? 'INFO' : 'PASS';
    const shown = failures.slice(0, 5).map((c) => `${c.target ?? '?'}: ${c.m.Message ?? c.m.Title ?? checkId(c.m)}`);
    const more = failures.length > shown.length ? ` (and ${failures.length - shown.length} more)` : '';
    return {
      tool: 'trivy',
      mode: 'compliance',
      target: context.target,
      id: control.ID,
      title: control.Name,
      status,
      severity: control.Severity,
      section: control.ID.split('.').slice(0, 2).join('.'),
      description: control.Description,
      evidence: failures.length
        ? `${shown.join('; ')}${more}`
        : manual
          ? 'manual: not automated by Trivy'
          : 'no resource failed its checks',
      remediation: failures[0]?.m.Resolution,
    };
  });
  const counts = countBy(findings, (f) => f.status?.toLowerCase());
  const counted = { controls: findings.length, pass: counts.pass ?? 0, fail: counts.fail ?? 0, manual: counts.info ?? 0 };
  const totals = severityTotals(counted, findings.filter((f) => f.status === 'FAIL'));
  return { findings, totals, errors: [], spec: report.ID };
}
