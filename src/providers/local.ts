import type { ClusterProvider, Provisioned, ProvisionContext, TeardownOutcome } from './clusterProvider';

/** The worker's environment (which the test bed's programs start from) and the bed's data folder. */
type TestbedCall = { env: NodeJS.ProcessEnv; home?: string };

/** The slice of the test bed's API this provider uses (src/testbed). */
export interface TestbedApi {
  testbedStatus(options: TestbedCall): Promise<{ running: boolean; kubeconfigPath?: string; nodeMapPath?: string }>;
  testbedUp(options: TestbedCall & { log?: (line: string) => void }): Promise<{ kubeconfigPath: string; nodeMapPath: string }>;
}

/**
 * Loaded on first use: the test bed module pulls in process management that workers for other providers
 * never need. A CommonJS `require` (not `import()`), because this module compiles to CommonJS and the
 * test bed is one of ours, not an ES module.
 */
function loadTestbed(): TestbedApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../testbed') as TestbedApi;
}

/**
 * The local test bed (`hardenlab testbed`): started when it is not running, never stopped here (other runs
 * and engineers share it). Its kubeconfig and node map come from its own folder.
 */
export class LocalProvider implements ClusterProvider {
  readonly name = 'local' as const;

  /**
   * `testbedEnv`: the environment of the worker's process, which places the test bed as the CLI's `hardenlab testbed` does
   * (not the activities' environment, whose data folder may be a run's own). `testbedHome`: the data folder the test bed
   * lives in (its sim/ subfolder); default hardenlabHome(testbedEnv), whatever folder this worker keeps its artifacts in.
   */
  constructor(
    private readonly options: { testbedEnv: NodeJS.ProcessEnv; testbedHome?: string; bed?: () => TestbedApi; log?: (line: string) => void },
  ) {}

  async provision(ctx: ProvisionContext): Promise<Provisioned> {
    const bed = (this.options.bed ?? loadTestbed)();
    const home = this.options.testbedHome;
    const status = await bed.testbedStatus({ env: this.options.testbedEnv, home });
    let kubeconfigPath = status.kubeconfigPath;
    let nodeMapPath = status.nodeMapPath;
    if (!status.running || !kubeconfigPath || !nodeMapPath) {
      const up = await bed.testbedUp({ env: this.options.testbedEnv, home, log: this.options.log });
      kubeconfigPath = up.kubeconfigPath;
      nodeMapPath = up.nodeMapPath;
    }
    return {
      ref: { provider: 'local', kubeconfigPath, context: ctx.spec.context, nodeMapPath: ctx.nodeMapPath ?? nodeMapPath },
      created: false,
    };
  }

  async teardown(): Promise<TeardownOutcome> {
    return { deleted: false, detail: 'the local test bed is shared: left running (stop it with `hardenlab testbed down`)' };
  }
}
