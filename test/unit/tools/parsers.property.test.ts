import fc from 'fast-check';
import { ToolOutputError } from '../../../src/tools/findings';
import { parseKubeBenchJson } from '../../../src/tools/kubeBenchReport';
import { parseKubeHunterJson } from '../../../src/tools/kubeHunterReport';
import { parseTrivyComplianceJson, parseTrivyMisconfigJson } from '../../../src/tools/trivyReport';
import { fixture } from './fixtures';

const parsers = {
  'kube-bench': (raw: string) => parseKubeBenchJson(raw, { mode: 'node', target: 'n' }),
  'kube-hunter': (raw: string) => parseKubeHunterJson(raw, { mode: 'remote', target: '127.0.0.1' }),
  'trivy misconfig': (raw: string) => parseTrivyMisconfigJson(raw, { target: '127.0.0.1' }),
  'trivy compliance': (raw: string) => parseTrivyComplianceJson(raw, { target: '127.0.0.1' }),
};
const recorded = {
  'kube-bench': fixture('kube-bench-node.json'),
  'kube-hunter': fixture('kube-hunter-remote.json'),
  'trivy misconfig': fixture('trivy-misconfig.json'),
  'trivy compliance': fixture('trivy-compliance.json'),
};
/** The tool a parser's errors name. */
const toolOf = (parser: keyof typeof parsers) => parser.split(' ')[0]!;

/** The property: a parser returns, or throws a ToolOutputError naming its tool; nothing else. */
function parsesOrNamesTheProblem(tool: keyof typeof parsers, raw: string): boolean {
  try {
    parsers[tool](raw);
    return true;
  } catch (error) {
    return (
      error instanceof ToolOutputError && error.tool === toolOf(tool) && error.message.startsWith(`${toolOf(tool)} output is invalid: `)
    );
  }
}

/** Replaces the value at a random path of a JSON tree. */
function mutate(tree: unknown, pathChoices: number[], replacement: unknown): unknown {
  if (pathChoices.length === 0 || tree === null || typeof tree !== 'object') return replacement;
  const keys = Object.keys(tree);
  if (keys.length === 0) return replacement;
  const key = keys[pathChoices[0]! % keys.length]!;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(tree) ? [...tree] : { ...(tree as Record<string, unknown>) };
  (copy as Record<string, unknown>)[key] = mutate((tree as Record<string, unknown>)[key], pathChoices.slice(1), replacement);
  return copy;
}

describe.each(Object.keys(parsers) as (keyof typeof parsers)[])('%s parser never crashes', (tool) => {
  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (raw) => parsesOrNamesTheProblem(tool, raw)),
      { numRuns: 500 },
    );
  });

  it('on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => parsesOrNamesTheProblem(tool, JSON.stringify(value) ?? '')),
      { numRuns: 500 },
    );
  });

  it('on the recorded report cut anywhere (always a ToolOutputError)', () => {
    const full = recorded[tool].trimEnd();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: full.length - 1 }), (cut) => {
        expect(() => parsers[tool](full.slice(0, cut))).toThrow(ToolOutputError);
      }),
      { numRuns: 200 },
    );
  });

  it('on the recorded report with text inserted anywhere', () => {
    const full = recorded[tool];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: full.length }), fc.string({ minLength: 1, maxLength: 40 }), (at, text) =>
        parsesOrNamesTheProblem(tool, full.slice(0, at) + text + full.slice(at)),
      ),
      { numRuns: 300 },
    );
  });

  it('on the recorded report with any field replaced by any JSON value', () => {
    const tree: unknown = JSON.parse(recorded[tool]);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 7 }), fc.jsonValue({ maxDepth: 2 }), (pathChoices, replacement) =>
        parsesOrNamesTheProblem(tool, JSON.stringify(mutate(tree, pathChoices, replacement))),
      ),
      { numRuns: 300 },
    );
  });
});
