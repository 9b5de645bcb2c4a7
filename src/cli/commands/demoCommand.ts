import * as path from 'node:path';
import { hardenlabHome } from '../../config/paths';
import type { NodeAccessKind } from '../../config/nodeAccess';
import { withoutEnvironmentFields } from '../../config/trust';
import { TASK_QUEUE, loadWorkerConfig, mergeConfig } from '../../config/workerConfig';
import { connectClient } from '../../temporal/temporalConnection';
import type { ExperimentInput } from '../../config/experiment';
import { canConnect, freePort, startDevServer } from '../../temporal/devServer';
import { testbedUp, type NodeKind } from '../../testbed';
import { realNodesUnsupported } from '../../testbed/realNodes';
import { installRuntime } from '../../temporal/runtime';
import { startWorker, stopWorker } from '../../../worker/runWorker';
import { follow } from './runCommand';
import { startLink, untilSignal } from './shared';
import { temporalCliPath } from '../../temporal/binaries';

const stage = (text: string) => console.log(`\n==> ${text}`);

/**
 * The demo worker's experiment section: the user's design settings (their `tools` section included, merged,
 * not replaced) on the test bed, with subnet probes allowed only inside its proven-closed namespace.
 */
export function demoExperiment(
  experiment: Record<string, unknown>,
  closedNamespace: string | undefined,
  nodeAccess?: NodeAccessKind,
): Record<string, unknown> {
  const subnetProbes = closedNamespace ? { tools: { kubeHunter: { subnetProbes: { allowed: true, closedNamespace } } } } : {};
  // The demo's own worker config: it may reach the nodes through the Kubernetes API instead of SSH.
  const access = nodeAccess ? { nodeAccess } : {};
  const base = mergeConfig(withoutEnvironmentFields(experiment), { cluster: { provider: 'local' }, ...access });
  return mergeConfig(base, subnetProbes) as Record<string, unknown>;
}

/**
 * `hardenlab demo`: the whole experiment on the embedded defaults — test bed, embedded Temporal with
 * its UI, a worker, all three scenarios with a compressed window — ending with the report's path.
 */
export async function demoCommand(opts: {
  window: number;
  interval: number;
  keep?: boolean;
  nodes?: NodeKind;
  nodeAccess?: NodeAccessKind;
}): Promise<void> {
  installRuntime('WARN', process.env);
  const unsupported = realNodesUnsupported();
  const nodes = opts.nodes ?? (unsupported ? 'kwok' : 'real');
  if (opts.nodeAccess === 'kubernetes' && nodes !== 'real') {
    throw new Error(
      `--node-access kubernetes: the access pods need real nodes (KWOK nodes run no pods)${unsupported ? `, and ${unsupported}` : ''}`,
    );
  }
  // Where they can, `testbed up` prints the cgroup hierarchy they use; where not, every missing piece and what to do.
  if (nodes === 'kwok' && !opts.nodes)
    console.log(`${unsupported}\nSo the demo uses KWOK nodes, whose figures are this machine's, not the nodes'.`);
  stage(
    nodes === 'real'
      ? 'Test bed: a real control plane and 3 real nodes (system containers, 1 CPU / 2 GiB each, with a kubelet); the first run builds ' +
          'Kubernetes and the node image: many minutes'
      : 'Test bed: a real control plane with 3 KWOK nodes and sshd node hosts (the first run builds Kubernetes from source: many minutes)',
  );
  const bed = await testbedUp({ env: process.env, log: (line) => console.log(`    ${line}`), nodes });
  console.log(`    API server ${bed.apiServerUrl}, nodes ${bed.nodeNames.join(', ')}`);

  stage('Temporal dev server with its Web UI');
  const home = hardenlabHome();
  const port = (await canConnect('127.0.0.1', 7233)) ? await freePort() : 7233;
  const uiPort = (await canConnect('127.0.0.1', 8233)) ? await freePort() : 8233;
  const server = await startDevServer({
    temporalCli: temporalCliPath(process.env),
    port,
    uiPort,
    dbFile: path.join(home, 'temporal', 'dev.db'),
    logFile: path.join(home, 'temporal', 'dev-server.log'),
  });
  console.log(`    Temporal Web UI: ${server.uiUrl}`);

  stage('Worker');
  // The embedded server, with the rest of the worker settings (an encryption key, say) from the config.
  const loaded = await loadWorkerConfig();
  const temporal = { ...loaded.config.temporal, address: server.address, namespace: 'default', taskQueue: TASK_QUEUE, tls: undefined };
  // The demo's worker serves the test bed, whatever environment the config file names.
  // On real nodes kube-hunter may also hunt as a pod: inside the test bed's closed namespace, proven before each run.
  const experiment = demoExperiment(loaded.config.experiment, bed.closedNamespace, opts.nodeAccess);
  if (opts.nodeAccess)
    console.log(`    nodes reached by ${opts.nodeAccess === 'kubernetes' ? 'the Kubernetes API (an access pod per node, no SSH)' : 'SSH'}`);
  // The dev server has hardenlab's search attributes: runs set them.
  const config = { ...loaded.config, temporal: { ...loaded.config.temporal, searchAttributes: true }, experiment, environments: {} };
  const { worker, connection } = await startWorker(temporal, process.env, { workerConfig: { ...loaded, config } });
  const running = worker.run();

  const client = await connectClient(temporal);
  const input: ExperimentInput = {
    window: {
      durationSeconds: opts.window,
      intervalSeconds: opts.interval,
      healthCheckSeconds: Math.max(opts.interval, Math.min(60, opts.window)),
    },
    workload: { loadBalancerWaitSeconds: 10 },
    operatorTimeoutSeconds: 600,
    // On real nodes kube-bench runs as upstream's Job, pulled from the node network's registry: its CPU shows on
    // the node it ran on; kube-hunter hunts from outside (remote) and from a pod. KWOK nodes run no pods, so there
    // kube-bench runs over SSH as the thesis did and kube-hunter remote only.
    ...(nodes === 'real'
      ? { tools: { kubeBench: { mode: 'job' as const }, kubeHunter: { modes: ['remote' as const, 'pod' as const] } } }
      : {}),
  };
  const workflowId = `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  stage(`Experiment ${workflowId}: baseline, best-practices, security-tools, ${opts.window} s window each at ${opts.interval} s`);
  console.log(`    watch it: ${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
  console.log(`    start another from the UI: ${startLink(server.uiUrl, TASK_QUEUE)}`);
  try {
    await client.workflow.start('securityExperiment', { taskQueue: TASK_QUEUE, workflowId, args: [input] });
    const result = await follow(client, workflowId);
    stage('Done');
    for (const s of result.scenarios) console.log(`    ${s.scenario} #${s.repetition}: ${s.status}${s.error ? ` — ${s.error}` : ''}`);
    console.log(`    Temporal Web UI: ${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
    console.log(`    Report: ${result.htmlPath ?? `not written: ${result.reportError}`}`);
    if (!opts.keep)
      console.log("    (The run is kept in the dev server's database: `node bin/hardenlab.js dev` shows it in the UI again.)");
    console.log(
      `    The test bed keeps running for a look around (kubectl --kubeconfig ${bed.kubeconfigPath}); \`node bin/hardenlab.js testbed ` +
        `down\` stops it.`,
    );
    if (!result.htmlPath) process.exitCode = 1;
    if (opts.keep) {
      console.log('    Dev server and worker keep running; Ctrl-C stops them.');
      await untilSignal();
    }
  } finally {
    await client.connection.close();
    stopWorker(worker);
    await running;
    await connection.close();
    await server.stop();
  }
}
