/**
 * Writes what a scenario run learned next to its artifacts: the workflow's record as it was
 * (`scenario-record.json`) and the report's input (`scenario-data.json`), which joins the record with
 * the node series and findings that the collect and tool activities stored. Safe to run twice.
 */
import type { AuditRecord, NodeIdentity, ScenarioRunData } from '../src/analysis/model/runData';
import type { AuditResult, ScenarioRecord, ToolRunSummary } from '../src/domain/contracts';
import type { NodeSeries, SamplingGap } from '../src/domain/samples';
import type { ArtifactStore } from '../src/store/artifactStore';
import type { FindingsDocument } from '../src/tools/findings';
import { loadRunData } from '../src/load/loadSummary';
import { nodeArtifactDir } from './sampling';

export function createRecordActivities(deps: { store: ArtifactStore }) {
  const { store } = deps;

  async function readIfPresent<T>(key: string, name: string): Promise<T | undefined> {
    return (await store.exists(key, name)) ? store.readJson<T>(key, name) : undefined;
  }

  async function recordScenario(record: ScenarioRecord): Promise<void> {
    const key = record.artifactKey;
    await store.writeJson(key, 'scenario-record.json', record);

    const nodes: NodeSeries[] = [];
    const gaps: SamplingGap[] = [...(record.sampling?.gaps ?? [])];
    const nodeIdentity: NodeIdentity[] = [];
    for (const { node } of record.collect?.nodes ?? []) {
      const series = await readIfPresent<NodeSeries>(key, `${nodeArtifactDir(node)}/series.json`);
      if (series) nodes.push(series);
      const sampling = await readIfPresent<{ gaps?: SamplingGap[]; identity?: NodeIdentity }>(
        key,
        `${nodeArtifactDir(node)}/sampling.json`,
      );
      if (sampling?.identity) nodeIdentity.push(sampling.identity);
      for (const gap of sampling?.gaps ?? []) {
        if (!gaps.some((g) => g.node === gap.node && g.start === gap.start)) gaps.push(gap);
      }
    }
    const findings: NonNullable<ScenarioRunData['findings']> = [];
    for (const run of record.tools ?? []) {
      if (!run.findingsFile) continue;
      const doc = await readIfPresent<FindingsDocument>('.', run.findingsFile);
      for (const f of doc?.findings ?? []) {
        const { tool, severity, status, mode, target, id, title, section, remediation, evidence } = f;
        // Only the fields the report shows (no descriptions), and none that the tool left out.
        const kept = Object.entries({ severity, status, mode, target, id, title, section, remediation, evidence }).filter(
          ([, v]) => v !== undefined,
        );
        findings.push({ tool, ...Object.fromEntries(kept) });
      }
    }
    const data: ScenarioRunData = {
      scenario: record.scenario,
      repetition: record.repetition,
      nodes,
      gaps,
      timings: {
        deploySeconds: record.deploy?.rolloutSeconds,
        scaleUpSeconds: record.deploy?.scaleUpSeconds,
        bootSeconds: record.bootTime ? Object.fromEntries(record.bootTime.nodes.map((n) => [n.node, n.totalSeconds])) : undefined,
        toolRuns: record.tools?.map((t) => ({ tool: t.tool, mode: t.mode, target: t.target, start: t.start, end: t.end })),
      },
      findings,
      hardening: record.harden ?? record.packs,
      ...(record.definition
        ? {
            definition: {
              source: record.definition.source,
              packs: record.definition.packs,
              tools: record.definition.tools,
              manifests: record.definition.manifests.map(({ pack, file, document, kind, name, sha256 }) => ({
                pack,
                file,
                document,
                kind,
                name,
                sha256,
              })),
            },
          }
        : {}),
      ...(record.attacks ? { attacks: record.attacks.attempts } : {}),
      ...(record.audits ? { audits: auditRecords(record, record.audits) } : {}),
      clusterFacts: record.facts as Record<string, unknown> | undefined,
      samplerOverhead: record.collect?.samplerOverhead,
      ...(nodeIdentity.length ? { nodeIdentity } : {}),
      // The report knows completed/failed/cancelled/skipped; an operator's abort is a failure with its reason.
      status: record.status === 'aborted' ? 'failed' : record.status,
      error: record.error,
      stepsNotRun: record.steps.flatMap((s) =>
        s.status === 'ok' ? [] : [{ step: s.step, status: s.status, ...(s.error ? { error: s.error } : {}) }],
      ),
      ...(record.load ? { load: await loadRunData(store, key, record.load) } : {}),
    };
    await store.writeJson(key, 'scenario-data.json', data);
  }

  return { recordScenario };
}

/** The audits the report counts: the window's runs of the tools that stood for the audit, then the after-window runs and failures. */
function auditRecords(record: ScenarioRecord, audits: AuditResult): AuditRecord[] {
  const counted = (run: ToolRunSummary, inWindow: boolean): AuditRecord => ({
    tool: run.tool,
    mode: run.mode,
    target: run.target,
    inWindow,
    outcome: run.outcome,
    counts: run.counts,
  });
  return [
    ...(record.tools ?? []).filter((t) => audits.ranInWindow.includes(t.tool)).map((t) => counted(t, true)),
    ...audits.runs.map((t) => counted(t, false)),
    ...audits.failures.map((f): AuditRecord => ({
      tool: f.tool,
      mode: f.mode,
      inWindow: false,
      outcome: 'failed',
      counts: {},
      error: f.error,
    })),
  ];
}
