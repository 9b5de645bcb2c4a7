/**
 * The report's "what it buys" tables: attacks denied per scenario run, attack by attack, with the server's
 * messages, and what each scenario applied; a user scenario sorts after the presets and gets the thesis's dash.
 */
import { buildReportModel } from '../../../src/analysis/model/build';
import type { AttackRecord, ExperimentData } from '../../../src/analysis/model/runData';
import { buildTables, renderHtml, renderMarkdown } from '../../../src/report';
import { fixtureExperiment } from '../analysis/support/fixtures';

const attack = (
  id: string,
  outcome: AttackRecord['outcome'],
  message = outcome === 'denied' ? `forbidden: ${id}` : 'accepted',
): AttackRecord => ({
  id,
  title: id,
  category: 'pod-security',
  as: 'the worker (dry run)',
  outcome,
  message,
});

function experiment(): ExperimentData {
  const data = fixtureExperiment();
  const runs = data.scenarios.filter((r) => r.repetition === 1 && r.scenario !== 'security-tools');
  for (const run of runs) {
    const hardened = run.scenario === 'best-practices';
    run.attacks = [
      attack('privileged-pod', hardened ? 'denied' : 'allowed'),
      attack('automount-sa-token', 'allowed'),
      attack('cross-namespace-traffic', 'not-enforceable', 'not enforceable on this cluster: KWOK'),
    ];
  }
  const custom = { ...structuredClone(runs[0]!), scenario: 'limits-plus' };
  custom.attacks = [attack('privileged-pod', 'allowed'), attack('automount-sa-token', 'denied')];
  custom.definition = {
    source: '/etc/hardenlab/scenarios/limits-plus.yaml',
    packs: [{ name: 'resource-limits', source: 'built-in' }],
    tools: [],
    manifests: [
      { pack: 'resource-limits', file: 'limitrange.yaml', document: 1, kind: 'LimitRange', name: 'defaults', sha256: 'ab'.repeat(32) },
    ],
  };
  return { ...data, scenarios: [custom, ...runs] };
}

test('attacks denied per scenario, attack by attack, with the server’s messages', () => {
  const model = buildReportModel(experiment(), { generatedAt: '2026-12-01T00:00:00Z' });
  expect(model.scenarios.map((s) => s.scenario)).toEqual(['baseline', 'best-practices', 'limits-plus']);
  const tables = buildTables(model);
  const buys = tables.find((t) => t.id === 'what-it-buys')!;
  expect(buys.rows).toEqual([
    ['baseline', '#1', '0', '2', '1', '0', '—', '—', 'audits off', 'audits off', 'audits off'],
    ['best-practices', '#1', '1', '1', '1', '0', 'privileged-pod', '—', 'audits off', 'audits off', 'audits off'],
    ['limits-plus', '#1', '1', '1', '0', '0', 'automount-sa-token', '—', 'audits off', 'audits off', 'audits off'],
  ]);
  const matrix = tables.find((t) => t.id === 'attack-matrix')!;
  expect(matrix.columns.slice(2)).toEqual(['baseline #1', 'best-practices #1', 'limits-plus #1']);
  expect(matrix.rows[0]).toEqual(['privileged-pod: privileged-pod', 'the worker (dry run)', 'allowed', 'denied', 'allowed']);
  expect(matrix.rows[2]).toEqual([
    'cross-namespace-traffic: cross-namespace-traffic',
    'the worker (dry run)',
    'not-enforceable',
    'not-enforceable',
    '—',
  ]);
  expect(tables.find((t) => t.id === 'attack-messages')!.rows).toContainEqual([
    'best-practices',
    '#1',
    'privileged-pod',
    'denied',
    'forbidden: privileged-pod',
  ]);
  expect(tables.find((t) => t.id === 'scenarios-applied')!.rows).toEqual([
    [
      'limits-plus',
      '/etc/hardenlab/scenarios/limits-plus.yaml',
      'resource-limits',
      '—',
      'resource-limits/limitrange.yaml #1: LimitRange defaults',
      'ab'.repeat(8),
    ],
  ]);
  const md = renderMarkdown(model, tables);
  expect(md).toContain('## What it buys: attacks denied per scenario');
  const html = renderHtml(model, tables, []);
  for (const id of ['what-it-buys', 'attack-matrix', 'attack-messages', 'scenarios-applied'])
    expect(html).toContain(`<section id="${id}" class="page">`);
  // The thesis has no figure for a scenario of the user's own.
  expect(md).toMatch(/\| limits-plus \| CPU used[^\n]*\| — \|/);
});

test('runs without a battery (earlier releases) add no empty tables', () => {
  const tables = buildTables(buildReportModel(fixtureExperiment(), { generatedAt: '2026-12-01T00:00:00Z' }));
  expect(tables.map((t) => t.id)).not.toEqual(expect.arrayContaining(['what-it-buys']));
  expect(tables.some((t) => ['attack-matrix', 'attack-messages', 'scenarios-applied'].includes(t.id))).toBe(false);
});
