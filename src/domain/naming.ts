/**
 * Deterministic names derived from workflow ids: label values, namespaces and artifact keys.
 * Pure and dependency-free, so workflows compute the same names on every replay.
 */
import type { ScenarioName } from './scenarios';

/** 32-bit FNV-1a as 8 hex digits: short, stable, and enough to keep names unique per run. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** A DNS-1123 label (≤ 63 chars, [a-z0-9-], alphanumeric at both ends) that keeps a readable prefix. */
export function dnsLabel(text: string, max = 63): string {
  const hash = shortHash(text);
  const cleaned = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const prefix = cleaned.slice(0, max - hash.length - 1).replace(/-+$/g, '');
  return prefix ? `${prefix}-${hash}` : `r-${hash}`;
}

/** The value of the `hardenlab.io/run` label for a scenario run's workflow id. */
export function runIdFor(workflowId: string): string {
  return dnsLabel(workflowId);
}

const SCENARIO_SHORT: Record<string, string> = {
  baseline: 'base',
  'best-practices': 'bp',
  'security-tools': 'tools',
};

/** One namespace per scenario run: `hl-<scenario>-r<rep>-<hash>`. */
export function namespaceFor(scenario: ScenarioName, repetition: number, workflowId: string): string {
  // A user scenario's name (≤ 40 characters) keeps the namespace within 63 for repetitions up to 100.
  const short = Object.hasOwn(SCENARIO_SHORT, scenario) ? SCENARIO_SHORT[scenario] : scenario;
  return `hl-${short}-r${repetition}-${shortHash(workflowId)}`;
}

/** Child workflow ids as documented: `<parent id>/<scenario>/<rep>`. */
export function scenarioWorkflowId(parentId: string, scenario: ScenarioName, repetition: number): string {
  return `${parentId}/${scenario}/${repetition}`;
}

export function scenarioKey(experimentArtifactKey: string, scenario: ScenarioName, repetition: number): string {
  return `${experimentArtifactKey}/${scenario}/${repetition}`;
}
