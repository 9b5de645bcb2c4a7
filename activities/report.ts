/**
 * The final activity: reads what the experiment collected and writes the comparison report
 * (report.html, report.md, summary.json, samples.csv) into `<experimentDir>/report/`.
 */
import { resolve, relative, isAbsolute, join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { readExperimentData, type PlannedRun } from '../src/analysis/files';
import { buildReportModel } from '../src/analysis/model/build';
import { ExperimentDataError } from '../src/analysis/model/experimentData';
import type { BuildReportRequest } from '../src/domain/contracts';
import { writeReport } from '../src/report';
import { safeHeartbeat } from '../src/temporal/heartbeat';

export interface ReportDeps {
  /** Experiment folders must lie inside it (a workflow input never names an arbitrary path). */
  artifactsRoot: string;
}

export interface BuildReportInput {
  experimentId: string;
  /** Absolute, or relative to artifactsRoot. */
  experimentDir: string;
  /** The experiment did not finish: report what exists. */
  partial?: boolean;
  /** The runs to report (the workflow's plan); without it every scenario folder in experimentDir is read. */
  planned?: readonly PlannedRun[];
}

export interface BuildReportResult {
  reportDir: string;
  htmlPath: string;
  summary: { scenarios: number; completed: number; partial: boolean };
}

/** The report activity's input from a workflow's request: the plan's runs, when the workflow sent its plan. */
export function reportInput(req: BuildReportRequest): BuildReportInput {
  const planned = req.plan?.flatMap(({ repetition, order }) => order.map((scenario) => ({ scenario, repetition })));
  const { experimentId, artifactKey: experimentDir, partial } = req;
  return { experimentId, experimentDir, partial, ...(planned ? { planned } : {}) };
}

export function createReportActivities(deps: ReportDeps) {
  async function buildReport(input: BuildReportInput): Promise<BuildReportResult> {
    const root = resolve(deps.artifactsRoot);
    const dir = resolve(root, input.experimentDir);
    const inside = relative(root, dir);
    if (inside.startsWith('..') || isAbsolute(inside)) {
      throw ApplicationFailure.nonRetryable(`experimentDir ${input.experimentDir} is outside the artifacts root`, 'InvalidReportInput');
    }
    safeHeartbeat('reading collected data');
    let data;
    try {
      data = await readExperimentData(dir, input.experimentId, input.planned);
    } catch (error) {
      if (error instanceof ExperimentDataError) {
        throw ApplicationFailure.nonRetryable(error.message, 'MalformedExperimentData', { file: error.file });
      }
      throw error; // I/O trouble: let Temporal retry
    }
    safeHeartbeat('statistics');
    const model = buildReportModel(data, { partial: input.partial ?? false });
    const reportDir = join(dir, 'report');
    // Rewrites every file, so a retried attempt simply starts over.
    await writeReport(model, reportDir, { onProgress: (step) => safeHeartbeat(step) });
    return {
      reportDir,
      htmlPath: join(reportDir, 'report.html'),
      summary: {
        scenarios: model.scenarios.length,
        completed: model.scenarios.reduce((n, s) => n + s.completed, 0),
        partial: model.partial,
      },
    };
  }
  return { buildReport };
}
