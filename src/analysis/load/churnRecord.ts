/**
 * The churn's latency record (issue 27): one JSON object per line, gzip-compressed on disk, so a 24 h window at
 * 60 pods/min stays a few MB and is written and read as a stream. Times are milliseconds from the header's
 * `startMs`, to keep lines short. This file is the format, pure; churnRecordFile.ts writes and reads files.
 *
 *   {"e":"header","v":1,"offeredPerMinute":60,"startMs":1765000000000,"maxEvents":300000}
 *   {"e":"create","pod":"churn-1","at":1000,"ms":12.5,"ok":true}
 *   {"e":"startup","pod":"churn-1","created":1000,"scheduled":0,"initialized":1000,"containersReady":2000,"ready":2000}
 *   {"e":"delete","pod":"churn-1","at":11000,"ms":8.1,"ok":true}
 *   {"e":"end","at":86400000}
 */
import { LineError } from './lineError';
import { POD_PHASES, type ApiOperation, type PodPhase } from './latency';

export const CHURN_RECORD_VERSION = 1;
/** Longer lines are refused: a record's lines are small by construction, so a long one is not this format. */
export const MAX_LINE_BYTES = 1024;

export interface ChurnHeader {
  e: 'header';
  v: number;
  offeredPerMinute: number;
  startMs: number;
  /** The writer refuses events past this bound (rate × period, with room): the record is bounded on disk. */
  maxEvents: number;
}
export interface ApiEvent {
  e: ApiOperation;
  pod: string;
  at: number;
  ms: number;
  ok: boolean;
}
/** A pod's startup: `created` from the record's start, each phase from `created` (absent: never reached). */
export type StartupEvent = { e: 'startup'; pod: string; created: number } & Partial<Record<PodPhase, number>>;
export interface EndEvent {
  e: 'end';
  at: number;
}
export type ChurnEvent = ApiEvent | StartupEvent | EndEvent;

export class ChurnRecordError extends LineError {}

export function encodeChurnLine(event: ChurnHeader | ChurnEvent): string {
  return `${JSON.stringify(event)}\n`;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Parses and checks one line; `fail` throws naming the line. */
export function decodeChurnLine(line: string, fail: (detail: string) => never): ChurnHeader | ChurnEvent {
  if (line.length > MAX_LINE_BYTES) fail(`a line longer than ${MAX_LINE_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    fail('not a JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('not a JSON object');
  const o = value as Record<string, unknown>;
  const need = (key: string) => {
    if (!isNumber(o[key])) fail(`${String(o.e)}: "${key}" must be a finite number`);
  };
  switch (o.e) {
    case 'header':
      if (o.v !== CHURN_RECORD_VERSION) fail(`version ${JSON.stringify(o.v)}; this reader knows ${CHURN_RECORD_VERSION}`);
      ['offeredPerMinute', 'startMs', 'maxEvents'].forEach(need);
      return o as unknown as ChurnHeader;
    case 'create':
    case 'delete':
      ['at', 'ms'].forEach(need);
      if (typeof o.pod !== 'string' || typeof o.ok !== 'boolean') fail(`${o.e}: needs "pod" (a string) and "ok" (true or false)`);
      return o as unknown as ApiEvent;
    case 'startup':
      need('created');
      if (typeof o.pod !== 'string') fail('startup: needs "pod" (a string)');
      for (const { phase } of POD_PHASES) if (o[phase] !== undefined) need(phase);
      return o as unknown as StartupEvent;
    case 'end':
      need('at');
      return o as unknown as EndEvent;
    default:
      return fail(`unknown event ${JSON.stringify(o.e)}`);
  }
}

/** What the analysis keeps of a record: flat number arrays, so a day of churn is a few MB in memory. */
export interface ChurnRecord {
  header: ChurnHeader;
  /** Successful calls' latencies (ms) and their start times (ms from start), in record order. */
  creates: { ms: number[]; at: number[]; failed: number };
  deletes: { ms: number[]; failed: number };
  /** Per phase, each pod's latency from creation (ms), for the pods that reached it. */
  startup: Record<PodPhase, number[]> & { pods: number };
  /** The end event's time; absent when the writer never closed (the record is then read up to its last event). */
  endAt?: number;
  /** Events after the header, the end not counted. */
  events: number;
}

/** Folds lines into a ChurnRecord; `source` names the record in errors. */
export class ChurnRecordBuilder {
  private header?: ChurnHeader;
  private readonly creates = { ms: [] as number[], at: [] as number[], failed: 0 };
  private readonly deletes = { ms: [] as number[], failed: 0 };
  private readonly startup = { scheduled: [], initialized: [], containersReady: [], ready: [], pods: 0 } as ChurnRecord['startup'];
  private endAt?: number;
  private events = 0;
  private lineNo = 0;

  constructor(private readonly source: string) {}

  add(line: string): void {
    this.lineNo++;
    if (line === '') return;
    const fail: (detail: string) => never = (detail) => {
      throw new ChurnRecordError(this.source, this.lineNo, detail);
    };
    const event = decodeChurnLine(line, fail);
    if (!this.header) {
      if (event.e !== 'header') fail('the first line must be the header');
      this.header = event as ChurnHeader;
      return;
    }
    if (this.endAt !== undefined) fail('an event after "end"');
    if (event.e !== 'end' && ++this.events > this.header.maxEvents) fail(`more than the header's maxEvents (${this.header.maxEvents})`);
    switch (event.e) {
      case 'header':
        return fail('a second header');
      case 'create':
        if (!event.ok) this.creates.failed++;
        else {
          this.creates.ms.push(event.ms);
          this.creates.at.push(event.at);
        }
        return;
      case 'delete':
        if (event.ok) this.deletes.ms.push(event.ms);
        else this.deletes.failed++;
        return;
      case 'startup':
        this.startup.pods++;
        for (const { phase } of POD_PHASES) if (event[phase] !== undefined) this.startup[phase].push(event[phase]);
        return;
      case 'end':
        this.endAt = event.at;
    }
  }

  finish(): ChurnRecord {
    if (!this.header) throw new ChurnRecordError(this.source, this.lineNo, 'empty: no header line');
    const { header, creates, deletes, startup, endAt, events } = this;
    return { header, creates, deletes, startup, endAt, events };
  }
}
