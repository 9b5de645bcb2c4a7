/**
 * The test bed as a worker's environment: its kubeconfig and node map (whose SSH key and known_hosts
 * live beside them in the test bed folder), read from the state files `testbed up` writes. `hardenlab dev` uses
 * it when no config file names an environment, so `{}` from the UI runs on the test bed right after the demo.
 */
import { testbedStatus, type TestbedOptions } from './lifecycle';

/** What starts the test bed, for people who have none running. */
export const TESTBED_UP_COMMAND = 'node bin/hardenlab.js testbed up';

export interface TestbedEnvironment {
  kubeconfigPath: string;
  nodeMapPath: string;
  /** The worker config's `experiment:` section for it (environment fields only). */
  experiment: { cluster: { provider: 'local'; kubeconfigPath: string }; nodeMapPath: string };
}

/** The environment of the test bed in `options.home`, or undefined when it does not run (or lacks its state files). */
export async function runningTestbedEnvironment(options: TestbedOptions): Promise<TestbedEnvironment | undefined> {
  const status = await testbedStatus(options);
  if (!status.running || !status.kubeconfigPath || !status.nodeMapPath) return undefined;
  return testbedEnvironment(status.kubeconfigPath, status.nodeMapPath);
}

export function testbedEnvironment(kubeconfigPath: string, nodeMapPath: string): TestbedEnvironment {
  return { kubeconfigPath, nodeMapPath, experiment: { cluster: { provider: 'local', kubeconfigPath }, nodeMapPath } };
}
