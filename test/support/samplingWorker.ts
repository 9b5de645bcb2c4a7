/**
 * A stand-in for the Temporal worker process in the "worker killed mid-window" test: it runs the sampling
 * activities the way the scenario workflow calls them (start, then periodic health checks until the window
 * ends, then stop), printing one JSON line per step. The test SIGKILLs it and starts another.
 * Run: node -r ./test/support/registerTs.js test/support/samplingWorker.ts '<json args>'
 */
import { createSamplingActivities } from '../../activities/sampling';
import { Ssh2Connector } from '../../src/ssh/connection';
import { ArtifactStore } from '../../src/store/artifactStore';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';

interface Args {
  runId: string;
  nodeMapPath: string;
  intervalSeconds: number;
  durationSeconds: number;
  checkEveryMs: number;
  storeRoot: string;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]!) as Args;
  const activities = createSamplingActivities({ loadNodeMap, ssh: new Ssh2Connector(), store: new ArtifactStore(args.storeRoot) });
  const emit = (step: string, value: unknown) => process.stdout.write(JSON.stringify({ step, pid: process.pid, at: Date.now(), value }) + '\n');
  const request = { runId: args.runId, nodeMapPath: args.nodeMapPath, intervalSeconds: args.intervalSeconds, durationSeconds: args.durationSeconds };
  const started = await activities.startSampling(request);
  emit('started', started);
  const windowEnd = started.startedAt + args.durationSeconds * 1000;
  while (Date.now() < windowEnd + 2000) {
    await new Promise((resolve) => setTimeout(resolve, args.checkEveryMs));
    emit('health', await activities.checkSampling(request));
  }
  emit('stopped', await activities.stopSampling(request));
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
