/** A sysstat file that does not read as sysstat data: names the file, the 1-based line and what was expected there. */
export class SysstatParseError extends Error {
  override readonly name = 'SysstatParseError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly expected: string,
    readonly found?: string,
  ) {
    super(
      `${file}:${line}: expected ${expected}` +
        (found === undefined ? '' : `, found ${JSON.stringify(found.length > 80 ? `${found.slice(0, 77)}...` : found)}`),
    );
  }
}
