/**
 * The shared lane beside a user's test bed: with a test bed running in a default data folder (on the default
 * ports 6443/2379 and node addresses 127.0.0.11-13), the lane's set-up (its jest globalSetup, run here as jest
 * runs it) succeeds on a test bed of its own, and its set-up and teardown leave that bed as they found it: the
 * same processes, the same API server certificate, the same kubeconfig and node map.
 *
 * The bed observed is the one a user (the demo, `testbed up`) runs, if any: only read. Otherwise this test starts one
 * in a data folder of its own with the default instance, and removes it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { DEFAULT_TESTBED_INSTANCE, testbedDown, testbedLayout, testbedStatus, testbedUp } from '../../src/testbed';
import { commandLine } from '../../src/process/subprocess';
import globalSetup from '../support/globalSetup';
import globalTeardown from '../support/globalTeardown';
import { laneHome } from '../support/lane';
import { tempDir } from '../support/tempDir';
import { ensureTestbed } from '../support/testbed';
import { LANE_SETUP_FAILURE_ENV } from '../support/testRun';

jest.setTimeout(20 * 60_000);

const log = (line: string) => process.stderr.write(`[isolation] ${line}\n`);
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The data folder of a running test bed on the default API port, from its kube-apiserver's command line. */
function runningDefaultBedHome(): string | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const command = commandLine(Number(entry));
    if (!/\/kube-apiserver /.test(command) || !command.includes(`--secure-port=${DEFAULT_TESTBED_INSTANCE.ports.kubeApiserver} `)) continue;
    const cert = /--tls-cert-file=(\S+)\/sim\/kwok\/clusters\/[^/]+\/pki\/admin\.crt/.exec(command);
    if (cert) return cert[1];
  }
  return undefined;
}

/** The certificate a TLS client is shown on an address: its SHA-256 fingerprint. */
function servedCertificate(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false, timeout: 10_000 }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
    socket.once('timeout', () => (socket.destroy(), reject(new Error(`no TLS answer on ${host}:${port}`))));
  });
}

/** What must not change: every process of the bed, the certificate its API server serves, its client files. */
async function snapshot(home: string) {
  const status = await testbedStatus({ env: process.env, home, instance: DEFAULT_TESTBED_INSTANCE });
  const layout = testbedLayout(home, DEFAULT_TESTBED_INSTANCE);
  return {
    running: status.running,
    processes: [...status.components.map((c) => `${c.name} ${c.pid}`), ...status.nodeHosts.map((n) => `${n.name} ${n.pid}`)],
    servedCertificate: await servedCertificate('127.0.0.1', DEFAULT_TESTBED_INSTANCE.ports.kubeApiserver),
    certificateFile: sha256(path.join(layout.kwokClusterDir, 'pki', 'admin.crt')),
    kubeconfig: sha256(layout.kubeconfigPath),
    nodeMap: sha256(layout.nodeMapPath),
  };
}

let bedHome: string;
let startedBed = false;
const savedEnv = { home: process.env.HARDENLAB_HOME };

beforeAll(async () => {
  const running = runningDefaultBedHome();
  if (running) {
    bedHome = running;
    log(`observing the test bed running in ${bedHome} (read only)`);
  } else {
    bedHome = await tempDir('hardenlab-default-bed-');
    log(`no test bed on the default ports: starting one in ${bedHome}`);
    await testbedUp({ env: process.env, home: bedHome, instance: DEFAULT_TESTBED_INSTANCE, log });
    startedBed = true;
  }
});

afterAll(async () => {
  process.env.HARDENLAB_HOME = savedEnv.home;
  if (savedEnv.home === undefined) delete process.env.HARDENLAB_HOME;
  delete process.env[LANE_SETUP_FAILURE_ENV];
  const down = { env: process.env, home: bedHome, instance: DEFAULT_TESTBED_INSTANCE, log };
  if (startedBed) expect((await testbedDown(down)).leftover).toEqual([]);
});

test("the shared lane's set-up succeeds beside a test bed in a default data folder and leaves it as it found it", async () => {
  const before = await snapshot(bedHome);
  expect(before.running).toBe(true);

  await globalSetup();
  expect(process.env[LANE_SETUP_FAILURE_ENV]).toBeUndefined();
  expect(process.env.HARDENLAB_HOME).toBe(laneHome('integration'));
  const lane = await ensureTestbed();
  expect(lane.home).toBe(laneHome('integration'));
  expect(lane.home).not.toBe(bedHome);
  expect(lane.apiServerUrl).not.toBe(`https://127.0.0.1:${DEFAULT_TESTBED_INSTANCE.ports.kubeApiserver}`);
  const defaultAddresses = DEFAULT_TESTBED_INSTANCE.nodes.map((n) => n.address);
  expect(lane.instance.nodes.map((n) => n.address).filter((address) => defaultAddresses.includes(address))).toEqual([]);
  // The lane's own API server answers with a certificate of its own.
  const laneAddress = new URL(lane.apiServerUrl);
  expect(await servedCertificate(laneAddress.hostname, Number(laneAddress.port))).not.toBe(before.servedCertificate);
  expect(await snapshot(bedHome)).toEqual(before);

  await globalTeardown();
  expect(await snapshot(bedHome)).toEqual(before);
});
