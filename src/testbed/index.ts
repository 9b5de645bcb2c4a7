/** The test bed: a real control plane with KWOK nodes and real sshd node hosts (`hardenlab testbed up|down|status`). */
export { testbedUp, testbedDown, testbedStatus, withTestbedLock } from './lifecycle';
export type { TestbedOptions, TestbedUpOptions, TestbedUpResult, TestbedStatusResult, TestbedDownResult } from './lifecycle';
export {
  STANDARD_PORTS,
  TESTBED_API_SERVER_URL,
  TESTBED_UNPRIVILEGED_USER,
  DEFAULT_TESTBED_INSTANCE,
  apiServerUrl,
  nodeSshArgs,
  numberedNodes,
  testbedLayout,
} from './layout';
export type { TestbedInstance, TestbedLayout, TestbedNode, TestbedPorts } from './layout';
export { readVersions, binaryPaths } from './buildVersions';
export type { TestbedVersions, TestbedBinaries } from './buildVersions';
export { describeTestbedStatus } from './describe';
export { NODE_KINDS, loadTestbedConfig, renderTestbedConfig } from './testbedConfig';
export type { NodeKind, TestbedConfig } from './testbedConfig';
