/**
 * The bad-input catalogue's shape: one row per bad input, so each file's list is easy to count.
 * `expect` must match the error's message (it names the field, file or line).
 */
export interface BadInputCase<I> {
  name: string;
  input: I;
  /** The error class/type name expected (`ConfigFileError`, `SysstatParseError`, a failure type, …). */
  type: string;
  expect: RegExp;
}

/** Prints the catalogue's size where the test output shows it. */
export function reportCount(area: string, count: number): void {
  process.stdout.write(`bad-input catalogue: ${count} cases tried (${area})\n`);
}
