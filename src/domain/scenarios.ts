/**
 * Scenarios as data: a scenario is a named list of hardening packs plus the tools run inside its window.
 * The thesis's three scenarios are built-in presets; more come from the worker's config folder
 * (src/scenarios/). Plain data and types only, so workflow code may import it.
 */

/** The thesis's three scenarios, in its order: built-in presets. */
export const PRESET_SCENARIOS = ['baseline', 'best-practices', 'security-tools'] as const;
/** Kept under its old name: the presets are the default scenarios. */
export const SCENARIOS = PRESET_SCENARIOS;
export type PresetScenario = (typeof PRESET_SCENARIOS)[number];
/** A preset's or a user scenario's name (a DNS label, at most 40 characters). */
export type ScenarioName = string;

export const SCENARIO_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

export function isPreset(name: string): name is PresetScenario {
  return (PRESET_SCENARIOS as readonly string[]).includes(name);
}

/** Presets first in the thesis's order, then the others by name: the report's order. */
export function compareScenarios(a: string, b: string): number {
  const rank = (s: string) => (isPreset(s) ? PRESET_SCENARIOS.indexOf(s) : PRESET_SCENARIOS.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}

export const SCENARIO_TOOLS = ['kube-bench', 'kube-hunter', 'trivy'] as const;
export type ScenarioTool = (typeof SCENARIO_TOOLS)[number];
export interface LegacyPreset {
  hardenedWorkload: boolean;
  tools: readonly ScenarioTool[];
}

/**
 * What a run whose input carries no scenario definition (started before scenarios were data) does for its preset:
 * kept so those histories replay as they ran.
 */
export function legacyPreset(scenario: string, hardenSecurityTools: boolean): LegacyPreset {
  const securityTools = scenario === 'security-tools';
  return {
    hardenedWorkload: scenario === 'best-practices' || (securityTools && hardenSecurityTools),
    tools: securityTools ? ['kube-bench', 'kube-hunter'] : [],
  };
}

/** Trivy's two Kubernetes reports: its misconfiguration (and RBAC) scan, and a compliance report (CIS by default). */
export const TRIVY_MODES = ['misconfig', 'compliance'] as const;
export type TrivyMode = (typeof TRIVY_MODES)[number];
/** Trivy's built-in Kubernetes compliance specs (its pkg/types/report.go), by the name `--compliance` takes. */
export const TRIVY_K8S_COMPLIANCE = ['k8s-cis-1.23', 'k8s-nsa-1.0', 'k8s-pss-baseline-0.1', 'k8s-pss-restricted-0.1'] as const;
export type TrivyCompliance = (typeof TRIVY_K8S_COMPLIANCE)[number];

/** The attack battery's attempts by id, in the order it makes them (src/kube/battery.ts). */
export const ATTACK_IDS = [
  'privileged-pod', 'host-path-root', 'host-network', 'host-pid', 'run-as-root', 'cap-net-raw', 'cap-sys-admin', 'automount-sa-token',
  'read-secrets', 'pod-in-other-namespace', 'escalate-rolebinding',
  'cross-namespace-traffic',
] as const;
export type AttackId = (typeof ATTACK_IDS)[number];

/** A pack folder's optional list of the attacks it should make the cluster deny: evidence the report checks, not a manifest. */
export const EXPECTED_DENIALS_FILES = ['expected-denials.yaml', 'expected-denials.yml'] as const;

/** One manifest of a pack: where it came from and the sha256 of its content (canonical JSON of the document). */
export interface ManifestRef {
  pack: string;
  /** The file, relative to the pack's folder. */
  file: string;
  /** 1-based position of the document in its file. */
  document: number;
  apiVersion: string;
  kind: string;
  /** Empty for the run's Namespace (its name is the run's). */
  name: string;
  sha256: string;
}

/** A scenario as resolved by the worker; small enough for workflow history (manifest contents stay in artifacts). */
export interface ScenarioDefinition {
  name: ScenarioName;
  /** `built-in` or the scenario file it came from. */
  source: string;
  description?: string;
  /** `expectedDenials`: the attacks the pack's expected-denials.yaml says it makes the cluster deny (absent without that file). */
  packs: { name: string; source: string; expectedDenials?: AttackId[] }[];
  tools: ScenarioTool[];
  /** Some pack enforces Pod Security on the namespace, so the workload is deployed in its compliant variant. */
  hardenedWorkload: boolean;
  manifests: ManifestRef[];
}

/** The experiment's artifact file holding the resolved definitions with every manifest's content. */
export const SCENARIO_DEFINITIONS_FILE = 'scenario-definitions.json';
