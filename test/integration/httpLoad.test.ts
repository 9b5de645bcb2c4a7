/**
 * The load phase's HTTP generator (issue 27) against a node http server on 127.0.0.1, in a child process so the
 * generator's CPU figure is its own: the rate within 5 % of the one asked, latencies and errors recorded, and a
 * server that cannot keep up meets the same offered rate, reported as not achieved instead of slowed down to.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createLoadActivities } from '../../activities/load';
import { REQUEST_SETS } from '../../src/domain/requestSets';
import type { KubeClient } from '../../src/kube/kubeObjects';
import { runHttpLoad } from '../../src/load/httpLoad';
import { wallClock } from '../../src/load/openLoop';
import { ArtifactStore } from '../../src/store/artifactStore';
import { tempDir } from '../support/tempDir';

jest.setTimeout(60_000);

// '/' answers 200, '/slow' after 1 s, '/broken' 500, anything else 404 (HEAD included, as node serves it).
const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url === '/slow') return setTimeout(() => res.end('slow'), 1000);
  res.statusCode = req.url === '/' ? 200 : req.url === '/broken' ? 500 : 404;
  res.end('<html>hardenlab</html>');
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

let server: ChildProcess;
let target: string;

beforeAll(async () => {
  server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(server.stdout!, 'data')) as [Buffer];
  target = `http://127.0.0.1:${Number(chunk.toString().trim())}`;
});

afterAll(() => {
  server?.kill();
});

const span = (seconds: number) => {
  const startMs = Date.now() + 200;
  return { startMs, endMs: startMs + seconds * 1000 };
};

it('sends 200 requests a second for 5 s within 5 % of the rate, with latency quantiles and its own CPU', async () => {
  const plan = { target, requests: REQUEST_SETS['front-and-missing'], requestsPerSecond: 200, ...span(5) };
  const result = await runHttpLoad(plan, wallClock);
  expect(result.due).toBe(1000);
  expect(Math.abs(result.achievedPerSecond - 200) / 200).toBeLessThanOrEqual(0.05);
  expect(result).toMatchObject({ errors: 0, errorRate: 0, skippedBusy: 0, errorSamples: [] });
  expect(result.latencyMs.n).toBe(result.ok);
  expect(result.latencyMs.p50).toBeGreaterThan(0);
  expect(result.latencyMs.p99!).toBeGreaterThanOrEqual(result.latencyMs.p50!);
  expect(result.cpu.seconds).toBeGreaterThan(0);
  expect(result.cpu.shareOfOneCore).toBeCloseTo(result.cpu.seconds / 5, 10);
  console.log(
    `HTTP load: ${result.achievedPerSecond.toFixed(1)} of 200 req/s, p50/p99 ${result.latencyMs.p50!.toFixed(2)}/` +
      `${result.latencyMs.p99!.toFixed(2)} ms, generator CPU ${result.cpu.seconds.toFixed(3)} s ` +
        `(${(100 * result.cpu.shareOfOneCore).toFixed(1)} % of a core)`,
  );
});

it('counts unexpected statuses and refused connections as errors, never as latencies', async () => {
  const broken = await runHttpLoad(
    { target, requests: [{ method: 'GET', path: '/broken', expectStatus: 200 }], requestsPerSecond: 50, ...span(1) },
    wallClock,
  );
  expect(broken).toMatchObject({ due: 50, ok: 0, errors: 50, errorRate: 1 });
  expect(broken.latencyMs.n).toBe(0);
  expect(broken.errorSamples).toEqual(['GET /broken: HTTP 500']);

  // A port nothing listens on (the server's own, once it is closed, is not ours to guess): port 9 on loopback.
  const dead = { target: 'http://127.0.0.1:9', requests: REQUEST_SETS['front-page'], requestsPerSecond: 20, ...span(1) };
  const refused = await runHttpLoad(dead, wallClock);
  expect(refused).toMatchObject({ due: 20, ok: 0, errors: 20, errorRate: 1 });
  expect(refused.errorSamples[0]).toMatch(/^GET \/: connect ECONNREFUSED 127\.0\.0\.1:9$/);
});

it('keeps offering the rate to a server that answers in 1 s, and counts what found no room', async () => {
  const result = await runHttpLoad(
    { target, requests: [{ method: 'GET', path: '/slow', expectStatus: 200 }], requestsPerSecond: 20, maxInFlight: 10, ...span(3) },
    wallClock,
  );
  expect(result.due).toBe(60);
  // About 10 in flight per second of 20 due: half find no room; the rest start on time.
  expect(result.skippedBusy).toBeGreaterThanOrEqual(20);
  expect(result.sent + result.skippedBusy).toBe(60);
  expect(result.maxLagMs).toBeLessThan(200);
  expect(result.latencyMs.p50!).toBeGreaterThanOrEqual(1000);
  expect(result.achievedPerSecond).toBeLessThan(20 * 0.95);
});

it('refuses a target that is not an http URL, naming it', async () => {
  const ftp = { target: 'ftp://127.0.0.1/', requests: REQUEST_SETS['front-page'], requestsPerSecond: 1, ...span(1) };
  await expect(runHttpLoad(ftp, wallClock)).rejects.toThrow("the HTTP load's target ftp://127.0.0.1 is not http://");
});

describe('the sendHttpLoad activity: the app’s address from its Service in the cluster, never from the request', () => {
  const request = {
    runId: 'run-1',
    namespace: 'hardenlab-run-1',
    cluster: { provider: 'local' as const, kubeconfigPath: '/unused' },
    artifactKey: 'exp/baseline/1',
    requestSet: 'front-page' as const,
    requestsPerSecond: 50,
  };
  const serviceWith = (status: unknown, port = Number(new URL(target).port)) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'hardenlab-web', namespace: request.namespace },
    spec: { ports: [{ port }] },
    status,
  });
  const activities = async (service: unknown) => {
    const asked: string[] = [];
    const kube = {
      get: async (_v: string, kind: string, name: string, namespace?: string) => {
        asked.push(`${kind}/${namespace}/${name}`);
        return service;
      },
    } as unknown as KubeClient;
    const store = new ArtifactStore(await tempDir('hardenlab-http-activity-'));
    return { asked, load: createLoadActivities({ store, kube: async () => kube }) };
  };

  it('sends to the load-balancer address and port the Service has, and records them', async () => {
    const { asked, load } = await activities(serviceWith({ loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } }));
    const startAtMs = Date.now() + 200;
    const result = await load.sendHttpLoad({ ...request, startAtMs, durationSeconds: 2 });
    expect(asked).toEqual([`Service/${request.namespace}/hardenlab-web`]);
    expect(result).toMatchObject({ target, requestSet: 'front-page', due: 100, errors: 0, offeredPerSecond: 50 });
    expect(Math.abs(result.achievedPerSecond - 50) / 50).toBeLessThanOrEqual(0.05);
  });

  it('a Service without a load-balancer address fails for good, saying the load was not sent', async () => {
    const { load } = await activities(serviceWith({ loadBalancer: {} }));
    const send = load.sendHttpLoad({ ...request, startAtMs: Date.now(), durationSeconds: 1 });
    await expect(send).rejects.toMatchObject({
      nonRetryable: true,
      type: 'HttpLoadNoTarget',
      message: "the app's Service hardenlab-web in hardenlab-run-1 has no load-balancer address: the HTTP load was not sent",
    });
  });

  it('a retry starts its schedule at its own start: what fell due between attempts is not sent in a burst', async () => {
    const { load } = await activities(serviceWith({ loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } }));
    const result = await load.sendHttpLoad({ ...request, startAtMs: Date.now() - 60_000, durationSeconds: 62 });
    expect(result.due).toBeLessThanOrEqual(101);
    expect(result.maxLagMs).toBeLessThan(500);
  });
});
