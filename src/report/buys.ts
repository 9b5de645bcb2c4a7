import type { AttackRecord, ReportModel, RunSummary } from '../analysis/model/runData';
import type { Table } from './tableFormat';

/**
 * What hardening buys: the attack battery's outcome per scenario, each pack's expected denials marked met or
 * not met, the audits' findings (or "audits off"), and what each scenario applied (packs and the sha256 of every manifest). Only for runs
 * that
 * recorded them (scenarios as data).
 */
const runLabel = (r: RunSummary) => `#${r.repetition}`;
const counted = (r: RunSummary, outcome: string) => String(r.attacks.filter((a) => a.outcome === outcome).length);

/** A denial a pack expected and the cluster did not give: the report's red cells. */
export const UNMET_EXPECTATION = /expected denied by packs? .+, was (allowed|error)/;

interface Expectation {
  id: string;
  packs: string[];
  /** What the battery recorded; undefined when it made no such attempt. */
  outcome?: AttackRecord['outcome'];
}

/** The attacks the run's packs expect denied (expected-denials.yaml), each with the packs that expect it and what happened. */
function expectations(r: RunSummary): Expectation[] {
  const byId = new Map<string, string[]>();
  for (const p of r.definition?.packs ?? []) for (const id of p.expectedDenials ?? []) byId.set(id, [...(byId.get(id) ?? []), p.name]);
  return [...byId].map(([id, packs]) => ({ id, packs, outcome: r.attacks.find((a) => a.id === id)?.outcome }));
}
const met = (e: Expectation) => e.outcome === 'denied';
/** Allowed, or an error where a denial was expected; not enforceable or not tested here is neither met nor failed. */
const unmet = (e: Expectation) => e.outcome === 'allowed' || e.outcome === 'error';
const unmetText = (e: Expectation) => `expected denied by pack${e.packs.length > 1 ? 's' : ''} ${e.packs.join(', ')}, was ${e.outcome}`;

function expectationsCell(r: RunSummary): string {
  const all = expectations(r);
  if (all.length === 0) return '—';
  const parts = [`${all.filter(met).length} of ${all.length} met`];
  for (const e of all.filter(unmet)) parts.push(`${e.id} ${unmetText(e)}`);
  const untried = all.filter((e) => !met(e) && !unmet(e));
  if (untried.length) parts.push(`not tried here: ${untried.map((e) => `${e.id} (${e.outcome ?? 'no attempt'})`).join(', ')}`);
  return parts.join('; ');
}

/** What one audit found: kube-bench's fail and warn counts, kube-hunter's vulnerabilities, Trivy's failed checks or controls. */
function auditFound(tool: string, mode: string, counts: Record<string, number>): string {
  if (tool === 'kube-hunter') return `${counts.vulnerabilities ?? 0} vulnerabilities`;
  if (tool === 'trivy' && mode === 'misconfig') return `${counts.failures ?? 0} failed checks on resources`;
  if (tool === 'trivy') return `${counts.fail ?? 0} of ${counts.controls ?? 0} controls fail`;
  return `${counts.fail ?? 0} fail, ${counts.warn ?? 0} warn`;
}

/** One tool's audits in a run, by mode. */
function auditCell(r: RunSummary, tool: 'kube-bench' | 'kube-hunter' | 'trivy'): string {
  if (r.audits === null) return 'audits off';
  const runs = r.audits.filter((a) => a.tool === tool);
  if (runs.length === 0) return 'not run';
  return runs
    .map((a) => {
      const where = `(${a.mode}${a.inWindow ? ', in the window' : ''})`;
      if (a.outcome !== 'ok') return `${a.outcome} ${where}`;
      return `${auditFound(tool, a.mode, a.counts)} ${where}`;
    })
    .join('; ');
}

function matrixCell(r: RunSummary, id: string): string {
  const expected = expectations(r).find((e) => e.id === id);
  if (expected && unmet(expected)) return unmetText(expected);
  const outcome = r.attacks.find((x) => x.id === id)?.outcome ?? '—';
  return expected && met(expected) ? `${outcome} (expected)` : outcome;
}

