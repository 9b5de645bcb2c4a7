import { promises as fs } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import type { Client } from '@temporalio/client';
import { parse as parseYaml } from 'yaml';
import { mergeConfig } from '../../config/workerConfig';
import type { ExperimentInput } from '../../config/experiment';
import type { ExperimentResult } from '../../domain/progress';
import { readProgress, type ProgressView } from './progressCommand';
import { withClient } from './shared';

export interface RunOptions {
  config?: string;
  input?: unknown;
  id?: string;
  follow?: boolean;
}

export async function runCommand(opts: RunOptions): Promise<void> {
  const fromFile = opts.config ? parseYaml(await fs.readFile(opts.config, 'utf8')) : {};
  const input = mergeConfig(fromFile ?? {}, opts.input ?? {}) as ExperimentInput;
  await withClient(async (client, temporal) => {
    const workflowId = opts.id ?? `hardenlab-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const handle = await client.workflow.start('securityExperiment', { taskQueue: temporal.taskQueue, workflowId, args: [input] });
    console.log(`started securityExperiment ${handle.workflowId}`);
    if (!opts.follow) return;
    const result = await follow(client, workflowId);
    console.log(`report: ${result.htmlPath ?? `not written (${result.reportError ?? 'unknown reason'})`}`);
    for (const s of result.scenarios) console.log(`  ${s.scenario} #${s.repetition}: ${s.status}${s.error ? ` — ${s.error}` : ''}`);
  });
}

/** A progress bar over all scenarios' windows until the experiment ends. */
export async function follow(client: Client, workflowId: string, pollMs = 2000): Promise<ExperimentResult> {
  const handle = client.workflow.getHandle(workflowId);
  const bar = new SingleBar({ format: '{bar} {percentage}% | {scenario} {step} | {left}', hideCursor: true }, Presets.shades_classic);
  const interactive = Boolean(process.stdout.isTTY);
  let lastText = '';
  if (interactive) bar.start(100, 0, { scenario: '', step: 'starting', left: '' });
  const done = handle.result() as Promise<ExperimentResult>;
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  while (!finished) {
    const view = await readProgress(client, workflowId).catch(() => undefined);
    if (view?.experiment) {
      const total = view.experiment.scenarios.length || 1;
      const completed = view.experiment.scenarios.filter((s) => !['pending', 'running'].includes(s.status)).length;
      const current = view.scenarios.find((s) => s.status === 'running');
      const windowShare = current?.window
        ? Math.min(1, current.window.elapsedSeconds / Math.max(1, current.window.elapsedSeconds + current.window.remainingSeconds))
        : 0;
      const percent = Math.round(((completed + windowShare) / total) * 100);
      const payload = {
        scenario: current ? `${current.scenario} #${current.repetition}` : view.experiment.phase,
        step: current?.step ?? '',
        left: current?.waitingForOperator
          ? 'WAITING FOR OPERATOR'
          : current?.window
            ? `${Math.max(0, Math.round((current.window.endsAt - Date.now()) / 1000))} s left in window`
            : '',
      };
      if (interactive) bar.update(percent, payload);
      else {
        // Without a terminal, print a line only when something other than the clock changed.
        const text = changeLines(view).join('\n');
        if (text !== lastText) console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`);
        lastText = text;
      }
    }
    await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, pollMs))]);
  }
  if (interactive) {
    bar.update(100);
    bar.stop();
  }
  return done;
}

/** What changed in words: the phase and each scenario's status and step (not the clock). */
function changeLines(view: ProgressView): string[] {
  return [
    `${view.workflowId}: ${view.experiment?.phase ?? view.status}`,
    ...view.scenarios.map(
      (s) =>
        `    ${s.scenario} #${s.repetition}: ${s.status},` +
        ` ${s.step}${s.waitingForOperator ? ` — WAITING FOR OPERATOR (${s.waitingForOperator.error})` : ''}`,
    ),
  ];
}
