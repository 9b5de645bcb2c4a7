import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import {
  AesGcmCodec,
  dataConverterFor,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  loadKeyFile,
  parseKey,
  PayloadCodecError,
} from '../../../src/temporal/codec';
import { failureConverter } from '../../../src/temporal/failureConverter';
import { startCodecServer, toJsonPayload, fromJsonPayload } from '../../../src/temporal/codecServer';

const secretInput = { cluster: { provider: 'kubeconfig', kubeconfigPath: '/very/secret/path-7f3a' }, note: 'plaintext-marker-91c2' };
const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (p: Payload): unknown => defaultPayloadConverter.fromPayload(p);
const codecWith = (bytes = randomBytes(32)) => new AesGcmCodec(parseKey(bytes, 'test-key'));

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-codec-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('AesGcmCodec', () => {
  test('round trip restores the payload exactly, and the ciphertext hides the plaintext', async () => {
    const codec = codecWith();
    const original = toPayload(secretInput);
    const [encrypted] = await codec.encode([original]);
    expect(Buffer.from(encrypted!.metadata![METADATA_ENCODING_KEY]!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encrypted!.metadata![KEY_ID_METADATA]!).toString()).toBe(codec.keyId);
    const wire = Buffer.concat([encrypted!.data!, ...Object.values(encrypted!.metadata!).map((v) => Buffer.from(v!))]).toString('latin1');
    expect(wire).not.toContain('plaintext-marker-91c2');
    expect(wire).not.toContain('json/plain');
    const [decoded] = await codec.decode([encrypted!]);
    expect(fromPayload(decoded!)).toEqual(secretInput);
    expect(Buffer.from(decoded!.metadata![METADATA_ENCODING_KEY]!).toString()).toBe('json/plain');
  });

  test('two encryptions of one payload differ (random IV)', async () => {
    const codec = codecWith();
    const [a, b] = await codec.encode([toPayload('same'), toPayload('same')]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  test('payloads not encrypted pass through decode unchanged (history written before encryption was turned on)', async () => {
    const plain = toPayload({ a: 1 });
    expect(await codecWith().decode([plain])).toEqual([plain]);
  });

  test('a wrong key fails clearly, naming both key ids', async () => {
    const [encrypted] = await codecWith().encode([toPayload(secretInput)]);
    const other = codecWith();
    await expect(other.decode([encrypted!])).rejects.toThrow(PayloadCodecError);
    await expect(other.decode([encrypted!])).rejects.toThrow(
      new RegExp(`key id [0-9a-f]{16}, but the key in test-key has id ${other.keyId}`),
    );
  });

  test('tampered ciphertext, tag or IV fails authentication', async () => {
    const codec = codecWith();
    const [encrypted] = await codec.encode([toPayload(secretInput)]);
    const data = Buffer.from(encrypted!.data!);
    for (const index of [0, 12, Math.floor(data.length / 2), data.length - 1]) {
      const tampered = Buffer.from(data);
      tampered[index]! ^= 0x01;
      await expect(codec.decode([{ ...encrypted!, data: tampered }])).rejects.toThrow(/failed authentication: it was altered/);
    }
    await expect(codec.decode([{ ...encrypted!, data: data.subarray(0, 20) }])).rejects.toThrow(/truncated: 20 bytes/);
  });
});

describe('key files', () => {
  test('raw 32 bytes and base64 give the same key', async () => {
    const bytes = randomBytes(32);
    await fs.writeFile(path.join(dir, 'raw.key'), bytes);
    await fs.writeFile(path.join(dir, 'b64.key'), bytes.toString('base64') + '\n');
    const raw = await loadKeyFile(path.join(dir, 'raw.key'));
    const b64 = await loadKeyFile(path.join(dir, 'b64.key'));
    expect(raw.bytes.equals(bytes)).toBe(true);
    expect(b64.id).toBe(raw.id);
  });

  test('a short key, a missing file and a text that is not base64 are refused naming the file', async () => {
    await fs.writeFile(path.join(dir, 'short.key'), randomBytes(16).toString('base64'));
    await expect(loadKeyFile(path.join(dir, 'short.key'))).rejects.toThrow(/short\.key: expected 32 raw bytes or 32 bytes as base64/);
    await expect(loadKeyFile(path.join(dir, 'absent.key'))).rejects.toThrow(/absent\.key: ENOENT/);
    await fs.writeFile(path.join(dir, 'words.key'), 'this is not a key at all, just words\n');
    await expect(loadKeyFile(path.join(dir, 'words.key'))).rejects.toThrow(PayloadCodecError);
  });

  test('dataConverterFor: off without a key path, encrypting with one', async () => {
    const base = { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'q' };
    expect(await dataConverterFor(base)).toBeUndefined();
    await fs.writeFile(path.join(dir, 'dc.key'), randomBytes(32));
    const converter = await dataConverterFor({ ...base, encryptionKeyPath: path.join(dir, 'dc.key') });
    expect(converter?.payloadCodecs?.[0]).toBeInstanceOf(AesGcmCodec);
    // Failure messages can name hosts and paths: they are encrypted too.
    expect(converter?.failureConverterPath).toBe(require.resolve('../../../src/temporal/failureConverter'));
    expect(failureConverter.options.encodeCommonAttributes).toBe(true);
  });
});

describe('codec server', () => {
  test('decodes what the codec encoded over HTTP, with CORS for a loopback UI and 403 for a foreign origin', async () => {
    const codec = codecWith();
    const server = await startCodecServer({ codec, origins: ['https://ui.example.test'] });
    try {
      const [encrypted] = await codec.encode([toPayload(secretInput)]);
      const res = await fetch(`${server.url}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: 'http://127.0.0.1:8233' },
        body: JSON.stringify({ payloads: [toJsonPayload(encrypted!)] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
      const body = (await res.json()) as { payloads: Parameters<typeof fromJsonPayload>[0][] };
      expect(fromPayload(fromJsonPayload(body.payloads[0]!))).toEqual(secretInput);

      const preflight = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: 'https://ui.example.test' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);

      const foreign = await fetch(`${server.url}/decode`, {
        method: 'POST',
        headers: { origin: 'https://evil.example.test' },
        body: '{"payloads":[]}',
      });
      expect(foreign.status).toBe(403);

      const encoded = await fetch(`${server.url}/encode`, {
        method: 'POST',
        body: JSON.stringify({ payloads: [toJsonPayload(toPayload('x'))] }),
      });
      const encodedBody = (await encoded.json()) as { payloads: Parameters<typeof fromJsonPayload>[0][] };
      expect(fromPayload((await codec.decode([fromJsonPayload(encodedBody.payloads[0]!)]))[0]!)).toBe('x');

      const wrongKey = await fetch(`${server.url}/decode`, {
        method: 'POST',
        body: JSON.stringify({ payloads: [toJsonPayload((await codecWith().encode([toPayload(1)]))[0]!)] }),
      });
      expect(wrongKey.status).toBe(422);
      expect(await wrongKey.text()).toMatch(/encrypted with key id/);

      expect((await fetch(`${server.url}/decode`, { method: 'POST', body: 'not json' })).status).toBe(400);
      expect((await fetch(`${server.url}/other`, { method: 'POST', body: '{}' })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  test('with a token, a call without it or with another is refused (401); in the path or as a bearer it is served', async () => {
    const codec = codecWith();
    const token = 'k7Q2-token-for-this-test_0001';
    const server = await startCodecServer({ codec, token });
    const base = server.url.slice(0, -(token.length + 1));
    const body = JSON.stringify({ payloads: [toJsonPayload((await codec.encode([toPayload(secretInput)]))[0]!)] });
    const post = (url: string, headers: Record<string, string> = {}) =>
      fetch(url, { method: 'POST', headers: { origin: 'http://127.0.0.1:8233', ...headers }, body });
    try {
      expect(server.url).toBe(`${base}/${token}`);
      expect((await post(`${base}/decode`)).status).toBe(401);
      expect((await post(`${base}/encode`)).status).toBe(401);
      expect((await post(`${base}/wrong-token-of-same-len/decode`)).status).toBe(401);
      expect((await post(`${base}/decode`, { authorization: 'Bearer not-the-token' })).status).toBe(401);
      const viaPath = await post(`${server.url}/decode`);
      expect(viaPath.status).toBe(200);
      const decoded = (await viaPath.json()) as { payloads: Parameters<typeof fromJsonPayload>[0][] };
      expect(fromPayload(fromJsonPayload(decoded.payloads[0]!))).toEqual(secretInput);
      expect((await post(`${base}/decode`, { authorization: `Bearer ${token}` })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
