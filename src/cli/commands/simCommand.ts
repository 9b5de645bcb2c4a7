import * as os from 'node:os';
import { describeSimStatus, loadTestBedConfig, readVersions, simDown, simStatus, simUp, type NodeKind } from '../../testbed';
import { decideCgroupHost, describeCgroupPlan, describeMissing } from '../../testbed/cgroupHost';
import { formatCgroupHostRecord, readCgroupHostFacts } from '../../testbed/cgroupHostRecord';

const log = (line: string) => console.log(`[sim] ${line}`);

export async function simCommand(
  action: 'up' | 'down' | 'status',
  options: { nodes?: NodeKind; config?: string; readyTimeoutSeconds?: string; minimal?: boolean } = {},
): Promise<void> {
  if (action === 'up') {
    const seconds = options.readyTimeoutSeconds === undefined ? undefined : Number(options.readyTimeoutSeconds);
    if (seconds !== undefined && !(Number.isInteger(seconds) && seconds > 0)) {
      throw new Error(`--ready-timeout must be a whole number of seconds above 0, got '${options.readyTimeoutSeconds}'`);
    }
    const config = options.config === undefined ? undefined : loadTestBedConfig(options.config, readVersions().kubernetes);
    const up = await simUp({
      env: process.env,
      log,
      nodes: options.nodes,
      ...(config ? { config } : {}),
      ...(options.minimal ? { minimal: true } : {}),
      ...(seconds ? { readyTimeoutMs: seconds * 1000 } : {}),
    });
    console.log(
      `API server: ${up.apiServerUrl}\nkubeconfig: ${up.kubeconfigPath}\nnode map:   ${up.nodeMapPath}\nnodes:     ` +
        ` ${up.nodeNames.join(', ')}`,
    );
    console.log(`${up.started ? 'started' : 'already running'} in ${(up.durationMs / 1000).toFixed(1)} s`);
  } else if (action === 'down') {
    const down = await simDown({ env: process.env, log });
    console.log(`stopped: ${down.stopped.join(', ') || 'nothing was running'}`);
    if (down.leftover.length) {
      process.exitCode = 1;
      console.error(`left running: ${down.leftover.map((p) => `${p.pid} ${p.command}`).join('\n')}`);
    }
  } else {
    console.log(describeSimStatus(await simStatus({ env: process.env })).join('\n'));
  }
}

/** `hardenlab sim host`: the decision on this host's cgroup layout (exit 1 when real nodes cannot run), or its recording. */
export function simHostCommand(options: { record?: boolean }): void {
  const facts = readCgroupHostFacts();
  if (options.record) {
    process.stdout.write(
      formatCgroupHostRecord(facts, [`recorded by hardenlab sim host --record on ${new Date().toISOString()}, kernel ${os.release()}`]),
    );
    return;
  }
  const verdict = decideCgroupHost(facts);
  if (verdict.ok) {
    console.log(describeCgroupPlan(verdict.plan));
  } else {
    console.log(describeMissing(verdict));
    process.exitCode = 1;
  }
}
