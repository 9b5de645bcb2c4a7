import type { ClusterProvider, Provisioned, ProvisionContext, TeardownOutcome } from './types';

/** The slice of the test bed's API this provider uses (src/testbed). */
export interface SimApi {
  simStatus(options?: { home?: string }): Promise<{ running: boolean; kubeconfigPath?: string; nodeMapPath?: string }>;
  simUp(options?: { home?: string; log?: (line: string) => void }): Promise<{ kubeconfigPath: string; nodeMapPath: string }>;
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

  constructor(
    private readonly sim: () => SimApi = loadSim,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  async provision(ctx: ProvisionContext): Promise<Provisioned> {
    const sim = this.sim();
    const status = await sim.simStatus({ home: ctx.home });
    let kubeconfigPath = status.kubeconfigPath;
    let nodeMapPath = status.nodeMapPath;
    if (!status.running || !kubeconfigPath || !nodeMapPath) {
      const up = await sim.simUp({ home: ctx.home, log: this.log });
      kubeconfigPath = up.kubeconfigPath;
      nodeMapPath = up.nodeMapPath;
    }
    return { ref: { provider: 'local', kubeconfigPath, context: ctx.spec.context, nodeMapPath: ctx.nodeMapPath ?? nodeMapPath }, created: false };
  }

  async teardown(): Promise<TeardownOutcome> {
    return { deleted: false, detail: 'the local test bed is shared: left running (stop it with `hardenlab sim down`)' };
  }
}
