/** The report's table shape and cell format, shared by every table builder and both renderers. */

/** A table both report.html and report.md render, so the two always agree. */
export interface Table {
  id: string;
  title: string;
  caption: string;
  columns: string[];
  rows: string[][];
  /** Cells that must stand out (red in report.html, bold in report.md), e.g. a denial a pack expected and did not get. */
  alert?: RegExp;
}

/** Columns whose every cell is a number (or a dash) are right-aligned, the rest left. */
export function numericColumns(t: Table): boolean[] {
  return t.columns.map((_, i) => t.rows.length > 0 && t.rows.every((r) => /^(-?[\d.]+|—|)$/.test(r[i] ?? '')));
}

export function fmt(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return value.toFixed(digits);
}

export const pValue = (p: number | null | undefined) => (p === null || p === undefined ? '—' : p < 0.0001 ? '< 0.0001' : p.toFixed(4));
