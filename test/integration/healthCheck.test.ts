/**
 * The health check against real sshd + sysstat: a node whose sshd is down is reported (the workflow records a
 * gap on it and the window goes on), not thrown. Runs on throwaway sshds of its own (the lane slot's .31-.32, port 2222).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSamplingActivities } from '../../activities/sampling';
import { Ssh2Connector } from '../../src/ssh/connection';
import { ArtifactStore } from '../../src/store/artifactStore';
import { ownAddresses } from '../support/lane';
import { SshHost, writeNodeMap } from '../support/sshHost';
import { ensureTestbed } from '../support/testbed';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';

jest.setTimeout(180_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let work: string;
let hosts: SshHost[] = [];
let nodeMapPath: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-health-it-'));
  const addresses = ownAddresses((await ensureTestbed()).instance, 31, 2);
  hosts = await Promise.all(addresses.map((address) => SshHost.start({ address, port: 2222, allowUsers: ['root'] })));
  nodeMapPath = await writeNodeMap(
    path.join(work, 'nodes.yaml'),
    hosts.map((h, i) => h.nodeEntry(`health-node-${i + 1}`)),
  );
});

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.remove()));
  if (work) await fs.rm(work, { recursive: true, force: true });
});

test('a node whose sshd is down is reported unreachable, the others checked; once it is back it is alive again', async () => {
  const activities = createSamplingActivities({
    loadNodeMap,
    ssh: new Ssh2Connector({ readyTimeoutMs: 10_000 }),
    store: new ArtifactStore(path.join(work, 'store')),
  });
  const request = { runId: `it-health-${Date.now().toString(36)}`, nodeMapPath, intervalSeconds: 1, durationSeconds: 20 };
  await activities.startSampling(request);
  try {
    await hosts[1]!.stop();
    const during = await activities.checkSampling(request);
    expect(during.nodes).toEqual([
      { node: 'health-node-1', alive: true, restarted: false },
      { node: 'health-node-2', alive: false, restarted: false, error: expect.stringMatching(/\S/) },
    ]);
    await hosts[1]!.start();
    let after = await activities.checkSampling(request);
    for (let i = 0; i < 20 && after.nodes.some((n) => n.error); i++) {
      await sleep(500);
      after = await activities.checkSampling(request);
    }
    expect(after.nodes).toEqual([
      { node: 'health-node-1', alive: true, restarted: false },
      { node: 'health-node-2', alive: true, restarted: false },
    ]);
  } finally {
    await activities.stopSampling(request).catch(() => undefined);
    await activities.cleanupNodes(request).catch(() => undefined);
  }
});
