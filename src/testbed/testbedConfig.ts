/**
 * The test bed's shape as a file, like kind's `kind: Cluster`: node kind and count, each node's CPU and memory,
 * the Kubernetes version, addresses and ports, and the real nodes' registry. `hardenlab testbed up --config FILE`
 * takes it; without one the defaults below hold (the thesis's 3 nodes of 1 CPU and 2 GiB).
 */
import * as fs from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, stringify, type Document } from 'yaml';
import { z } from 'zod';
import type { TestbedInstance, TestbedNode, TestbedPorts } from './layout';

/**
 * Which nodes a test bed runs: `kwok` (simulated by KWOK, with a real sshd + sysstat host per node on this
 * machine: fast, for large node counts and most tests) or `real` (system containers with their own cgroups,
 * /proc and network namespace, running containerd and a real kubelet: what an experiment should measure).
 */
export const NODE_KINDS = ['kwok', 'real'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export const TESTBED_API_VERSION = 'hardenlab.io/v1alpha1';
export const TESTBED_KIND = 'TestBed';
/** Real nodes are system containers on this machine: a handful at most (each takes a CPU and 2 GiB by default). */
export const MAX_REAL_NODES = 5;
/** KWOK nodes cost one small sshd each; the limit keeps a typo from starting ten thousand of them. */
export const MAX_KWOK_NODES = 1000;

/**
 * Each node's CPU and memory when the file does not say. Real nodes get the thesis's small nodes (1 CPU, 2 GiB) as
 * cgroup limits; KWOK nodes keep the capacity they have always advertised (2 CPU, 4 GiB), which the scenarios fit.
 */
export const DEFAULT_NODE_RESOURCES: Record<NodeKind, { cpu: number; memory: string }> = {
  real: { cpu: 1, memory: '2Gi' },
  kwok: { cpu: 2, memory: '4Gi' },
};

/** The ports kube-hunter probes (it knows only the standard ones); the default test bed listens on them too. */
export const STANDARD_PORTS = { kubeApiserver: 6443, etcd: 2379, ssh: 22 } as const;
export const DEFAULT_TESTBED_NAME = 'hardenlab';
export const DEFAULT_NODES = { kind: 'kwok', count: 3, namePrefix: 'sim-node', firstAddress: '127.0.0.11' } as const;
export const DEFAULT_PORTS: TestbedPorts = {
  ...STANDARD_PORTS,
  etcdPeer: 2380,
  kubeControllerManager: 10257,
  kubeScheduler: 10259,
  kwokController: 10247,
};
export const DEFAULT_REGISTRY_PORT = 5000;

const port = z.number().int().min(1).max(65535);
const loopback = z
  .string()
  .regex(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/, 'a 127.0.0.0/8 address')
  .refine((address) => address.split('.').every((octet) => Number(octet) <= 255), 'a 127.0.0.0/8 address');
const memoryQuantity = z
  .union([z.string(), z.number()])
  .transform(String)
  .refine((text) => memoryBytes(text) !== undefined, 'a memory quantity such as 2Gi, 512Mi or 2147483648');

const configSchema = z.strictObject({
  apiVersion: z.literal(TESTBED_API_VERSION),
  kind: z.literal(TESTBED_KIND),
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'lower-case letters, digits and dashes')
    .default(DEFAULT_TESTBED_NAME),
  kubernetesVersion: z
    .string()
    .regex(/^v1\.\d+\.\d+$/, 'v1.<minor>.<patch>')
    .optional(),
  nodes: z
    .strictObject({
      kind: z.enum(NODE_KINDS).default(DEFAULT_NODES.kind),
      count: z.number().int().min(1).default(DEFAULT_NODES.count),
      cpu: z.number().min(0.1).max(64).optional(),
      memory: memoryQuantity.optional(),
      namePrefix: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{0,50}$/, 'lower-case letters, digits and dashes')
        .default(DEFAULT_NODES.namePrefix),
      firstAddress: loopback.default(DEFAULT_NODES.firstAddress),
    })
    .default(DEFAULT_NODES),
  networking: z
    .strictObject({
      /** A loopback address of the bed's own where the API server and etcd also answer on 6443 and 2379. */
      apiAddress: loopback.optional(),
      ports: z
        .strictObject({
          kubeApiserver: port.default(DEFAULT_PORTS.kubeApiserver),
          etcd: port.default(DEFAULT_PORTS.etcd),
          etcdPeer: port.default(DEFAULT_PORTS.etcdPeer),
          kubeControllerManager: port.default(DEFAULT_PORTS.kubeControllerManager),
          kubeScheduler: port.default(DEFAULT_PORTS.kubeScheduler),
          kwokController: port.default(DEFAULT_PORTS.kwokController),
          ssh: port.default(DEFAULT_PORTS.ssh),
        })
        .default(DEFAULT_PORTS),
    })
    .default({ ports: DEFAULT_PORTS }),
  /** Real nodes pull docker.io names from a registry on the node network's bridge, at this port. */
  registry: z.strictObject({ port: port.default(DEFAULT_REGISTRY_PORT) }).default({ port: DEFAULT_REGISTRY_PORT }),
});

