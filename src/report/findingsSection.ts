/**
 * The security tools' findings in detail: kube-bench pass/fail/warn per benchmark section and its failed checks
 * with their remediation, kube-hunter's vulnerabilities with severity and evidence, Trivy's compliance controls per
 * section and its failed checks by resource count; each run collapsed, linked to the tool's raw output and findings
 * file beside the run's artifacts.
 */
import type { Finding, ReportModel, RunSummary } from '../analysis/model/runData';
import { findingsFileName, rawOutputFileName, type ToolMode, type ToolName } from '../tools/findings';
import { escapeHtml } from './escape';

const CHECK_STATES = ['PASS', 'FAIL', 'WARN', 'INFO'] as const;

/** kube-bench's state of a check (stored as status; some older records carried it as severity). */
function checkState(f: Finding): string | undefined {
  const s = (f.status ?? f.severity ?? '').toUpperCase();
  return (CHECK_STATES as readonly string[]).includes(s) ? s : undefined;
}

export interface SectionCounts {
  section: string;
  counts: Record<(typeof CHECK_STATES)[number], number>;
}

/** Pass/fail/warn/info per section of a benchmark: kube-bench's, or with `trivy` Trivy's compliance report. */
export function benchSections(findings: Finding[], tool: 'kube-bench' | 'trivy' = 'kube-bench'): SectionCounts[] {
  const bySection = new Map<string, SectionCounts>();
  for (const f of findings) {
    const state = checkState(f);
    if (f.tool !== tool || (tool === 'trivy' && f.mode !== 'compliance') || !state) continue;
    const section = f.section ?? (f.id ? f.id.split('.').slice(0, 2).join('.') : 'unknown');
    const entry = bySection.get(section) ?? { section, counts: { PASS: 0, FAIL: 0, WARN: 0, INFO: 0 } };
    entry.counts[state as keyof SectionCounts['counts']]++;
    bySection.set(section, entry);
  }
  return [...bySection.values()].sort((a, b) => a.section.localeCompare(b.section, 'en', { numeric: true }));
}

const failedChecks = (findings: Finding[]) => findings.filter((f) => f.tool === 'kube-bench' && checkState(f) === 'FAIL');
const vulnerabilities = (findings: Finding[]) => findings.filter((f) => f.tool === 'kube-hunter');

/** Trivy's failed misconfiguration checks, one row per check with how many resources failed it, worst first. */
export function trivyChecks(findings: Finding[]): { id: string; title: string; severity: string; resources: number }[] {
  const byId = new Map<string, { id: string; title: string; severity: string; resources: number }>();
  for (const f of findings) {
    if (f.tool !== 'trivy' || f.mode !== 'misconfig') continue;
    const id = f.id ?? 'unknown';
    const entry = byId.get(id) ?? { id, title: f.title ?? id, severity: f.severity ?? '—', resources: 0 };
    entry.resources++;
    byId.set(id, entry);
  }
  const rank = (s: string) => ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'].indexOf(s.toUpperCase()) >>> 0;
  return [...byId.values()].sort((a, b) => rank(a.severity) - rank(b.severity) || b.resources - a.resources || a.id.localeCompare(b.id));
}

/** Links from report/ to the run's tool files (the artifact layout is <experiment>/<scenario>/<repetition>/tools/). */
function toolLinks(r: RunSummary): { label: string; href: string }[] {
  return r.toolRuns.flatMap((t) => {
    const base = `../${r.scenario}/${r.repetition}/`;
    const tool = t.tool as ToolName;
    const mode = t.mode as ToolMode;
    return [
      { label: `${t.tool} ${t.mode}: raw output`, href: base + rawOutputFileName(tool, mode) },
      { label: `${t.tool} ${t.mode}: findings JSON`, href: base + findingsFileName(tool, mode) },
    ];
  });
}

function summaryLine(r: RunSummary): string {
  const sections = benchSections(r.findings.details);
  const total = (state: keyof SectionCounts['counts']) => sections.reduce((n, s) => n + s.counts[state], 0);
  const parts: string[] = [];
  if (sections.length) parts.push(`kube-bench ${total('PASS')} pass, ${total('FAIL')} fail, ${total('WARN')} warn`);
  const vulns = vulnerabilities(r.findings.details);
  if (vulns.length) parts.push(`kube-hunter ${vulns.length} vulnerabilit${vulns.length === 1 ? 'y' : 'ies'}`);
  const trivySections = benchSections(r.findings.details, 'trivy');
  const trivyTotal = (state: keyof SectionCounts['counts']) => trivySections.reduce((n, s) => n + s.counts[state], 0);
  if (trivySections.length) {
    parts.push(`Trivy compliance ${trivyTotal('FAIL')} fail, ${trivyTotal('PASS')} without failures, ${trivyTotal('INFO')} manual`);
  }
  const checks = trivyChecks(r.findings.details);
  if (checks.length) parts.push(`Trivy ${checks.length} failed checks on ${checks.reduce((n, c) => n + c.resources, 0)} resource findings`);
  return parts.join('; ') || `${r.findings.total} findings`;
}

