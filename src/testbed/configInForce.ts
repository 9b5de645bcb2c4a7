/**
 * The configuration a test bed was started with, kept in its test bed folder beside its other state (and removed
 * with it by `testbed down`): `testbed status` prints it, and the node kind, node sizes and registry port are read from it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { TestbedInstance, TestbedLayout } from './layout';
import {
  DEFAULT_NODE_RESOURCES,
  DEFAULT_REGISTRY_PORT,
  defaultTestbedConfig,
  memoryBytes,
  parseTestbedConfig,
  renderTestbedConfig,
  type NodeKind,
  type TestbedConfig,
} from './testbedConfig';

export function configInForceFile(layout: TestbedLayout): string {
  return path.join(layout.testbedDir, 'testbed.yaml');
}

export function writeConfigInForce(layout: TestbedLayout, config: TestbedConfig): void {
  fs.mkdirSync(layout.testbedDir, { recursive: true });
  const header = `# in force since ${new Date().toISOString()} (from ${config.source})`;
  writeFileAtomic.sync(configInForceFile(layout), `${header}\n${renderTestbedConfig(config)}`);
}

/** The configuration the test bed in this folder runs with, or undefined before its first start. */
export function readConfigInForce(layout: TestbedLayout): TestbedConfig | undefined {
  const file = configInForceFile(layout);
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8');
  const source = /^# in force since \S+ \(from (.*)\)$/m.exec(text)?.[1];
  return { ...parseTestbedConfig(text, file), ...(source ? { source } : {}) };
}

/**
 * The configuration of a test bed given as addresses and ports (the tests' own instances, or a recorded one) and a
 * node kind: the defaults for that kind, with the instance's name, nodes, addresses and ports.
 */
export function configForInstance(instance: TestbedInstance, kind: NodeKind, pinnedKubernetes: string): TestbedConfig {
  const defaults = defaultTestbedConfig(pinnedKubernetes, kind);
  const first = instance.nodes[0]!;
  return {
    ...defaults,
    source: `addresses and ports of test bed ${instance.clusterName}`,
    name: instance.clusterName,
    nodes: { ...defaults.nodes, count: instance.nodes.length, namePrefix: first.name.replace(/-1$/, ''), firstAddress: first.address },
    networking: { ...(instance.apiAddress ? { apiAddress: instance.apiAddress } : {}), ports: { ...instance.ports } },
  };
}

/**
 * Each real node's CPU (thousandths, for cpu.max and CPUQuota) and memory (bytes), and the registry's port. A test bed
 * started before the configuration was kept gets the defaults.
 */
export function realNodeSize(layout: TestbedLayout): { cpuMilli: number; memoryBytes: number | undefined; registryPort: number } {
  const config = readConfigInForce(layout);
  const fallback = DEFAULT_NODE_RESOURCES.real;
  return {
    cpuMilli: config?.nodes.cpuMilli ?? fallback.cpu * 1000,
    memoryBytes: config?.nodes.memoryBytes ?? memoryBytes(fallback.memory),
    registryPort: config?.registry.port ?? DEFAULT_REGISTRY_PORT,
  };
}
