import * as os from 'node:os';
import {
  describeTestbedStatus,
  loadTestbedConfig,
  readVersions,
  testbedDown,
  testbedStatus,
  testbedUp,
  type NodeKind,
} from '../../testbed';
import { decideCgroupHost, describeCgroupPlan, describeMissing } from '../../testbed/cgroupHost';
import { formatCgroupHostRecord, readCgroupHostFacts } from '../../testbed/cgroupHostRecord';

const log = (line: string) => console.log(`[testbed] ${line}`);

export async function testbedCommand(
  action: 'up' | 'down' | 'status',
  options: { nodes?: NodeKind; config?: string; readyTimeoutSeconds?: string; minimal?: boolean } = {},
): Promise<void> {
  if (action === 'up') {
    const seconds = options.readyTimeoutSeconds === undefined ? undefined : Number(options.readyTimeoutSeconds);
    if (seconds !== undefined && !(Number.isInteger(seconds) && seconds > 0)) {
      throw new Error(`--ready-timeout must be a whole number of seconds above 0, got '${options.readyTimeoutSeconds}'`);
    }
    const config = options.config === undefined ? undefined : loadTestbedConfig(options.config, readVersions().kubernetes);
    const up = await testbedUp({
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
    const down = await testbedDown({ env: process.env, log });
    console.log(`stopped: ${down.stopped.join(', ') || 'nothing was running'}`);
    if (down.leftover.length) {
      process.exitCode = 1;
      console.error(`left running: ${down.leftover.map((p) => `${p.pid} ${p.command}`).join('\n')}`);
    }
  } else {
    console.log(describeTestbedStatus(await testbedStatus({ env: process.env })).join('\n'));
  }
}

/** `hardenlab testbed host`: the decision on this host's cgroup layout (exit 1 when real nodes cannot run), or its recording. */
export function testbedHostCommand(options: { record?: boolean }): void {
  const facts = readCgroupHostFacts();
  if (options.record) {
    process.stdout.write(
      formatCgroupHostRecord(facts, [`recorded by hardenlab testbed host --record on ${new Date().toISOString()}, kernel ${os.release()}`]),
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