const table = (columns: string[], rows: string[][], numeric: boolean[] = []) =>
  `<table><thead><tr>${columns.map((c, i) => `<th${numeric[i] ? ' class="num"' : ''}>${escapeHtml(c)}</th>`).join('')}</tr></thead>` +
  `<tbody>${rows
    .map((r) => `<tr>${r.map((v, i) => `<td${numeric[i] ? ' class="num"' : ''}>${escapeHtml(v)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;

function runHtml(r: RunSummary): string {
  const sections = benchSections(r.findings.details);
  const failed = failedChecks(r.findings.details);
  const vulns = vulnerabilities(r.findings.details);
  const trivySections = benchSections(r.findings.details, 'trivy');
  const checks = trivyChecks(r.findings.details);
  const links = toolLinks(r);
  const body = [
    sections.length
      ? `<h4>kube-bench per section</h4>${table(
          ['Section', 'Pass', 'Fail', 'Warn', 'Info'],
          sections.map((s) => [s.section, ...CHECK_STATES.map((k) => String(s.counts[k]))]),
          [false, true, true, true, true],
        )}`
      : '',
    failed.length
      ? `<h4>Failed checks</h4>${table(
          ['Check', 'Title', 'Remediation'],
          failed.map((f) => [f.id ?? '—', f.title ?? '—', f.remediation ?? '—']),
        )}`
      : '',
    vulns.length
      ? `<h4>kube-hunter vulnerabilities</h4>${table(
          ['Id', 'Vulnerability', 'Severity', 'Evidence'],
          vulns.map((f) => [f.id ?? '—', f.title ?? '—', f.severity ?? '—', f.evidence ?? '—']),
        )}`
      : '',
    trivySections.length
      ? `<h4>Trivy compliance per section</h4>${table(
          ['Section', 'No failure', 'Fail', 'Manual'],
          trivySections.map((s) => [s.section, String(s.counts.PASS), String(s.counts.FAIL), String(s.counts.INFO)]),
          [false, true, true, true],
        )}`
      : '',
    checks.length
      ? `<h4>Trivy failed checks</h4>${table(
          ['Check', 'Title', 'Severity', 'Resources'],
          checks.map((c) => [c.id, c.title, c.severity, String(c.resources)]),
          [false, false, false, true],
        )}`
      : '',
    links.length
      ? `<p class="links">${links.map((l) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a>`).join(' · ')}</p>`
      : '',
  ].join('\n');
  return `<details><summary>${escapeHtml(`${r.scenario} #${r.repetition}`)}: ${escapeHtml(summaryLine(r))}</summary>\n${body}</details>`;
}

const runsWithFindings = (model: ReportModel) =>
  model.scenarios.flatMap((s) => s.runs).filter((r) => r.findings.total > 0 || r.toolRuns.length > 0);

export function findingsHtml(model: ReportModel): string {
  const runs = runsWithFindings(model);
  return (
    `<section id="findings-detail"><h2>Security findings</h2><p class="caption">Per run, collapsed: open one to see kube-bench's ` +
    `sections and failed checks with their remediation, kube-hunter's vulnerabilities and Trivy's compliance controls and failed checks;` +
    ` the links open the tools' own files.</p>${runs.map(runHtml).join('\n') || '<p class="caption">No tool ran.</p>'}</section>`
  );
}

export function findingsMarkdown(model: ReportModel): string[] {
  const lines = ['## Security findings', ''];
  const runs = runsWithFindings(model);
  if (!runs.length) return [...lines, '_No tool ran._', ''];
  for (const r of runs) {
    lines.push(`### ${r.scenario} #${r.repetition}: ${summaryLine(r)}`, '');
    const sections = benchSections(r.findings.details);
    if (sections.length) {
      lines.push('| Section | Pass | Fail | Warn | Info |', '| --- | ---: | ---: | ---: | ---: |');
      for (const s of sections) lines.push(`| ${s.section} | ${CHECK_STATES.map((k) => s.counts[k]).join(' | ')} |`);
      lines.push('');
    }
    const cell = (v: string | undefined) => (v ?? '—').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    for (const f of failedChecks(r.findings.details)) lines.push(`- FAIL ${cell(f.id)} ${cell(f.title)}: ${cell(f.remediation)}`);
    for (const f of vulnerabilities(r.findings.details))
      lines.push(`- ${cell(f.severity)} ${cell(f.id)} ${cell(f.title)}: ${cell(f.evidence)}`);
    for (const c of trivyChecks(r.findings.details)) {
      lines.push(`- Trivy ${cell(c.severity)} ${cell(c.id)} ${cell(c.title)}: ${c.resources} resource(s)`);
    }
    for (const l of toolLinks(r)) lines.push(`- [${l.label}](${l.href})`);
    lines.push('');
  }
  return lines;
}