export function buysTables(model: ReportModel): Table[] {
  const runs = model.scenarios.flatMap((s) => s.runs);
  const tables: Table[] = [];
  const withAttacks = runs.filter((r) => r.attacks.length > 0);
  if (withAttacks.length > 0) {
    tables.push({
      id: 'what-it-buys',
      title: 'What it buys: attacks denied per scenario',
      caption:
        'After each window, outside the measured time: pod attacks as server-side dry runs (admission decides, nothing is created), ' +
        'RBAC attacks as the test user by impersonation. Denied and allowed are the API server’s own decisions. Expected denials: the ' +
        'attacks the scenario’s packs say they make the cluster deny (their expected-denials.yaml), met when denied. Audits ' +
        '(tools.auditAfterWindow): kube-bench, kube-hunter and Trivy after the window; a tool the scenario ran inside its window counts ' +
        'from that run.',
      columns: [
        'Scenario',
        'Run',
        'Denied',
        'Allowed',
        'Not enforceable or not tested',
        'Errors',
        'Denied attacks',
        'Expected denials',
        'Audit: kube-bench',
        'Audit: kube-hunter',
        'Audit: Trivy',
      ],
      rows: withAttacks.map((r) => [
        r.scenario,
        runLabel(r),
        counted(r, 'denied'),
        counted(r, 'allowed'),
        String(r.attacks.filter((a) => a.outcome === 'not-enforceable' || a.outcome === 'not-tested').length),
        counted(r, 'error'),
        r.attacks
          .filter((a) => a.outcome === 'denied')
          .map((a) => a.id)
          .join(', ') || '—',
        expectationsCell(r),
        auditCell(r, 'kube-bench'),
        auditCell(r, 'kube-hunter'),
        auditCell(r, 'trivy'),
      ]),
      alert: UNMET_EXPECTATION,
    });
    const ids = [...new Map(withAttacks.flatMap((r) => r.attacks).map((a) => [a.id, a])).values()];
    tables.push({
      id: 'attack-matrix',
      title: 'Attack battery, attack by attack',
      caption:
        'Each attack in each scenario run: allowed, denied, not enforceable on this cluster (detected), or an error; “(expected)” where ' +
        'a pack of the scenario expects the denial it got.',
      columns: ['Attack', 'Tried as', ...withAttacks.map((r) => `${r.scenario} ${runLabel(r)}`)],
      rows: ids.map((a) => [`${a.id}: ${a.title}`, a.as, ...withAttacks.map((r) => matrixCell(r, a.id))]),
      alert: UNMET_EXPECTATION,
    });
    tables.push({
      id: 'attack-messages',
      title: 'Attack battery: the API server’s answers',
      caption: 'The message behind every denial (Pod Security, RBAC, an admission policy), and why an attempt could not be made.',
      columns: ['Scenario', 'Run', 'Attack', 'Outcome', 'Message'],
      rows: withAttacks.flatMap((r) =>
        r.attacks.filter((a) => a.outcome !== 'allowed').map((a) => [r.scenario, runLabel(r), a.id, a.outcome, a.message]),
      ),
    });
  }
  const withDefinition = runs.filter((r) => r.definition !== null);
  if (withDefinition.length > 0) {
    const firstOfEach = [...new Map(withDefinition.map((r) => [r.scenario, r])).values()];
    tables.push({
      id: 'scenarios-applied',
      title: 'Scenarios as applied',
      caption:
        'Each scenario’s packs, tools and manifests as the worker resolved them at the start of the experiment (sha256 of each ' +
        'document’s content; the full list is in scenario-definitions.json).',
      columns: ['Scenario', 'Defined in', 'Packs', 'Tools in the window', 'Manifest', 'sha256'],
      rows: firstOfEach.flatMap((r) => {
        const d = r.definition!;
        const head = [r.scenario, d.source, d.packs.map((p) => p.name).join(', ') || '—', d.tools.join(', ') || '—'];
        if (d.manifests.length === 0) return [[...head, '—', '—']];
        return d.manifests.map((m) => [
          ...head,
          `${m.pack}/${m.file} #${m.document}: ${m.kind}${m.name ? ` ${m.name}` : ''}`,
          m.sha256.slice(0, 16),
        ]);
      }),
    });
  }
  return tables;
}
