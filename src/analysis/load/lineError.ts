/** A text record that does not read as its format: names the source, the 1-based line and what is wrong there. */
export class LineError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${source}:${line}: ${detail}`);
    this.name = new.target.name;
  }
}
