// The churn record's file access (churnRecord.ts is the format): gzip streams both ways, never the whole file in memory.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { ChurnRecordBuilder, encodeChurnLine, MAX_LINE_BYTES, type ChurnEvent, type ChurnHeader, type ChurnRecord } from './churnRecord';

/** Reads a `.jsonl.gz` churn record as a stream; a bad line throws naming the file and line. */
export async function readChurnRecord(file: string): Promise<ChurnRecord> {
  const builder = new ChurnRecordBuilder(file);
  const source = createReadStream(file);
  const gunzip = createGunzip();
  source.on('error', (error) => gunzip.destroy(error));
  // Decoded by the stream, so a character split between two chunks stays whole.
  source.pipe(gunzip).setEncoding('utf8');
  let carry = '';
  try {
    for await (const chunk of gunzip as AsyncIterable<string>) {
      const text = carry + chunk;
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        builder.add(text.slice(from, nl));
        from = nl + 1;
      }
      carry = text.slice(from);
      // A line that never ends is refused as soon as it is too long, not held in memory.
      if (carry.length > MAX_LINE_BYTES) builder.add(carry);
    }
  } finally {
    source.destroy();
  }
  if (carry !== '') builder.add(carry);
  return builder.finish();
}

/** Writes a churn record event by event; bounded by the header's maxEvents, compressed as it goes. */
export class ChurnRecordWriter {
  private events = 0;
  private closed = false;

  private constructor(
    private readonly gzip: Writable,
    private readonly done: Promise<void>,
    private readonly header: ChurnHeader,
  ) {}

  static async open(file: string, header: Omit<ChurnHeader, 'e' | 'v'>): Promise<ChurnRecordWriter> {
    const gzip = createGzip();
    const out = createWriteStream(file, { mode: 0o640 });
    const done = pipeline(gzip, out);
    done.catch(() => undefined); // surfaced by close()
    const writer = new ChurnRecordWriter(gzip, done, { e: 'header', v: 1, ...header });
    await writer.line(encodeChurnLine(writer.header));
    return writer;
  }

  private async line(text: string): Promise<void> {
    if (!this.gzip.write(text)) await once(this.gzip, 'drain');
  }

  async write(event: Exclude<ChurnEvent, { e: 'end' }>): Promise<void> {
    if (this.closed) throw new Error('the churn record is closed');
    if (this.events >= this.header.maxEvents) throw new Error(`the churn record holds its maximum of ${this.header.maxEvents} events`);
    this.events++;
    await this.line(encodeChurnLine(event));
  }

  /** Ends the record at `at` (ms from start) and waits for it to be on disk. */
  async close(at: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.gzip.end(encodeChurnLine({ e: 'end', at }));
    await this.done;
  }
}
