/**
 * `npm run bench`: every benchmark in turn, each printing its own figures and the ratio to a peer
 * measured in the same run (R for the analysis, prometheus-node-exporter for the sampler, plain line splitting
 * for the churn record).
 */
import { benchAnalysis } from './analysis';
import { benchChurnRecord } from './churnRecord';
import { benchSampler } from './sampler';

async function main(): Promise<void> {
  await benchAnalysis();
  await benchChurnRecord();
  await benchSampler();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
