import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_TESTBED_INSTANCE, testbedLayout } from '../../../src/testbed/layout';
import {
  configInstance,
  defaultTestbedConfig,
  loadTestbedConfig,
  memoryBytes,
  parseTestbedConfig,
  renderTestbedConfig,
} from '../../../src/testbed/testbedConfig';
import { configForInstance, readConfigInForce, writeConfigInForce } from '../../../src/testbed/configInForce';
import { nodeBedOf } from '../../../src/testbed/realNodes';
import { readNodeKind } from '../../../src/testbed/nodeKind';
import { renderNodeManifests } from '../../../src/testbed/testbedManifests';
import { repoRoot } from '../../../src/config/paths';
import { readVersions } from '../../../src/testbed/buildVersions';
import { tempDirSync } from '../../support/tempDir';

const pinned = 'v1.36.3';
const header = 'apiVersion: hardenlab.io/v1alpha1\nkind: TestBed\n';

describe('the test bed file (kind: TestBed)', () => {
  it('without fields gives exactly the shared test bed of today: 3 KWOK nodes on 127.0.0.11-13, API on 6443, 2 CPU / 4Gi each', () => {
    const config = parseTestbedConfig(header, 'bed.yaml', pinned);
    expect(configInstance(config)).toEqual(DEFAULT_TESTBED_INSTANCE);
    expect(config.nodes).toMatchObject({ kind: 'kwok', count: 3, cpu: 2, memory: '4Gi', cpuMilli: 2000, memoryBytes: 4 * 2 ** 30 });
    expect(config.kubernetesVersion).toBe(pinned);
    expect(config.registry.port).toBe(5000);
    expect(defaultTestbedConfig(pinned)).toEqual({ ...config, source: 'defaults' });
    // The KWOK Node objects of the default configuration advertise what they always have.
    const manifest = renderNodeManifests(configInstance(config).nodes, 'v0.8.0', {
      cpu: String(config.nodes.cpu),
      memory: config.nodes.memory,
    });
    expect(parseAllDocuments(manifest).map((doc) => doc.toJS().status.capacity)).toEqual(
      [1, 2, 3].map(() => ({ cpu: '2', memory: '4Gi', pods: '110' })),
    );
  });

  it('gives real nodes the thesis size by default: 3 x 1 CPU / 2 GiB', () => {
    const config = parseTestbedConfig(`${header}nodes: {kind: real}\n`, 'bed.yaml', pinned);
    expect(config.nodes).toMatchObject({ kind: 'real', count: 3, cpuMilli: 1000, memoryBytes: 2 * 2 ** 30 });
  });

  it('reads counts, sizes, addresses, ports and the registry, and numbers nodes across an octet', () => {
    const text =
      `${header}name: big-bed\nkubernetesVersion: ${pinned}\n` +
      'nodes: {kind: kwok, count: 300, cpu: 0.5, memory: 768Mi, namePrefix: big, firstAddress: 127.0.9.10}\n' +
      'networking: {apiAddress: 127.0.9.1, ports: {kubeApiserver: 16443, etcd: 12379}}\nregistry: {port: 5123}\n';
    const config = parseTestbedConfig(text, 'bed.yaml', pinned);
    const instance = configInstance(config);
    expect(instance.nodes).toHaveLength(300);
    expect(instance.nodes.slice(245, 247)).toEqual([
      { name: 'big-246', address: '127.0.9.255' },
      { name: 'big-247', address: '127.0.10.0' },
    ]);
    expect(instance.ports).toEqual({ ...DEFAULT_TESTBED_INSTANCE.ports, kubeApiserver: 16443, etcd: 12379 });
    expect([instance.clusterName, instance.apiAddress, config.registry.port]).toEqual(['big-bed', '127.0.9.1', 5123]);
    expect([config.nodes.cpuMilli, config.nodes.memoryBytes]).toEqual([500, 768 * 2 ** 20]);
  });

  it.each([
    ['nodes:\n  kind: real\n  count: 6\n', 'bed.yaml:5: nodes.count: real nodes: 1..5'],
    ['nodes:\n  kind: real\n  count: 0\n', 'bed.yaml:5: nodes.count: Too small'],
    ['nodes:\n  count: 1001\n', 'bed.yaml:4: nodes.count: kwok nodes: 1..1000'],
    ['nodes:\n  kind: vm\n', 'bed.yaml:4: nodes.kind: Invalid option'],
    ['nodes:\n  memory: 2 gigs\n', 'bed.yaml:4: nodes.memory: a memory quantity such as 2Gi'],
    ['nodes:\n  kind: real\n  memory: 256Mi\n', 'bed.yaml:5: nodes.memory: real nodes need at least 512Mi'],
    ['nodes:\n  cpu: 0\n', 'bed.yaml:4: nodes.cpu: Too small'],
    ['nodes:\n  firstAddress: 10.0.0.1\n', 'bed.yaml:4: nodes.firstAddress: a 127.0.0.0/8 address'],
    ['nodes:\n  count: 10\n  firstAddress: 127.255.255.250\n', 'bed.yaml:5: nodes.firstAddress: 10 nodes leave 127.0.0.0/8'],
    ['networking:\n  ports:\n    etcd: 70000\n', 'bed.yaml:5: networking.ports.etcd: Too big'],
    ['registry: {port: http}\n', 'bed.yaml:3: registry.port: Invalid input'],
    ['kubernetesVersion: v1.30.0\n', 'bed.yaml:3: kubernetesVersion: v1.30.0 is not built by this checkout'],
    ['nodes: {count: 3, zones: 2}\n', 'bed.yaml:3: nodes: Unrecognized key: "zones"'],
    ['nodes: [1\n', 'bed.yaml:4: (file): not valid YAML'],
  ])('names the file, line and field of a bad value: %j', (body, message) => {
    expect(() => parseTestbedConfig(`${header}${body}`, 'bed.yaml', pinned)).toThrow(message);
  });

  it('names a wrong kind or apiVersion and a file that cannot be read', () => {
    expect(() => parseTestbedConfig('apiVersion: hardenlab.io/v1alpha1\nkind: Cluster\n', 'bed.yaml', pinned)).toThrow(
      'bed.yaml:2: kind: Invalid input: expected "TestBed"',
    );
    expect(() => parseTestbedConfig('kind: TestBed\n', 'bed.yaml', pinned)).toThrow('bed.yaml: apiVersion: Invalid input');
    expect(() => loadTestbedConfig('/nonexistent/bed.yaml', pinned)).toThrow('/nonexistent/bed.yaml: cannot read the test bed file');
  });

  it('parses its own rendering back to the same configuration, and the example file in docs/ parses', () => {
    const config = parseTestbedConfig(`${header}nodes: {kind: real, count: 2, cpu: 1.5, memory: 3Gi}\n`, 'bed.yaml', pinned);
    expect(parseTestbedConfig(renderTestbedConfig(config), 'bed.yaml', pinned)).toEqual(config);
    const example = loadTestbedConfig(path.join(repoRoot, 'docs', 'testbed.yaml'), readVersions().kubernetes);
    expect(configInstance(example)).toEqual(DEFAULT_TESTBED_INSTANCE);
    expect(example.nodes).toMatchObject({ kind: 'kwok', count: 3, cpu: 2, memory: '4Gi' });
  });
});

