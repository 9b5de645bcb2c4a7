/**
 * The composition root's choice of node transport (issue 24, first step): SSH, or the Kubernetes API when
 * the worker config's `experiment:` says `nodeAccess: kubernetes`, or names a kubeconfig and no
 * node map (the default then). One transport per worker: the activities
 * get it injected and never know which it is.
 */
import * as path from 'node:path';
import { validateExperiment } from '../src/config/experiment';
import { nodeAccessOf, testbedAccessImage } from '../src/config/nodeAccess';
import { hardenlabHome } from '../src/config/paths';
import { withEnvironmentDefaults, type WorkerConfigSource } from '../src/scenarios/resolveExperiment';
import { loadWorkerConfig } from '../src/config/workerConfig';
import { createKubeNodeConnector } from '../src/nodeaccess';
import { Ssh2Connector, type SshConnector } from '../src/ssh';

const testbedDirOf = (env: NodeJS.ProcessEnv) => path.join(hardenlabHome(env), 'sim');

export async function nodeTransport(source: WorkerConfigSource | undefined, env: NodeJS.ProcessEnv): Promise<SshConnector> {
  const ssh = new Ssh2Connector({ defaultAgentSocket: env.SSH_AUTH_SOCK });
  // `hardenlab dev` looks its config up per run (the running test bed): its nodes are reached over SSH.
  if (typeof source === 'function') return ssh;
  const loaded = source ?? (await loadWorkerConfig(env).catch(() => undefined));
  // An invalid config is reported by every run's resolve step, naming the fields; SSH changes nothing there.
  const validated = loaded ? validateExperiment(loaded.config.experiment) : undefined;
  if (!validated?.ok) return ssh;
  const config = withEnvironmentDefaults(validated.config, env);
  if (nodeAccessOf(config).access !== 'kubernetes' || !config.cluster.kubeconfigPath) return ssh;
  const cluster = { kubeconfigPath: config.cluster.kubeconfigPath!, context: config.cluster.context };
  const choice = nodeAccessOf(config);
  // On the test bed, the access image as its registry serves it, pinned by the digest the registry gave it.
  const served = config.cluster.provider === 'local' && !config.nodeAccessImage ? testbedAccessImage(testbedDirOf(env)) : undefined;
  return createKubeNodeConnector(cluster, { image: served ?? choice.image!, tolerations: choice.tolerations });
}