/** A test bed's shape with every default filled in and the sizes in machine units. */
export interface TestbedConfig {
  /** The file it came from, or `defaults`. */
  source: string;
  name: string;
  kubernetesVersion: string;
  nodes: {
    kind: NodeKind;
    count: number;
    cpu: number;
    memory: string;
    cpuMilli: number;
    memoryBytes: number;
    namePrefix: string;
    firstAddress: string;
  };
  networking: { apiAddress?: string; ports: TestbedPorts };
  registry: { port: number };
}

const UNITS: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** Bytes of a Kubernetes memory quantity (`2Gi`, `512Mi`, `2G`, `2147483648`), or undefined when it is not one. */
export function memoryBytes(quantity: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(quantity.trim());
  if (!match) return undefined;
  const bytes = Math.round(Number(match[1]) * UNITS[match[2] ?? '']!);
  return bytes > 0 ? bytes : undefined;
}

/** `count` loopback addresses from `first` on (the last octets carry over: 127.0.0.255 is followed by 127.0.1.0). */
export function consecutiveAddresses(first: string, count: number): string[] {
  const start = first.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  return Array.from({ length: count }, (_, i) => {
    const value = start + i;
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
  });
}

/** The line of a field in the document (1-based), or undefined when the field is not in the file. */
function lineOf(doc: Document, counter: LineCounter, fieldPath: readonly PropertyKey[]): number | undefined {
  for (let depth = fieldPath.length; depth > 0; depth--) {
    const parent = depth === 1 ? doc.contents : doc.getIn(fieldPath.slice(0, depth - 1) as (string | number)[], true);
    if (!isMap(parent) && !isSeq(parent)) continue;
    const key = fieldPath[depth - 1];
    const pair = isMap(parent) ? parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === key) : undefined;
    const node = pair ? (pair.key as { range?: [number, number, number] }) : isSeq(parent) ? parent.items[Number(key)] : undefined;
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return undefined;
}

function invalid(source: string, field: string, line: number | undefined, message: string): Error {
  return new Error(`${source}${line ? `:${line}` : ''}: ${field}: ${message}`);
}

/** Checks that no schema can: limits that depend on the node kind, and the version this checkout builds. */
function crossChecks(config: z.output<typeof configSchema>, pinnedKubernetes: string | undefined): { path: string[]; message: string }[] {
  const problems: { path: string[]; message: string }[] = [];
  const max = config.nodes.kind === 'real' ? MAX_REAL_NODES : MAX_KWOK_NODES;
  if (config.nodes.count > max) problems.push({ path: ['nodes', 'count'], message: `${config.nodes.kind} nodes: 1..${max}` });
  const last = consecutiveAddresses(config.nodes.firstAddress, config.nodes.count).at(-1)!;
  if (!last.startsWith('127.')) {
    problems.push({ path: ['nodes', 'firstAddress'], message: `${config.nodes.count} nodes leave 127.0.0.0/8` });
  }
  if (config.nodes.kind === 'real' && memoryBytes(config.nodes.memory ?? '2Gi')! < 512 * 2 ** 20) {
    problems.push({ path: ['nodes', 'memory'], message: 'real nodes need at least 512Mi (systemd, containerd and a kubelet)' });
  }
  if (pinnedKubernetes !== undefined && config.kubernetesVersion !== undefined && config.kubernetesVersion !== pinnedKubernetes) {
    problems.push({
      path: ['kubernetesVersion'],
      message: `${config.kubernetesVersion} is not built by this checkout; scripts/testbed/versions.env pins ${pinnedKubernetes}`,
    });
  }
  return problems;
}