describe('the configuration in force', () => {
  it('is kept in the test bed folder, gives the node kind, and gives the real nodes their size and the registry port', () => {
    const layout = testbedLayout(tempDirSync('hardenlab-testbed-config-'));
    expect([readConfigInForce(layout), readNodeKind(layout)]).toEqual([undefined, undefined]);
    // A folder without one (a test bed started before it was kept) gets the real nodes' defaults.
    expect(nodeBedOf(layout)).toMatchObject({ cpuMilli: 1000, memoryBytes: 2 ** 31, registryPort: 5000, cgroups: { mode: 'v1' } });

    const config = parseTestbedConfig(
      `${header}nodes: {kind: real, count: 2, cpu: 0.75, memory: 1Gi}\nregistry: {port: 5001}\n`,
      'my.yaml',
      pinned,
    );
    writeConfigInForce(layout, config);
    expect(readConfigInForce(layout)).toEqual(config);
    expect(readNodeKind(layout)).toBe('real');
    expect(nodeBedOf(layout)).toMatchObject({ cpuMilli: 750, memoryBytes: 2 ** 30, registryPort: 5001 });

    fs.writeFileSync(path.join(layout.testbedDir, 'testbed.yaml'), `${header}nodes: {count: many}\n`);
    expect(() => readConfigInForce(layout)).toThrow(`${path.join(layout.testbedDir, 'testbed.yaml')}:3: nodes.count: Invalid input`);
  });

  it('describes a test bed given as addresses and ports with the defaults of its node kind', () => {
    const config = configForInstance(DEFAULT_TESTBED_INSTANCE, 'real', pinned);
    expect(configInstance(config)).toEqual(DEFAULT_TESTBED_INSTANCE);
    expect(config.nodes).toMatchObject({ kind: 'real', cpuMilli: 1000, memoryBytes: 2 ** 31 });
    expect(memoryBytes('2G')).toBe(2e9);
    expect(memoryBytes('0')).toBeUndefined();
  });
});
