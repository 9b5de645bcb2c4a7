import fc from 'fast-check';
import { dnsLabel, namespaceFor, runIdFor, scenarioWorkflowId } from '../../../src/domain/naming';
import { planRepetitions } from '../../../src/domain/plan';
import { SCENARIOS } from '../../../src/domain/scenarios';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

test('run ids and namespaces are valid DNS labels for any workflow id', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.constantFrom(...SCENARIOS), fc.integer({ min: 1, max: 100 }), (id, scenario, rep) => {
      expect(runIdFor(id)).toMatch(DNS_LABEL);
      expect(namespaceFor(scenario, rep, id)).toMatch(DNS_LABEL);
    }),
  );
});

test('names are stable and distinguish runs', () => {
  expect(runIdFor('exp-1/baseline/1')).toBe(runIdFor('exp-1/baseline/1'));
  expect(runIdFor('exp-1/baseline/1')).not.toBe(runIdFor('exp-1/baseline/2'));
  expect(dnsLabel('A'.repeat(200))).toHaveLength(63);
  expect(scenarioWorkflowId('exp', 'best-practices', 2)).toBe('exp/best-practices/2');
});

test('the plan shuffles each repetition reproducibly from the seed', () => {
  const a = planRepetitions(SCENARIOS, 10, 42);
  expect(planRepetitions(SCENARIOS, 10, 42)).toEqual(a);
  for (const rep of a) expect([...rep.order].sort()).toEqual([...SCENARIOS].sort());
  expect(new Set(a.map((r) => r.order.join())).size).toBeGreaterThan(1);
  expect(planRepetitions(SCENARIOS, 10, 43)).not.toEqual(a);
});
