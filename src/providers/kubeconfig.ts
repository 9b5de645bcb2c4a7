import * as os from 'node:os';
import * as path from 'node:path';
import type { ClusterProvider, Provisioned, ProvisionContext, TeardownOutcome } from './clusterProvider';

/** The kubeconfig kubectl would use: $KUBECONFIG's first entry, else ~/.kube/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv): string {
  const first = env.KUBECONFIG?.split(path.delimiter).find((p) => p.length > 0);
  return first ?? path.join(env.HOME ?? os.homedir(), '.kube', 'config');
}

/**
 * An existing cluster, reached by kubeconfig path and context. The file, context, reachability and
 * permissions are checked by the provision activity for every provider; this one only resolves the path.
 */
export class KubeconfigProvider implements ClusterProvider {
  readonly name = 'kubeconfig' as const;

  async provision(ctx: ProvisionContext): Promise<Provisioned> {
    const kubeconfigPath = path.resolve(ctx.spec.kubeconfigPath ?? defaultKubeconfigPath(ctx.env));
    return { ref: { provider: 'kubeconfig', kubeconfigPath, context: ctx.spec.context, nodeMapPath: ctx.nodeMapPath }, created: false };
  }

  async teardown(): Promise<TeardownOutcome> {
    return { deleted: false, detail: 'an existing cluster: nothing to tear down' };
  }
}
