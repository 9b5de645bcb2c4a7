/** The test bed: a real control plane with KWOK nodes and real sshd node hosts (`hardenlab sim up|down|status`). */
export { simUp, simDown, simStatus, withSimLock } from './sim';
export type { SimOptions, SimUpOptions, SimUpResult, SimStatusResult, SimDownResult } from './sim';
export {
  STANDARD_PORTS,
  SIM_API_SERVER_URL,
  SIM_UNPRIVILEGED_USER,
  DEFAULT_SIM_INSTANCE,
  apiServerUrl,
  nodeSshArgs,
  numberedNodes,
  simLayout,
} from './layout';
export type { SimInstance, SimLayout, SimNode, SimPorts } from './layout';
export { readVersions, binaryPaths } from './buildVersions';
export type { TestbedVersions, TestbedBinaries } from './buildVersions';
export { describeSimStatus } from './describe';
export { NODE_KINDS, loadTestBedConfig, renderTestBedConfig } from './testbedConfig';
export type { NodeKind, TestBedConfig } from './testbedConfig';
