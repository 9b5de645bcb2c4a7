import { describeSimStatus, simDown, simStatus, simUp, type NodeKind } from '../../testbed';

const log = (line: string) => console.log(`[sim] ${line}`);

export async function simCommand(action: 'up' | 'down' | 'status', options: { nodes?: NodeKind } = {}): Promise<void> {
  if (action === 'up') {
    const up = await simUp({ log, nodes: options.nodes });
    console.log(`API server: ${up.apiServerUrl}\nkubeconfig: ${up.kubeconfigPath}\nnode map:   ${up.nodeMapPath}\nnodes:      ${up.nodeNames.join(', ')}`);
    console.log(`${up.started ? 'started' : 'already running'} in ${(up.durationMs / 1000).toFixed(1)} s`);
  } else if (action === 'down') {
    const down = await simDown({ log });
    console.log(`stopped: ${down.stopped.join(', ') || 'nothing was running'}`);
    if (down.leftover.length) {
      process.exitCode = 1;
      console.error(`left running: ${down.leftover.map((p) => `${p.pid} ${p.command}`).join('\n')}`);
    }
  } else {
    console.log(describeSimStatus(await simStatus()).join('\n'));
  }
}
