/**
 * A codec server for the Temporal UI and CLI (Temporal's documented contract): POST `<base>/encode` and
 * `<base>/decode` with `{"payloads":[{"metadata":{"k":"<base64>"},"data":"<base64>"}]}`, answering the same
 * shape; CORS for the UI's origin. Bound to 127.0.0.1 by default: it decrypts, so it must not face a network.
 */
import { timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Browser origins allowed to call it (the UI's, e.g. http://127.0.0.1:8233); loopback origins are always allowed. */
  origins?: string[];
  /** Bound on a request body (default 16 MiB). */
  maxBodyBytes?: number;
  log?: (line: string) => void;
  /**
   * A shared secret every call must carry: as the first path segment (`<url>/<token>/decode`, which the
   * Temporal UI's codec endpoint setting can hold) or as `Authorization: Bearer <token>` (`temporal --codec-auth`).
   * Without one, any local process or page on a loopback origin could have payloads decrypted or encrypted.
   */
  token?: string;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK_ORIGIN = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

export function fromJsonPayload(p: JsonPayload): Payload {
  return {
    metadata: p.metadata
      ? Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(String(v), 'base64')]))
      : undefined,
    data: p.data != null ? Buffer.from(String(p.data), 'base64') : undefined,
  };
}

export function toJsonPayload(p: Payload): JsonPayload {
  return {
    metadata: p.metadata
      ? Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]))
      : undefined,
    data: p.data ? Buffer.from(p.data).toString('base64') : undefined,
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        reject(new HttpError(413, `request body larger than ${max} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parsePayloads(body: string): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'body is not JSON: expected {"payloads":[…]}');
  }
  const payloads = (parsed as { payloads?: unknown })?.payloads;
  if (!Array.isArray(payloads)) throw new HttpError(400, 'body has no "payloads" array');
  return payloads.map((p) => fromJsonPayload((p ?? {}) as JsonPayload));
}

/** The request's path without the token, or undefined when the token is required and missing or wrong. */
function authorizedPath(req: http.IncomingMessage, token: string | undefined): string | undefined {
  const pathname = (req.url ?? '').split('?')[0] ?? '';
  if (token === undefined) return pathname;
  const sameToken = (given: string) => given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token));
  const segment = /^\/([^/]+)(\/.*)$/.exec(pathname);
  if (segment && sameToken(segment[1]!)) return segment[2];
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  return bearer !== undefined && sameToken(bearer) ? pathname : undefined;
}

export function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const allowed = new Set(options.origins ?? []);
  const max = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const log = options.log ?? (() => undefined);
  const isAllowed = (origin: string) => allowed.has(origin) || LOOPBACK_ORIGIN.test(origin);

  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin) {
      if (!isAllowed(origin)) {
        res
          .writeHead(403, { 'content-type': 'text/plain' })
          .end(`origin ${origin} is not allowed (start the codec server with --origin ${origin})`);
        return;
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'X-Namespace, Content-Type, Authorization');
      res.setHeader('Access-Control-Max-Age', '600');
      res.writeHead(204).end();
      return;
    }
    const pathname = authorizedPath(req, options.token);
    if (pathname === undefined) {
      res
        .writeHead(401, { 'content-type': 'text/plain' })
        .end('the codec server needs its token: <url>/<token>/decode, or Authorization: Bearer <token>');
      return;
    }
    const route = /\/(encode|decode)\/?$/.exec(pathname)?.[1];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('POST /encode or /decode');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST, OPTIONS', 'content-type': 'text/plain' }).end('use POST');
      return;
    }
    void (async () => {
      try {
        const payloads = parsePayloads(await readBody(req, max));
        const out = route === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ payloads: out.map(toJsonPayload) }));
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 422;
        log(`codec server: ${route} failed (${status}): ${(err as Error).message}`);
        if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' }).end((err as Error).message);
      }
    })();
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const { address, port } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      resolve({
        url: `http://${host}:${port}${options.token === undefined ? '' : `/${options.token}`}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
