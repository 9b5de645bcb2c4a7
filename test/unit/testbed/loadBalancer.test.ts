import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeObject } from '../../../src/kube/kubeObjects';
import {
  assignedAddresses,
  loadBalancedServices,
  planLoadBalancer,
  syncLoadBalancer,
  type LoadBalancerConfig,
} from '../../../src/testbed/realnodes/loadBalancer';
import { readLoadBalancerConfig } from '../../../src/testbed/realnodes/loadBalancerProcess';
import { tempDirSync } from '../../support/tempDir';

const fixture = path.join(__dirname, '..', '..', 'fixtures', 'testbed', 'service-list.json');
const items = (JSON.parse(fs.readFileSync(fixture, 'utf8')) as { items: KubeObject[] }).items;
const pool = ['127.0.0.71', '127.0.0.72', '127.0.0.73'];
const KEPT = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const SITE = '5e1c9d2a-8b7f-4c3e-a1d0-2f3e4a5b6c7d';
const PENDING = 'c3d2e1f0-1a2b-4c3d-9e8f-7a6b5c4d3e2f';

describe('the test bed load balancer', () => {
  it('hands out free pool addresses to new LoadBalancer Services, forwards their NodePorts, and takes back deleted ones', () => {
    const services = loadBalancedServices(items);
    expect(services.map((svc) => svc.name)).toEqual(['site', 'kept', 'no-node-port-yet']);
    const plan = planLoadBalancer(services, new Map([[KEPT, '127.0.0.71'], ['gone-uid', '127.0.0.72']]), pool, '10.77.0.11');
    expect(plan.release).toEqual(['gone-uid']);
    // 127.0.0.72 is free again at once: its Service is gone.
    expect(plan.assign).toEqual([
      {
        uid: SITE,
        service: 'hardenlab-run-a/site',
        address: '127.0.0.72',
        forwards: [
          { name: `lb-${SITE}-80`, address: '127.0.0.72', port: 80, target: '10.77.0.11:31380' },
          { name: `lb-${SITE}-443`, address: '127.0.0.72', port: 443, target: '10.77.0.11:31443' },
        ],
      },
      { uid: PENDING, service: 'hardenlab-run-c/no-node-port-yet', address: '127.0.0.73', forwards: [] },
    ]);
    // "kept" already shows its address: no status write for it.
    expect(plan.patch).toEqual([
      { namespace: 'hardenlab-run-a', name: 'site', address: '127.0.0.72' },
      { namespace: 'hardenlab-run-c', name: 'no-node-port-yet', address: '127.0.0.73' },
    ]);
    expect(plan.unplaced).toEqual([]);
  });

  it('leaves a Service without an address when the pool is used up, and rewrites a status that shows another address', () => {
    const services = loadBalancedServices(items);
    const plan = planLoadBalancer(services, new Map([[KEPT, '127.0.0.72']]), ['127.0.0.72', '127.0.0.73'], '10.77.0.11');
    expect(plan.assign.map((a) => [a.service, a.address])).toEqual([['hardenlab-run-a/site', '127.0.0.73']]);
    expect(plan.unplaced).toEqual(['hardenlab-run-c/no-node-port-yet']);
    expect(plan.patch).toContainEqual({ namespace: 'hardenlab-run-b', name: 'kept', address: '127.0.0.72' });
  });

  it('keeps its addresses on disk, writes statuses through the client, and retries a failed write on the next pass', async () => {
    const state = tempDirSync('hardenlab-lb-');
    const config: LoadBalancerConfig = { state, namespace: 'hardenlab-unit', kubeconfigPath: '/none', pool, target: '10.77.0.11' };
    // Only the Service without NodePorts: this pass starts no forward (forwards need the namespace).
    const pending = items.filter((item) => item.metadata.uid === PENDING);
    const patches: { name: string; status: unknown }[] = [];
    let failNext = true;
    const kube = {
      list: async <T extends KubeObject>() => ({ items: pending as T[], resourceVersion: '1' }),
      patchStatus: async (obj: KubeObject, status: unknown) => {
        if (failNext) {
          failNext = false;
          throw new Error('connection refused');
        }
        patches.push({ name: obj.metadata.name, status });
      },
    };
    const lines: string[] = [];
    await syncLoadBalancer(config, kube, (line) => lines.push(line));
    expect(lines.join('\n')).toMatch(/setting the address of hardenlab-run-c\/no-node-port-yet failed \(retried\): connection refused/);
    expect(assignedAddresses(config)).toEqual(new Map([[PENDING, '127.0.0.71']]));
    await syncLoadBalancer(config, kube, (line) => lines.push(line));
    expect(patches).toEqual([{ name: 'no-node-port-yet', status: { loadBalancer: { ingress: [{ ip: '127.0.0.71' }] } } }]);
    expect(fs.statSync(path.join(state, 'lb', `${PENDING}.address`)).mode & 0o777).toBe(0o600);
  });

  it('keeps no address for a Service whose forward failed, so the next pass forwards it again from the start', async () => {
    const state = tempDirSync('hardenlab-lb-');
    const config: LoadBalancerConfig = { state, namespace: 'hardenlab-unit', kubeconfigPath: '/none', pool, target: '10.77.0.11' };
    const site = items.filter((item) => item.metadata.uid === SITE);
    const patches: string[] = [];
    const kube = {
      list: async <T extends KubeObject>() => ({ items: site as T[], resourceVersion: '1' }),
      patchStatus: async (obj: KubeObject, status: unknown) => void patches.push(`${obj.metadata.name} ${JSON.stringify(status)}`),
    };
    // The second of its two forwards fails once, as a socat slow to start on a loaded host did.
    const forwarded: string[] = [];
    let calls = 0;
    const forward = async (_bed: unknown, name: string, address: string, port: number) => {
      if (++calls === 2) throw new Error('timed out after 15s waiting for the forward socket');
      forwarded.push(`${name} ${address}:${port}`);
    };
    const lines: string[] = [];
    await syncLoadBalancer(config, kube, (line) => lines.push(line), forward);
    expect(lines).toEqual([
      'load balancer: no forward for hardenlab-run-a/site on 127.0.0.71 (retried): timed out after 15s waiting for the forward socket',
    ]);
    expect([assignedAddresses(config).size, patches]).toEqual([0, []]);
    await syncLoadBalancer(config, kube, (line) => lines.push(line), forward);
    expect(assignedAddresses(config)).toEqual(new Map([[SITE, '127.0.0.71']]));
    expect(patches).toEqual(['site {"loadBalancer":{"ingress":[{"ip":"127.0.0.71"}]}}']);
    expect(forwarded).toEqual([`lb-${SITE}-80 127.0.0.71:80`, `lb-${SITE}-80 127.0.0.71:80`, `lb-${SITE}-443 127.0.0.71:443`]);
  });

  it('refuses a configuration whose pool leaves host loopback, naming the field', () => {
    const dir = tempDirSync('hardenlab-lb-config-');
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ state: dir, namespace: 'n', kubeconfigPath: 'k', pool: ['10.0.0.5'], target: '10.77.0.11' }));
    expect(() => readLoadBalancerConfig(file)).toThrow(`${file}: pool.0: must be an address on host loopback`);
  });
});