/**
 * Parses a test bed file's text. Every problem is an Error naming the file, the line where the YAML has one, and the
 * field. `pinnedKubernetes` is the version the binaries are built for (scripts/testbed/versions.env); a record of a
 * running test bed is read without one (it names its own).
 */
export function parseTestbedConfig(text: string, source: string, pinnedKubernetes?: string): TestbedConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw invalid(source, '(file)', error.linePos?.[0].line, `not valid YAML: ${error.message.split('\n')[0]}`);
  }
  const parsed = configSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const messages = parsed.error.issues.map((issue) => {
      const line = lineOf(doc, counter, issue.path);
      return `${source}${line ? `:${line}` : ''}: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
    });
    throw new Error(messages.join('\n'));
  }
  const problems = crossChecks(parsed.data, pinnedKubernetes);
  if (problems.length > 0) {
    throw new Error(problems.map((p) => invalid(source, p.path.join('.'), lineOf(doc, counter, p.path), p.message).message).join('\n'));
  }
  return resolve(parsed.data, source, pinnedKubernetes);
}

function resolve(config: z.output<typeof configSchema>, source: string, pinnedKubernetes: string | undefined): TestbedConfig {
  const kubernetesVersion = config.kubernetesVersion ?? pinnedKubernetes;
  if (kubernetesVersion === undefined) throw invalid(source, 'kubernetesVersion', undefined, 'missing');
  const fallback = DEFAULT_NODE_RESOURCES[config.nodes.kind];
  const cpu = config.nodes.cpu ?? fallback.cpu;
  const memory = config.nodes.memory ?? fallback.memory;
  return {
    source,
    name: config.name,
    kubernetesVersion,
    nodes: { ...config.nodes, cpu, memory, cpuMilli: Math.round(cpu * 1000), memoryBytes: memoryBytes(memory)! },
    networking: { ...(config.networking.apiAddress ? { apiAddress: config.networking.apiAddress } : {}), ports: config.networking.ports },
    registry: config.registry,
  };
}

/** Reads and parses a test bed file (see parseTestbedConfig). */
export function loadTestbedConfig(file: string, pinnedKubernetes: string): TestbedConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot read the test bed file (${(error as Error).message})`);
  }
  return parseTestbedConfig(text, file, pinnedKubernetes);
}

/** The configuration when no file is given: today's shared test bed. */
export function defaultTestbedConfig(pinnedKubernetes: string, kind: NodeKind = 'kwok'): TestbedConfig {
  const text = `{apiVersion: ${TESTBED_API_VERSION}, kind: ${TESTBED_KIND}, nodes: {kind: ${kind}}}`;
  return parseTestbedConfig(text, 'defaults', pinnedKubernetes);
}

/** The nodes a configuration names: `<namePrefix>-1…` on consecutive loopback addresses. */
export function configNodes(config: TestbedConfig): TestbedNode[] {
  return consecutiveAddresses(config.nodes.firstAddress, config.nodes.count).map((address, i) => ({
    name: `${config.nodes.namePrefix}-${i + 1}`,
    address,
  }));
}

/** The addresses and ports of the test bed a configuration describes. */
export function configInstance(config: TestbedConfig): TestbedInstance {
  return {
    clusterName: config.name,
    ports: { ...config.networking.ports },
    nodes: configNodes(config),
    ...(config.networking.apiAddress ? { apiAddress: config.networking.apiAddress } : {}),
  };
}

/** The configuration as a file (every field explicit): what `testbed status` prints and the test bed keeps. */
export function renderTestbedConfig(config: TestbedConfig): string {
  const { cpuMilli: _cpuMilli, memoryBytes: _memoryBytes, ...nodes } = config.nodes;
  return stringify({
    apiVersion: TESTBED_API_VERSION,
    kind: TESTBED_KIND,
    name: config.name,
    kubernetesVersion: config.kubernetesVersion,
    nodes,
    networking: config.networking,
    registry: config.registry,
  });
}
