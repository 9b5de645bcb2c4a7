/**
 * Collect's throughput through the Kubernetes exec API beside SSH's (issue 24): the same file on the same node,
 * downloaded with each transport's resumable download, as collect streams a sar file. The file has the size of a
 * 24 h sa file at 10 s (8,640 records, bytes per record measured from the node's own sadc) and random content.
 *
 * Needs the test bed on real nodes (`node bin/hardenlab.js testbed up --nodes real`): KWOK nodes run no access pod.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testbedAccessImage } from '../../src/config/nodeAccess';
import { hardenlabHome } from '../../src/config/paths';
import { loadKubeClient } from '../../src/kube/client';
import { resetRun } from '../../src/kube/reset';
import { createKubeNodeConnector } from '../../src/nodeaccess';
import { Ssh2Connector, type SshSession } from '../../src/ssh/connection';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';
import { testbedLayout } from '../../src/testbed/layout';
import { readNodeKind } from '../../src/testbed/nodeKind';

const RECORDS = 8_640;
const ROUNDS = 3;

/** Bytes per sa record and the file header, from two short sadc runs on the node. */
async function saRecordSize(ssh: SshSession): Promise<{ perRecord: number; header: number }> {
  const out = await ssh.run(
    'd=$(mktemp -d); for n in 2 4; do /usr/lib/sysstat/sadc -S ALL 1 $n "$d/$n.sa"; stat -c %s "$d/$n.sa"; done; rm -rf "$d"',
  );
  const [two, four] = out.trim().split('\n').map(Number) as [number, number];
  const perRecord = (four - two) / 2;
  return { perRecord, header: two - 2 * perRecord };
}

async function timedDownloads(session: SshSession, remote: string, local: string): Promise<number[]> {
  const seconds: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    fs.rmSync(local, { force: true });
    fs.rmSync(`${local}.part`, { force: true });
    const started = process.hrtime.bigint();
    await session.download(remote, local);
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  return seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchCollect(): Promise<void> {
  const layout = testbedLayout(hardenlabHome());
  if (readNodeKind(layout) !== 'real') {
    console.log('collect throughput: not measured: needs the test bed on real nodes (node bin/hardenlab.js testbed up --nodes real)');
    return;
  }
  const node = (await loadNodeMap(path.join(layout.testbedDir, 'nodes.yaml'))).nodes[0]!;
  const kubeconfigPath = path.join(layout.testbedDir, 'kubeconfig');
  const image = testbedAccessImage(layout.testbedDir);
  if (!image) throw new Error(`the test bed's registry recorded no access image digest under ${layout.testbedDir}`);
  const runId = `bench-collect-${process.pid}`;
  const ssh = await new Ssh2Connector().connect(node);
  const api = await createKubeNodeConnector({ kubeconfigPath }, { image }).connect(node, { runId });
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hardenlab-bench-'));
  const local = path.join(folder, 'sa.bin');
  const remote = `.hardenlab/${runId}/sa24h.bin`;
  try {
    const { perRecord, header } = await saRecordSize(ssh);
    const bytes = header + RECORDS * perRecord;
    await ssh.run(`mkdir -p .hardenlab/${runId} && head -c ${bytes} /dev/urandom > ${remote}`);
    const viaSsh = median(await timedDownloads(ssh, remote, local));
    const viaApi = median(await timedDownloads(api, remote, local));
    const mib = bytes / 2 ** 20;
    const file = `${RECORDS} records x ${perRecord} B + ${header} B = ${mib.toFixed(1)} MiB`;
    console.log(`collect throughput on ${node.name}: a 24 h sa file at 10 s (${file})`);
    console.log(`  SSH (SFTP)              ${viaSsh.toFixed(2)} s = ${(mib / viaSsh).toFixed(1)} MiB/s (median of ${ROUNDS})`);
    console.log(`  Kubernetes exec API     ${viaApi.toFixed(2)} s = ${(mib / viaApi).toFixed(1)} MiB/s (median of ${ROUNDS})`);
    console.log(`  ratio exec / SSH time: ${(viaApi / viaSsh).toFixed(2)}x`);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
    await ssh.run(`rm -rf .hardenlab/${runId}`).catch(() => undefined);
    await ssh.close();
    await api.close();
    const kube = await loadKubeClient({ kubeconfigPath });
    await resetRun(kube, { runId }, { now: Date.now, timeoutMs: 120_000, pollIntervalMs: 1_000, log: () => undefined });
  }
}
