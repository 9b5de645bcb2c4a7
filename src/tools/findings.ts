/**
 * One findings model for the security tools, as stored per scenario run in the artifact store
 * (`tools/<tool>-<mode>.findings.json`). Pure: no I/O.
 */
import type { TrivyMode } from '../domain/scenarios';

export type ToolName = 'kube-bench' | 'kube-hunter' | 'trivy';
export type KubeBenchMode = 'node' | 'job';
export type KubeHunterMode = 'remote' | 'interface' | 'pod';
export type ToolMode = KubeBenchMode | KubeHunterMode | TrivyMode;

/** kube-bench's check states. */
export const CHECK_STATUSES = ['PASS', 'FAIL', 'WARN', 'INFO'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export interface Finding {
  tool: ToolName;
  mode: ToolMode;
  /** What the tool examined: a node name, a host, or `cluster` for in-cluster runs. */
  target: string;
  /** kube-bench, Trivy compliance: the check number (`1.2.1`); kube-hunter: the vulnerability id (`KHV002`); Trivy: `KSV-0001`. */
  id: string;
  title: string;
  /** kube-bench: PASS/FAIL/WARN/INFO; Trivy: FAIL (a check failed), PASS (none failed: Trivy's pass), INFO (a manual control). */
  status?: CheckStatus;
  /** kube-hunter: as the tool rates it (`low`, `medium`, `high`); Trivy: `LOW` … `CRITICAL`. */
  severity?: string;
  /** kube-bench: the benchmark section (`1.2`); kube-hunter: the category. */
  section?: string;
  description?: string;
  /** kube-bench: the actual value seen (or why the check could not decide); kube-hunter: its evidence. */
  evidence?: string;
  remediation?: string;
  /** kube-bench: whether the check is scored in the CIS benchmark. */
  scored?: boolean;
  /** kube-hunter: where it found it (`127.0.0.1:6443`); Trivy misconfig: the resource (`namespace/Kind/name`). */
  location?: string;
}

/** What kube-hunter discovered on the way (not vulnerabilities themselves). */
export interface DiscoveredNode {
  type: string;
  location: string;
}
export interface DiscoveredService {
  service: string;
  location: string;
}

/** The stored document: one tool run. The tools' JSON has no times or mode, so they are recorded here. */
export interface FindingsDocument {
  tool: ToolName;
  mode: ToolMode;
  target: string;
  toolVersion?: string;
  /** Epoch milliseconds, as measured by the worker around the tool's run. */
  start: number;
  end: number;
  outcome: 'ok' | 'no-output';
  /** kube-bench: the benchmark it ran (`cis-1.11`) and the Kubernetes version it assumed. */
  benchmark?: string;
  detectedVersion?: string;
  findings: Finding[];
  /** kube-bench: pass/fail/warn/info from its Totals; kube-hunter: nodes/services/vulnerabilities/by severity. */
  totals: Record<string, number>;
  nodes?: DiscoveredNode[];
  services?: DiscoveredService[];
  /** The exact command line or Job that ran, for the report. */
  command?: string;
  warnings: string[];
}

/** Artifact file names of a run, relative to the scenario's artifact key. */
export function findingsFileName(tool: ToolName, mode: ToolMode): string {
  return `tools/${tool}-${mode}.findings.json`;
}
export function rawOutputFileName(tool: ToolName, mode: ToolMode): string {
  return `tools/${tool}-${mode}.raw.txt`;
}

/**
 * Malformed, truncated or unexpected tool output. Names the tool and what was wrong; the activity turns it
 * into a non-retryable `ToolOutputInvalid` failure after saving the raw output.
 */
export class ToolOutputError extends Error {
  override readonly name = 'ToolOutputError';
  constructor(
    readonly tool: ToolName,
    readonly problem: string,
    readonly outputBytes: number,
  ) {
    super(`${tool} output is invalid: ${problem}`);
  }
}

/** Counts by a key, for summaries (`{ FAIL: 12, PASS: 40 }`). */
export function countBy<T>(items: readonly T[], key: (item: T) => string | undefined): Record<string, number> {
  // A Map, then fromEntries: a key such as "__proto__" from tool output stays an ordinary count.
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return Object.fromEntries(counts);
}
