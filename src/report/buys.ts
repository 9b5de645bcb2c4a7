import type { ReportModel, RunSummary } from '../analysis/model/types';
import type { Table } from './tables';

/**
 * What hardening buys: the attack battery's outcome per scenario, and what each scenario applied (packs and
 * the sha256 of every manifest). Only for runs that recorded them (scenarios as data).
 */
const runLabel = (r: RunSummary) => `#${r.repetition}`;
const counted = (r: RunSummary, outcome: string) => String(r.attacks.filter((a) => a.outcome === outcome).length);

export function buysTables(model: ReportModel): Table[] {
  const runs = model.scenarios.flatMap((s) => s.runs);
  const tables: Table[] = [];
  const withAttacks = runs.filter((r) => r.attacks.length > 0);
  if (withAttacks.length > 0) {
    tables.push({
      id: 'what-it-buys',
      title: 'What it buys: attacks denied per scenario',
      caption:
        'After each window, outside the measured time: pod attacks as server-side dry runs (admission decides, nothing is created), RBAC attacks as the test user by impersonation. Denied and allowed are the API server’s own decisions.',
      columns: ['Scenario', 'Run', 'Denied', 'Allowed', 'Not enforceable or not tested', 'Errors', 'Denied attacks'],
      rows: withAttacks.map((r) => [
        r.scenario,
        runLabel(r),
        counted(r, 'denied'),
        counted(r, 'allowed'),
        String(r.attacks.filter((a) => a.outcome === 'not-enforceable' || a.outcome === 'not-tested').length),
        counted(r, 'error'),
        r.attacks.filter((a) => a.outcome === 'denied').map((a) => a.id).join(', ') || '—',
      ]),
    });
    const ids = [...new Map(withAttacks.flatMap((r) => r.attacks).map((a) => [a.id, a])).values()];
    tables.push({
      id: 'attack-matrix',
      title: 'Attack battery, attack by attack',
      caption: 'Each attack in each scenario run: allowed, denied, not enforceable on this cluster (detected), or an error.',
      columns: ['Attack', 'Tried as', ...withAttacks.map((r) => `${r.scenario} ${runLabel(r)}`)],
      rows: ids.map((a) => [`${a.id}: ${a.title}`, a.as, ...withAttacks.map((r) => r.attacks.find((x) => x.id === a.id)?.outcome ?? '—')]),
    });
    tables.push({
      id: 'attack-messages',
      title: 'Attack battery: the API server’s answers',
      caption: 'The message behind every denial (Pod Security, RBAC, an admission policy), and why an attempt could not be made.',
      columns: ['Scenario', 'Run', 'Attack', 'Outcome', 'Message'],
      rows: withAttacks.flatMap((r) => r.attacks.filter((a) => a.outcome !== 'allowed').map((a) => [r.scenario, runLabel(r), a.id, a.outcome, a.message])),
    });
  }
  const withDefinition = runs.filter((r) => r.definition !== null);
  if (withDefinition.length > 0) {
    const firstOfEach = [...new Map(withDefinition.map((r) => [r.scenario, r])).values()];
    tables.push({
      id: 'scenarios-applied',
      title: 'Scenarios as applied',
      caption: 'Each scenario’s packs, tools and manifests as the worker resolved them at the start of the experiment (sha256 of each document’s content; the full list is in scenario-definitions.json).',
      columns: ['Scenario', 'Defined in', 'Packs', 'Tools in the window', 'Manifest', 'sha256'],
      rows: firstOfEach.flatMap((r) => {
        const d = r.definition!;
        const head = [r.scenario, d.source, d.packs.map((p) => p.name).join(', ') || '—', d.tools.join(', ') || '—'];
        if (d.manifests.length === 0) return [[...head, '—', '—']];
        return d.manifests.map((m) => [...head, `${m.pack}/${m.file} #${m.document}: ${m.kind}${m.name ? ` ${m.name}` : ''}`, m.sha256.slice(0, 16)]);
      }),
    });
  }
  return tables;
}
