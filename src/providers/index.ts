import { KubeconfigProvider } from './kubeconfig';
import { LinodeProvider } from './linode';
import { LocalProvider } from './local';
import type { ClusterProvider, ProviderName } from './clusterProvider';

export type { ClusterProvider, ProviderName, Provisioned, ProvisionContext, TeardownContext, TeardownOutcome } from './clusterProvider';
export { KubeconfigProvider, defaultKubeconfigPath } from './kubeconfig';
export { LocalProvider, type TestbedApi } from './local';
export {
  LinodeProvider,
  lkeClusterLabel,
  resolveLinodeToken,
  runKubeconfigPath,
  runNodeMapPath,
  type LinodeProviderOptions,
} from './linode';
export { LinodeApi, LinodeFailure, LinodeTransientError, DEFAULT_LINODE_API_URL } from './linodeApi';
export { deriveNodeMap, pickAddress, NODE_MAP_UNDERIVABLE } from './linodeNodeMap';
export { REQUIRED_ACCESS, verifyAccess, type RequiredAccess } from './requiredAccess';

/** The three providers with default settings; `testbedEnv` places the local test bed (the worker process's environment). */
export function defaultProviders(testbedEnv: NodeJS.ProcessEnv): Record<ProviderName, ClusterProvider> {
  return { kubeconfig: new KubeconfigProvider(), local: new LocalProvider({ testbedEnv }), linode: new LinodeProvider() };
}
