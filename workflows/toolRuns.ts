/**
 * The security tools as the experiment's tools config enables them: kube-bench in its mode, kube-hunter and
 * Trivy once per mode. Inside a scenario's window each run is a step an operator may retry or skip;
 * after the window the same runs are audits (workflows/afterWindow.ts).
 */
import { patched } from '@temporalio/workflow';
import type { KubeHunterMode, TrivyMode } from '../src/domain/activities';
import type { ScenarioRecord, ToolRunRequest, ToolRunSummary } from '../src/domain/contracts';
import type { ScenarioTool } from '../src/domain/scenarios';
import { stepOptions } from './activityOptions';
import type { ActivityProxies } from './proxies';
import type { StepRunner } from './stepRunner';
import { PATCHES } from './patches';

export interface ToolRun {
  tool: ScenarioTool;
  mode: string;
  /** Starts the activity: its id names the tool and mode (after `idPrefix`), its summary what it does. */
  start: () => Promise<ToolRunSummary>;
}

/** The runs of `only`'s tools that the config enables, in order: kube-bench, then kube-hunter's modes, then Trivy's. */
export function toolRuns(
  acts: ActivityProxies,
  req: ToolRunRequest,
  only: readonly ScenarioTool[],
  benchNode: string,
  label: { idPrefix: string; summaryPrefix: string },
): ToolRun[] {
  const runs: ToolRun[] = [];
  if (req.tools.kubeBench.enabled && only.includes('kube-bench')) {
    const { mode } = req.tools.kubeBench;
    const what = mode === 'node' ? `kube-bench node on ${benchNode}` : 'kube-bench as a Job in the cluster';
    const kubeBench = acts<'runKubeBench'>(stepOptions.tools, `${label.idPrefix}kube-bench-${mode}`, `${label.summaryPrefix}${what}`);
    runs.push({ tool: 'kube-bench', mode, start: () => kubeBench.runKubeBench(req) });
  }
  if (req.tools.kubeHunter.enabled && only.includes('kube-hunter')) {
    for (const mode of req.tools.kubeHunter.modes as KubeHunterMode[]) {
      const target =
        mode === 'remote'
          ? ` against ${req.tools.kubeHunter.remoteTarget ?? 'the API server'}`
          : mode === 'interface'
            ? ` on ${benchNode}`
            : ' as a pod';
      const kubeHunter = acts<'runKubeHunter'>(
        stepOptions.tools,
        `${label.idPrefix}kube-hunter-${mode}`,
        `${label.summaryPrefix}kube-hunter ${mode}${target}`,
      );
      runs.push({ tool: 'kube-hunter', mode, start: () => kubeHunter.runKubeHunter({ ...req, mode }) });
    }
  }
  // A tools config resolved before Trivy existed has no `trivy`, so histories of that release never reach the patch.
  const trivy = req.tools.trivy;
  if (trivy?.enabled && only.includes('trivy') && patched(PATCHES.trivyTool)) {
    for (const mode of trivy.modes as TrivyMode[]) {
      const what = mode === 'compliance' ? `${trivy.compliance} compliance report` : 'misconfiguration scan';
      const summary = `${label.summaryPrefix}Trivy ${what} from the worker`;
      const run = acts<'runTrivy'>(stepOptions.tools, `${label.idPrefix}trivy-${mode}`, summary);
      runs.push({ tool: 'trivy', mode, start: () => run.runTrivy({ ...req, mode }) });
    }
  }
  return runs;
}

/** Inside the window, so their own CPU cost shows on the charts. */
export async function runTools(
  step: StepRunner,
  acts: ActivityProxies,
  req: ToolRunRequest,
  only: readonly ScenarioTool[],
  benchNode: string,
): Promise<ScenarioRecord['tools']> {
  const summaries: NonNullable<ScenarioRecord['tools']> = [];
  for (const run of toolRuns(acts, req, only, benchNode, { idPrefix: '', summaryPrefix: '' })) {
    const summary = await step('run-tools', run.start);
    if (summary) summaries.push(summary);
  }
  return summaries;
}
