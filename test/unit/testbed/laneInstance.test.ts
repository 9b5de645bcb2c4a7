/**
 * The shared lane's test bed instances (test/support/lane.ts) share no port or address with the default test
 * bed (a user's demo or `testbed up`), with each other, or with the other test beds; a data folder records its
 * instance so whatever is given only the folder finds that test bed; the API server is reached on the
 * instance's own address.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { pointKubeconfigAtApiAddress } from '../../../src/testbed/apiForwards';
import { recordedTestbedInstance, recordTestbedInstance, testbedInstanceFile } from '../../../src/testbed/instanceRecord';
import { apiServerUrl, DEFAULT_TESTBED_INSTANCE, testbedLayout, type TestbedInstance } from '../../../src/testbed/layout';
import { renderKwokctlConfig } from '../../../src/testbed/testbedManifests';
import { binaryPaths } from '../../../src/testbed/buildVersions';
import { FAULTS_INSTANCE } from '../../support/faultsBed';
import { LANE_SLOTS, laneInstance, slotEndpoints } from '../../support/lane';
import { tempDirSync } from '../../support/tempDir';

const lanes = Array.from({ length: LANE_SLOTS }, (_, slot) => laneInstance(slot));

describe('the lane instances', () => {
  it('share no endpoint with the default test bed, the fault tests, or each other', () => {
    const taken = new Map<string, string>();
    for (const [owner, instance] of [
      ['default', DEFAULT_TESTBED_INSTANCE],
      ['faults', FAULTS_INSTANCE],
      ...lanes.map((lane) => [lane.clusterName, lane] as const),
    ] as const) {
      for (const endpoint of slotEndpoints(instance)) {
        expect([endpoint, taken.get(endpoint)]).toEqual([endpoint, undefined]);
        taken.set(endpoint, owner);
      }
    }
    // Standard ports (kube-hunter probes only those) on addresses of their own: 127.0.0.1 keeps the default bed's.
    expect(lanes.map((lane) => lane.apiAddress)).toEqual(['127.0.20.1', '127.0.21.1', '127.0.22.1', '127.0.23.1']);
  });

  it('use ports below the ephemeral range, so no client socket takes them', () => {
    for (const lane of lanes) for (const port of Object.values(lane.ports)) expect(port).toBeLessThan(32768);
  });

  it('reach the API server on their own address and standard port, which its certificate names', () => {
    const lane = lanes[0]!;
    expect(apiServerUrl(lane)).toBe('https://127.0.20.1:6443');
    expect(apiServerUrl(DEFAULT_TESTBED_INSTANCE)).toBe('https://127.0.0.1:6443');
    const versions = { kubernetes: 'v1.36.3', etcd: 'v3.6.16', kwok: 'v0.8.0' };
    const config = parse(renderKwokctlConfig(versions, binaryPaths(versions, '/cache'), testbedLayout('/data/lane', lane)));
    expect(config.options).toMatchObject({
      bindAddress: '127.0.0.1',
      kubeApiserverPort: 24443,
      etcdPort: 24379,
      kubeApiserverCertSANs: ['127.0.20.1'],
    });
    expect(() => laneInstance(LANE_SLOTS)).toThrow(`lane slot ${LANE_SLOTS} is not in 0..${LANE_SLOTS - 1}`);
  });
});

describe('the instance a data folder records', () => {
  it('is what the folder holds: absent for a default folder, read back as written', () => {
    const home = tempDirSync('hardenlab-instance-');
    expect(recordedTestbedInstance(home)).toBeUndefined();
    recordTestbedInstance(home, lanes[1]!);
    expect(recordedTestbedInstance(home)).toEqual(lanes[1]);
  });

  it('names the file and the field when the record is bad', () => {
    const home = tempDirSync('hardenlab-instance-');
    const bad: TestbedInstance = { ...lanes[0]!, nodes: [{ name: 'n1', address: '10.0.0.5' }] };
    fs.writeFileSync(testbedInstanceFile(home), JSON.stringify(bad));
    expect(() => recordedTestbedInstance(home)).toThrow(`${testbedInstanceFile(home)}: nodes.0.address: a 127.0.0.0/8 address`);
    fs.writeFileSync(testbedInstanceFile(home), '{');
    expect(() => recordedTestbedInstance(home)).toThrow(new RegExp(`^${testbedInstanceFile(home)}: not JSON`));
  });
});

describe('pointKubeconfigAtApiAddress', () => {
  it("points kwokctl's kubeconfig at the instance's own address, and leaves a default instance's alone", () => {
    const home = tempDirSync('hardenlab-kubeconfig-');
    const write = (layout: ReturnType<typeof testbedLayout>, server: string) => {
      fs.mkdirSync(path.dirname(layout.kubeconfigPath), { recursive: true });
      fs.writeFileSync(
        layout.kubeconfigPath,
        stringify({
          apiVersion: 'v1',
          clusters: [{ name: 'kwok', cluster: { server, 'certificate-authority': '/ca.crt' } }],
          'current-context': 'kwok',
        }),
      );
    };
    const lane = testbedLayout(path.join(home, 'lane'), lanes[2]!);
    write(lane, 'https://127.0.0.1:24445');
    pointKubeconfigAtApiAddress(lane);
    expect(parse(fs.readFileSync(lane.kubeconfigPath, 'utf8'))).toMatchObject({
      clusters: [{ cluster: { server: 'https://127.0.22.1:6443', 'certificate-authority': '/ca.crt' } }],
      'current-context': 'kwok',
    });

    const plain = testbedLayout(path.join(home, 'default'));
    write(plain, 'https://127.0.0.1:6443');
    const before = fs.readFileSync(plain.kubeconfigPath, 'utf8');
    pointKubeconfigAtApiAddress(plain);
    expect(fs.readFileSync(plain.kubeconfigPath, 'utf8')).toBe(before);
  });
});
