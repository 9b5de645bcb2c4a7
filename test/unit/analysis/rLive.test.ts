import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe as describeStats } from '../../../src/analysis/stats';
import { describeWhen } from '../../support/skip';
import { allFixtures, parseFixture, sysstatDir } from './support/fixtures';

const script = join(__dirname, '../../fixture-recorders/sysstat-boxplot.R');
// scripts/setup.sh --test installs r-base-core, so CI never skips this.
const withR = describeWhen({ met: spawnSync('Rscript', ['--version']).status === 0, missing: 'Rscript is not installed (r-base-core)', providedBySetup: true });

withR('live: Rscript reads the same fixtures and agrees to 1e-6', () => {
  const files = allFixtures().filter((f) => !f.endsWith('.json'));
  let fromR: Record<string, { cpu?: { n: number; mean: number; box: number[]; outliers: number }; ram?: { n: number; mean: number; box: number[]; outliers: number } }>;
  beforeAll(() => {
    const out = execFileSync('Rscript', [script, ...files.map((f) => join(sysstatDir, f))], { encoding: 'utf8' });
    fromR = JSON.parse(out);
  }, 60_000);

  it.each(files)('%s', (name) => {
    const r = fromR[name.replace(/^thesis\//, '')]!;
    const parsed = parseFixture(name);
    for (const [values, ref] of [
      [parsed.cpu.map((s) => s.used), r.cpu],
      [parsed.memory.map((s) => s.memUsedPercent), r.ram],
    ] as const) {
      if (values.length === 0) {
        expect(ref).toBeUndefined();
        continue;
      }
      const d = describeStats(values)!;
      expect(d.n).toBe(ref!.n);
      expect(Math.abs(d.mean - ref!.mean)).toBeLessThan(1e-6);
      d.box.forEach((v, i) => expect(Math.abs(v - ref!.box[i]!)).toBeLessThan(1e-6));
      expect(d.outliers).toBe(ref!.outliers);
    }
  });
});
