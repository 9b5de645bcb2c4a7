/** `npm run bench` (after `npm run build`): runs every benchmark in turn. */
import { benchAnalysis } from './analysis';

async function main(): Promise<void> {
  await benchAnalysis();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
