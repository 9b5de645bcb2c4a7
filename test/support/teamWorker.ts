/**
 * One hardenlab worker of a team, in a process of its own (so a test can SIGKILL it), for the team set-up
 * test: the worker factory (worker/createWorker.ts) on the given namespace and task queue, with the real
 * config, sampling (SSH + sysstat), record and report activities and doubles for what needs a cluster
 * (test/workflows/doubles.ts). Every activity appends {worker, namespace, workflowId, activity, phase} to a
 * shared JSON-lines log, so the test sees which worker ran what.
 * Prints `{"ready":true,"pid":…}` once it polls.
 * Run: node -r ./test/support/registerTs.js test/support/teamWorker.ts '<json args>'
 */
import { Context } from '@temporalio/activity';
import { NativeConnection } from '@temporalio/worker';
import { appendFileSync } from 'node:fs';
import { createConfigActivities } from '../../activities/config';
import { createRecordActivities } from '../../activities/records';
import { createReportActivities, reportInput } from '../../activities/report';
import { createSamplingActivities } from '../../activities/sampling';
import type { HardenlabActivities } from '../../src/domain/activities';
import { Ssh2Connector } from '../../src/ssh';
import { ArtifactStore } from '../../src/store/artifactStore';
import { createHardenlabWorker } from '../../worker/createWorker';
import { runWorkerMain } from './workerMain';
import { createActivityDoubles } from '../workflows/doubles';
import { sharedWorkflowBundle } from './workflowBundle';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';

export interface TeamWorkerArgs {
  name: string;
  address: string;
  namespace: string;
  taskQueue: string;
  /** HARDENLAB_HOME shared by the team's workers (as the compose file's volume). */
  home: string;
  /** The worker's node map (its config's, never the input's): the "cluster" the doubles provision. */
  nodeMapPath: string;
  callLog: string;
}

export interface TeamCall {
  worker: string;
  pid: number;
  namespace: string;
  workflowId: string;
  activity: string;
  phase: 'start' | 'done';
  at: number;
}

/** What touches a cluster is a double, taking a moment so that concurrent steps spread over the workers. */
const CLUSTER_DOUBLES = [
  'provisionCluster',
  'teardownCluster',
  'deployWorkload',
  'hardenNamespace',
  'applyPacks',
  'runAttackBattery',
  'resetCluster',
  'runKubeBench',
  'runKubeHunter',
  'runTrivy',
  'measureBootTime',
] as const;

function teamActivities(args: TeamWorkerArgs): HardenlabActivities {
  // The lke environment's token is the worker's (never the input's); the doubles create no cluster with it.
  const env = { ...process.env, HARDENLAB_HOME: args.home, LINODE_TOKEN: 'unused-by-the-cluster-doubles' };
  const workerConfig = {
    config: {
      temporal: { address: args.address, namespace: args.namespace, taskQueue: args.taskQueue },
      experiment: { cluster: { provider: 'local' } },
      environments: { lke: { cluster: { provider: 'linode', linode: { ssh: { user: 'hardenlab' } } } } },
    },
  };
  const store = new ArtifactStore(args.home);
  const report = createReportActivities({ artifactsRoot: store.root });
  const real = {
    ...createConfigActivities({ env, workerConfig, store }),
    ...createSamplingActivities({ loadNodeMap, ssh: new Ssh2Connector(), store }),
    ...createRecordActivities({ store }),
    buildReport: (req: Parameters<HardenlabActivities['buildReport']>[0]) => report.buildReport(reportInput(req)),
  };
  const { activities: doubles } = createActivityDoubles({
    env,
    onCall: () => new Promise((resolve) => setTimeout(resolve, 400)),
    results: {
      provisionCluster: async (req) => ({
        cluster: {
          provider: req.cluster.provider,
          kubeconfigPath: '/nonexistent/kubeconfig',
          nodeMapPath: args.nodeMapPath,
          providerClusterId: `lke-${req.runId}`,
        },
        created: true,
        facts: { provider: req.cluster.provider, kubernetesVersion: 'v1.36.3', nodeCount: 2, nodes: [] },
      }),
    },
  });
  const chosen = { ...real } as Record<string, (arg: never) => Promise<unknown>>;
  for (const name of CLUSTER_DOUBLES) chosen[name] = doubles[name] as (arg: never) => Promise<unknown>;
  const logged = {} as Record<string, (arg: never) => Promise<unknown>>;
  for (const [activity, impl] of Object.entries(chosen)) {
    logged[activity] = async (arg: never) => {
      const info = Context.current().info;
      const entry = (phase: TeamCall['phase']): TeamCall => ({
        worker: args.name,
        pid: process.pid,
        namespace: info.workflowNamespace ?? '',
        workflowId: info.workflowExecution?.workflowId ?? '',
        activity,
        phase,
        at: Date.now(),
      });
      appendFileSync(args.callLog, `${JSON.stringify(entry('start'))}\n`);
      const result = await impl(arg);
      appendFileSync(args.callLog, `${JSON.stringify(entry('done'))}\n`);
      return result;
    };
  }
  return logged as unknown as HardenlabActivities;
}

runWorkerMain(async () => {
  const args = JSON.parse(process.argv[2] ?? '{}') as TeamWorkerArgs;
  const connection = await NativeConnection.connect({ address: args.address });
  const worker = await createHardenlabWorker({
    connection,
    namespace: args.namespace,
    taskQueue: args.taskQueue,
    activities: teamActivities(args),
    workflowBundle: await sharedWorkflowBundle(),
    // One step at a time per worker, so that the parallel scenarios' steps are seen on both workers.
    overrides: { identity: `${args.name}@${process.pid}`, maxConcurrentActivityTaskExecutions: 1 },
  });
  return { worker, connection };
});
