import type { ClusterProvider, Provisioned, ProvisionContext, TeardownOutcome } from './clusterProvider';

/** The worker's environment (which the test bed's programs start from) and the bed's data folder. */
type SimCall = { env: NodeJS.ProcessEnv; home?: string };

/** The slice of the test bed's API this provider uses (src/testbed). */
export interface SimApi {
  simStatus(options: SimCall): Promise<{ running: boolean; kubeconfigPath?: string; nodeMapPath?: string }>;
  simUp(options: SimCall & { log?: (line: string) => void }): Promise<{ kubeconfigPath: string; nodeMapPath: string }>;
}

/**
 * Loaded on first use: the test bed module pulls in process management that workers for other providers
 * never need. A CommonJS `require` (not `import()`), because this module compiles to CommonJS and the
 * test bed is one of ours, not an ES module.
 */
function loadSim(): SimApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../testbed') as SimApi;
}

/**
 * The local test bed (`hardenlab sim`): started when it is not running, never stopped here (other runs
 * and engineers share it). Its kubeconfig and node map come from its own folder.
 */
export class LocalProvider implements ClusterProvider {
  readonly name = 'local' as const;

  /**
   * `simEnv`: the environment of the worker's process, which places the test bed as the CLI's `hardenlab sim` does
   * (not the activities' environment, whose data folder may be a run's own). `simHome`: the data folder the test bed
   * lives in (its sim/ subfolder); default hardenlabHome(simEnv), whatever folder this worker keeps its artifacts in.
   */
  constructor(
    private readonly options: { simEnv: NodeJS.ProcessEnv; simHome?: string; sim?: () => SimApi; log?: (line: string) => void },
  ) {}

  async provision(ctx: ProvisionContext): Promise<Provisioned> {
    const sim = (this.options.sim ?? loadSim)();
    const home = this.options.simHome;
    const status = await sim.simStatus({ env: this.options.simEnv, home });
    let kubeconfigPath = status.kubeconfigPath;
    let nodeMapPath = status.nodeMapPath;
    if (!status.running || !kubeconfigPath || !nodeMapPath) {
      const up = await sim.simUp({ env: this.options.simEnv, home, log: this.options.log });
      kubeconfigPath = up.kubeconfigPath;
      nodeMapPath = up.nodeMapPath;
    }
    return {
      ref: { provider: 'local', kubeconfigPath, context: ctx.spec.context, nodeMapPath: ctx.nodeMapPath ?? nodeMapPath },
      created: false,
    };
  }

  async teardown(): Promise<TeardownOutcome> {
    return { deleted: false, detail: 'the local test bed is shared: left running (stop it with `hardenlab sim down`)' };
  }
}
