/**
 * No credential enters a workflow history: the test run's full pipeline on the test bed with the real worker
 * (test/support/fullRun.ts, shared with pipeline.test.ts), then every history on its dedicated dev server,
 * read with `temporal workflow show --output json`, is searched for the test bed's kubeconfig credentials,
 * SSH private key, any private key material and a fake Linode token placed in the worker's environment —
 * as text, base64, and inside decoded payloads.
 */
import { runIdFor } from '../../src/domain/naming';
import { loadNodeMap } from '../../src/ssh/nodeMap';
import { fullPipelineRun, type FullRun } from '../support/fullRun';
import { kubeconfigSecrets, PRIVATE_KEY_MARKERS, scanHistories, scanText, sshKeySecrets, type Secret } from '../support/historyScan';
import { describeLeftover, listRunObjects } from '../support/leftovers';
import { ensureTestbed, type Testbed } from '../support/testbed';

jest.setTimeout(1_500_000);

/** History JSON plus decoded payloads of one full three-scenario run: ~400 KB when measured; the README's figure. */
const SCANNED_BYTES_AT_LEAST = 300_000;

let tb: Testbed;
let full: FullRun;
let secrets: Secret[];

beforeAll(async () => {
  tb = await ensureTestbed();
  full = await fullPipelineRun();
  const keyPaths = [...new Set((await loadNodeMap(tb.nodeMapPath)).nodes.map((n) => n.privateKeyPath).filter((p): p is string => Boolean(p)))];
  secrets = [
    ...(await kubeconfigSecrets(tb.kubeconfigPath)),
    ...(await Promise.all(keyPaths.map(sshKeySecrets))).flat(),
    ...PRIVATE_KEY_MARKERS,
    { label: 'fake Linode API token from the worker env', value: full.fakeLinodeToken },
  ];
});

test('the scanner finds a secret hidden in a payload (positive control)', () => {
  const key = secrets.find((s) => s.label.includes('client-key'))!;
  expect(key).toBeDefined();
  const payload = Buffer.from(JSON.stringify({ leaked: key.value })).toString('base64');
  const history = JSON.stringify({ events: [{ input: { payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: payload }] } }] });
  expect(scanText('control', history, secrets).findings.map((f) => f.where)).toContain('decoded payload');
  const token = JSON.stringify({ events: [{ details: `token=${full.fakeLinodeToken}` }] });
  expect(scanText('control', token, secrets).findings).toHaveLength(1);
});

test('a full pipeline leaves no credential in any workflow history', async () => {
  const { result, workflowId } = full;
  expect(result.scenarios.map((s) => `${s.scenario}:${s.status}`).sort()).toEqual(['baseline:completed', 'best-practices:completed', 'security-tools:completed']);

  // Every execution on the run's dev server (it served only that run): the parent, its children, anything else.
  const ids = full.histories.map((h) => h.workflowId);
  expect(ids).toEqual(expect.arrayContaining([workflowId, ...result.scenarios.map((s) => s.workflowId)]));

  const scan = scanHistories(full.histories, secrets);
  process.stdout.write(
    `secrets scan: ${scan.histories} histories, ${scan.bytes} bytes of history JSON, ${scan.decodedBytes} bytes of decoded payloads, ` +
      `${secrets.length} secrets in ${secrets.length * 2}+ forms, ${scan.findings.length} found\n`,
  );
  expect(scan.histories).toBeGreaterThanOrEqual(4);
  // The README's figure: the scan read a whole run's histories (hundreds of KB), not an empty shell.
  expect(scan.bytes + scan.decodedBytes).toBeGreaterThanOrEqual(SCANNED_BYTES_AT_LEAST);
  expect(scan.findings).toEqual([]);

  for (const scenario of result.scenarios) {
    const leftovers = await listRunObjects(tb.kubeconfigPath, runIdFor(scenario.workflowId));
    expect(leftovers.map(describeLeftover)).toEqual([]);
  }
});
