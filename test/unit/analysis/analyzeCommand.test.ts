import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { analyzeCommand } from '../../../src/cli/commands/analyzeCommand';
import { SysstatParseError } from '../../../src/analysis/parsers';
import { tempDir } from '../../support/tempDir';
import { sysstatDir } from './support/fixtures';

const rExpected = JSON.parse(readFileSync(join(sysstatDir, 'r-expected.json'), 'utf8'));

describe('hardenlab analyze', () => {
  const cpuFile = join(sysstatDir, 'k8s-node-3.sa27.sar-u.txt');
  const ramFile = join(sysstatDir, 'k8s-node-3.sa27.sadf-j-r.json');
  const both = join(sysstatDir, 'k8s-node-1.sa26.sadf-j-ur.json');

  it('--json prints the documented shape with R-equal figures', async () => {
    const out = JSON.parse(await analyzeCommand([cpuFile, ramFile, both], { json: true }));
    expect(Object.keys(out)).toEqual(['files']);
    const [cpu, ram, ur] = out.files;
    expect(cpu.path).toBe(cpuFile);
    expect(cpu.format).toBe('sar-text');
    expect(ram.format).toBe('sadf-json');
    expect(cpu.ram).toBeUndefined();
    expect(ram.cpu).toBeUndefined();
    expect(Object.keys(ur.cpu)).toEqual(expect.arrayContaining(['n', 'mean', 'median', 'min', 'max', 'box', 'outliers', 'outlierValues']));
    const r = rExpected['k8s-node-3.sa27.sar-u.txt'].cpu;
    expect(cpu.cpu.n).toBe(r.n);
    expect(cpu.cpu.box).toHaveLength(5);
    cpu.cpu.box.forEach((v: number, i: number) => expect(Math.abs(v - r.box[i])).toBeLessThan(1e-6));
    expect(cpu.cpu.outliers).toBe(r.outliers);
    expect(cpu.cpu.outlierValues).toHaveLength(r.outliers);
    expect(ram.ram.outliers).toBe(rExpected['k8s-node-3.sa27.sadf-d-r.csv'].ram.outliers);
  });

  it('--md prints a table and plain output aligned text', async () => {
    const md = await analyzeCommand([cpuFile], { md: true });
    expect(md).toMatch(/\| File \| Format \| Metric/);
    expect(md).toContain('CPU used %');
    const text = await analyzeCommand([cpuFile], {});
    expect(text.split('\n')[0]).toMatch(/^File\s+Format\s+Metric/);
  });

  it('--html writes a page with an SVG boxplot', async () => {
    const out = join(await tempDir('hardenlab-analyze-'), 'a.html');
    expect(await analyzeCommand([cpuFile, both], { html: out })).toContain(out);
    const html = await readFile(out, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('k8s-node-3.sa27.sar-u.txt');
  });

  it('reads windowed sadf -j output (-s/-e), skipping and counting its empty closing record', async () => {
    const windowed = join(sysstatDir, 'k8s-node-4.sa28-window.sadf-j-ur.json');
    const out = JSON.parse(await analyzeCommand([windowed, cpuFile], { json: true }));
    expect(out.files[0].emptyRecords).toBe(1);
    expect(out.files[1].emptyRecords).toBe(0);
    const r = rExpected['k8s-node-4.sa28-window.sadf-d-u.csv'].cpu;
    expect(out.files[0].cpu.n).toBe(r.n);
    expect(Math.abs(out.files[0].cpu.mean - r.mean)).toBeLessThan(1e-9);
    expect(out.files[0].ram.n).toBe(rExpected['k8s-node-4.sa28-window.sadf-d-r.csv'].ram.n);
    const text = await analyzeCommand([windowed, cpuFile], {});
    expect(text).toContain(`${windowed}: skipped 1 empty record (sadf -j with -s/-e ends with one)`);
    expect(text).not.toContain(`${cpuFile}: skipped`);
    expect(await analyzeCommand([windowed], { md: true })).toContain('skipped 1 empty record');
  });

  it('a malformed file fails with its name and line', async () => {
    const dir = await tempDir('hardenlab-analyze-');
    const bad = join(dir, 'bad.sar');
    await writeFile(bad, 'Linux 5.4 (n) \t01/02/21 \t_x86_64_\n\n10:00:00 CPU %user %nice %system %iowait %steal %idle\n10:00:01 all 1 2\n');
    await expect(analyzeCommand([bad], { json: true })).rejects.toThrow(SysstatParseError);
    await expect(analyzeCommand([bad], { json: true })).rejects.toThrow(`${bad}:4: expected`);
  });
});
