import * as os from 'node:os';
import {
  DEFAULT_SIM_INSTANCE,
  describeSimStatus,
  SIM_NODES,
  simDown,
  simStatus,
  simUp,
  type NodeKind,
  type SimInstance,
} from '../../testbed';
import { decideCgroupHost, describeCgroupPlan, describeMissing } from '../../testbed/cgroupHost';
import { formatCgroupHostRecord, readCgroupHostFacts } from '../../testbed/cgroupHostRecord';

const log = (line: string) => console.log(`[sim] ${line}`);

export interface SimUpCommandOptions {
  nodes?: NodeKind;
  readyTimeoutSeconds?: string;
  /** 1 to 3: the default instance's first nodes (the cgroup v2 proof's TCG guest runs two). */
  nodeCount?: string;
  minimal?: boolean;
}

/** The instance `--node-count` asks for, or undefined (the recorded one, else the default); refused while another runs. */
async function instanceWithNodeCount(nodeCount: string | undefined): Promise<SimInstance | undefined> {
  if (nodeCount === undefined) return undefined;
  const count = Number(nodeCount);
  if (!(Number.isInteger(count) && count >= 1 && count <= SIM_NODES.length)) {
    throw new Error(`--node-count must be a whole number from 1 to ${SIM_NODES.length}, got '${nodeCount}'`);
  }
  const nodes = SIM_NODES.slice(0, count);
  const status = await simStatus({ env: process.env });
  const running = status.components.some((component) => component.running) || status.nodeHosts.some((node) => node.running);
  if (running && status.nodeHosts.map((node) => node.name).join() !== nodes.map((node) => node.name).join()) {
    throw new Error(`--node-count ${count}: the running test bed has ${status.nodeHosts.length} nodes; stop it first (hardenlab sim down)`);
  }
  return { ...DEFAULT_SIM_INSTANCE, nodes };
}

export async function simCommand(action: 'up' | 'down' | 'status', options: SimUpCommandOptions = {}): Promise<void> {
  if (action === 'up') {
    const seconds = options.readyTimeoutSeconds === undefined ? undefined : Number(options.readyTimeoutSeconds);
    if (seconds !== undefined && !(Number.isInteger(seconds) && seconds > 0)) {
      throw new Error(`--ready-timeout must be a whole number of seconds above 0, got '${options.readyTimeoutSeconds}'`);
    }
    const instance = await instanceWithNodeCount(options.nodeCount);
    const up = await simUp({
      env: process.env,
      log,
      nodes: options.nodes,
      ...(instance ? { instance } : {}),
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
