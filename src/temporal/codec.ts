/**
 * Optional payload encryption (AES-256-GCM) for every workflow input, result, activity argument and
 * history payload. Off unless `temporal.encryptionKeyPath` / HARDENLAB_ENCRYPTION_KEY_FILE is set.
 * Codecs run outside the workflow sandbox, so the workflow bundle needs nothing from this file.
 * Encrypted payload: metadata `encoding: binary/encrypted` and `encryption-key-id`, data = IV(12) ‖
 * ciphertext ‖ tag(16) of the original payload serialized as protobuf (Temporal's documented pattern).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import type { WorkerConfig } from '../config/workerConfig';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A payload that cannot be decrypted: names the key id and, when known, the key file. */
export class PayloadCodecError extends Error {
  override readonly name = 'PayloadCodecError';
}

export interface EncryptionKey {
  /** Short, non-secret id derived from the key (first 16 hex digits of its SHA-256). */
  id: string;
  bytes: Buffer;
  /** Where it was read from, for messages. */
  source: string;
}

export function keyIdOf(bytes: Buffer): string {
  return createHash('sha256').update('hardenlab-payload-key\0').update(bytes).digest('hex').slice(0, 16);
}

/** Accepts 32 raw bytes, or text holding 32 bytes as base64 (trailing newline allowed). */
export function parseKey(content: Buffer, source: string): EncryptionKey {
  if (content.length === KEY_BYTES) return { id: keyIdOf(content), bytes: Buffer.from(content), source };
  const text = content.toString('utf8').trim();
  if (/^[A-Za-z0-9+/_-]+=*$/.test(text)) {
    const decoded = Buffer.from(text, 'base64');
    if (decoded.length === KEY_BYTES) return { id: keyIdOf(decoded), bytes: decoded, source };
  }
  throw new PayloadCodecError(
    `encryption key file ${source}: expected 32 raw bytes or 32 bytes as base64 (e.g. \`openssl rand -base64 32 > key\`), ` +
      `found ${content.length} bytes that are neither`,
  );
}

export async function loadKeyFile(file: string): Promise<EncryptionKey> {
  let content: Buffer;
  try {
    content = await fs.readFile(file);
  } catch (err) {
    throw new PayloadCodecError(
      `encryption key file ${file}: ${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}`.replace(/\s+/g, ' '),
    );
  }
  return parseKey(content, file);
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly key: EncryptionKey) {}

  get keyId(): string {
    return this.key.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = proto.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.key.bytes, iv);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.key.id) },
        data: Buffer.concat([iv, body, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
      const keyId = text(payload.metadata?.[KEY_ID_METADATA]) ?? '(none)';
      if (keyId !== this.key.id) {
        throw new PayloadCodecError(
          `payload was encrypted with key id ${keyId}, but the key in ${this.key.source} has id ${this.key.id}: configure the key the ` +
            `run was started with`,
        );
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES)
        throw new PayloadCodecError(`encrypted payload (key id ${keyId}) is truncated: ${data.length} bytes`);
      const decipher = createDecipheriv('aes-256-gcm', this.key.bytes, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new PayloadCodecError(
          `encrypted payload (key id ${keyId}) failed authentication: it was altered, or encrypted with another key of the same id`,
        );
      }
      return proto.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

/**
 * The data converter for client and worker: encryption when a key file is configured, else Temporal's
 * default. Failure messages and stack traces are encrypted too (they may name hosts and paths).
 */
export async function dataConverterFor(temporal: WorkerConfig['temporal']): Promise<DataConverter | undefined> {
  if (!temporal.encryptionKeyPath) return undefined;
  return {
    payloadCodecs: [new AesGcmCodec(await loadKeyFile(temporal.encryptionKeyPath))],
    // A path, not an instance: the workflow sandbox loads it too.
    failureConverterPath: require.resolve('./failureConverter'),
  };
}
