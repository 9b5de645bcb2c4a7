/**
 * `npm run bench`: every benchmark in turn, each printing its own figures and the ratio to a peer
 * measured in the same run (R for the analysis, plain line splitting for the churn record,
 * setInterval + fetch for the HTTP load generator,
 * prometheus-node-exporter for the sampler, SSH for collect through the Kubernetes exec API).
 */
import { benchAnalysis } from './analysis';
import { benchChurnRecord } from './churnRecord';
import { benchCollect } from './collect';
import { benchLoadGenerator } from './loadGenerator';
import { benchSampler } from './sampler';

async function main(): Promise<void> {
  await benchAnalysis();
  await benchChurnRecord();
  await benchLoadGenerator();
  await benchSampler();
  await benchCollect();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
