import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe as describeStats } from '../../../src/analysis/stats';
import { allFixtures, parseFixture, sysstatDir } from './support/fixtures';

const script = join(__dirname, '../../../scripts/analysis/sysstat-boxplot.R');
const hasR = spawnSync('Rscript', ['--version']).status === 0;
if (!hasR) {
  console.warn('Rscript not found: skipping the live comparison with R (install r-base-core to run it)');
}

(hasR ? describe : describe.skip)('live: Rscript reads the same fixtures and agrees to 1e-6', () => {
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
