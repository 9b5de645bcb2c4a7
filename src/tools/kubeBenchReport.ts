import { z } from 'zod';
import { CHECK_STATUSES, ToolOutputError, type CheckStatus, type Finding, type KubeBenchMode } from './findings';
import { parseToolJson, validateToolJson } from './toolJson';

/**
 * kube-bench's `--json` report: `{ Controls: [{ id, version, detected_version, text, node_type,
 * tests: [{ section, desc, results: [{ test_number, test_desc, status, scored, remediation, ... }] }] }],
 * Totals: { total_pass, total_fail, total_warn, total_info } }`. Go encodes empty slices as null.
 */
const resultSchema = z.looseObject({
  test_number: z.string(),
  test_desc: z.string(),
  status: z.enum(CHECK_STATUSES),
  scored: z.boolean(),
  remediation: z.string().nullish(),
  actual_value: z.string().nullish(),
  expected_result: z.string().nullish(),
  reason: z.string().nullish(),
  audit: z.string().nullish(),
});
const groupSchema = z.looseObject({
  section: z.string(),
  desc: z.string().nullish(),
  results: z.array(resultSchema).nullish(),
});
const controlsSchema = z.looseObject({
  id: z.string(),
  version: z.string().nullish(),
  detected_version: z.string().nullish(),
  text: z.string().nullish(),
  node_type: z.string().nullish(),
  tests: z.array(groupSchema).nullish(),
});
const count = z.number().int().nonnegative();
const reportSchema = z.looseObject({
  Controls: z.array(controlsSchema),
  Totals: z.looseObject({ total_pass: count, total_fail: count, total_warn: count, total_info: count }),
});

export interface KubeBenchControlsInfo {
  /** `1` (control plane), `2` (etcd), `4` (worker node), `5` (policies) in the CIS numbering. */
  id: string;
  text: string;
  nodeType: string;
}

export interface KubeBenchReport {
  benchmark?: string;
  detectedVersion?: string;
  controls: KubeBenchControlsInfo[];
  findings: Finding[];
  totals: { pass: number; fail: number; warn: number; info: number };
  warnings: string[];
}

const HINT = 'kube-bench writes only JSON to its --outputfile; was the output file mixed with its log?';

/** Parses kube-bench `--json` output into findings and totals. Throws ToolOutputError on anything else. */
export function parseKubeBenchJson(raw: string, context: { mode: KubeBenchMode; target: string }): KubeBenchReport {
  const json = parseToolJson('kube-bench', raw, HINT);
  const report = validateToolJson('kube-bench', json, reportSchema, raw, 'a kube-bench report (Controls[].tests[].results[] and Totals)');
  const findings: Finding[] = [];
  const counted: Record<CheckStatus, number> = { PASS: 0, FAIL: 0, WARN: 0, INFO: 0 };
  for (const controls of report.Controls) {
    for (const group of controls.tests ?? []) {
      for (const result of group.results ?? []) {
        counted[result.status]++;
        findings.push({
          tool: 'kube-bench',
          mode: context.mode,
          target: context.target,
          id: result.test_number,
          title: result.test_desc,
          status: result.status,
          section: group.section,
          description: result.test_desc,
          evidence: evidenceOf(result),
          remediation: result.remediation?.trim() || undefined,
          scored: result.scored,
        });
      }
    }
  }
  const totals = {
    pass: report.Totals.total_pass,
    fail: report.Totals.total_fail,
    warn: report.Totals.total_warn,
    info: report.Totals.total_info,
  };
  const warnings: string[] = [];
  const mismatch = (['pass', 'fail', 'warn', 'info'] as const).filter((k) => totals[k] !== counted[k.toUpperCase() as CheckStatus]);
  if (mismatch.length) {
    warnings.push(
      `kube-bench Totals disagree with its results for ${mismatch.join(', ')}: ` +
        `Totals ${mismatch.map((k) => `${k}=${totals[k]}`).join(' ')}, ` +
        `results ${mismatch.map((k) => `${k}=${counted[k.toUpperCase() as CheckStatus]}`).join(' ')}`,
    );
  }
  if (report.Controls.length === 0) {
    throw new ToolOutputError(
      'kube-bench',
      'the report has no Controls: kube-bench ran no benchmark target',
      Buffer.byteLength(raw, 'utf8'),
    );
  }
  const first = report.Controls[0];
  return {
    benchmark: first?.version ?? undefined,
    detectedVersion: first?.detected_version ?? undefined,
    controls: report.Controls.map((c) => ({ id: c.id, text: c.text ?? '', nodeType: c.node_type ?? '' })),
    findings,
    totals,
    warnings,
  };
}

function evidenceOf(result: z.output<typeof resultSchema>): string | undefined {
  const parts: string[] = [];
  if (result.reason?.trim()) parts.push(result.reason.trim());
  if (result.actual_value?.trim()) parts.push(`actual: ${result.actual_value.trim()}`);
  if (result.expected_result?.trim()) parts.push(`expected: ${result.expected_result.trim()}`);
  return parts.length ? parts.join('; ') : undefined;
}
