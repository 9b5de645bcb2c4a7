import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { loadWorkerConfig } from '../../config/workerConfig';
import { AesGcmCodec, loadKeyFile } from '../../temporal/codec';
import { startCodecServer } from '../../temporal/codecServer';
import { untilSignal } from './shared';

export interface CodecServerCommandOptions {
  /** Port on 127.0.0.1 (default 8888). */
  port?: number | string;
  /** Key file; defaults to the worker config's temporal.encryptionKeyPath / HARDENLAB_ENCRYPTION_KEY_FILE. */
  keyFile?: string;
  /** Extra browser origins allowed (the UI's when it is not on a loopback address). */
  origin?: string[];
  host?: string;
  /** A file holding the token calls must carry (so the UI's setting survives a restart); default: a random one per start. */
  tokenFile?: string;
}

/** The codec server's token: the file's (trimmed, at least 16 characters), or a new random one. */
export async function codecToken(tokenFile: string | undefined): Promise<string> {
  if (!tokenFile) return randomBytes(24).toString('base64url');
  const token = (await fs.readFile(tokenFile, 'utf8')).trim();
  if (!/^[A-Za-z0-9._~-]{16,}$/.test(token))
    throw new Error(`codec token file ${tokenFile}: needs at least 16 characters of A-Z a-z 0-9 . _ ~ - (it is a URL path segment)`);
  return token;
}

/**
 * `hardenlab codec-server`: decrypts payloads for the Temporal UI (and `temporal --codec-endpoint`), so
 * operators can read encrypted runs. Serves until SIGINT/SIGTERM.
 */
export async function codecServerCommand(opts: CodecServerCommandOptions = {}): Promise<void> {
  const keyFile = opts.keyFile ?? (await loadWorkerConfig()).config.temporal.encryptionKeyPath;
  if (!keyFile) {
    throw new Error(
      'no encryption key: pass --key-file, or set temporal.encryptionKeyPath in the worker config file or HARDENLAB_ENCRYPTION_KEY_FILE',
    );
  }
  const codec = new AesGcmCodec(await loadKeyFile(keyFile));
  const token = await codecToken(opts.tokenFile);
  const server = await startCodecServer({
    token,
    codec,
    port: opts.port === undefined ? 8888 : Number(opts.port),
    host: opts.host ?? '127.0.0.1',
    origins: opts.origin,
    log: (line) => console.error(line),
  });
  // The URL holds the token: it is the endpoint to paste, and a secret (anyone with it can decrypt).
  console.log(
    `hardenlab codec server: ${server.url} (key id ${codec.keyId} from ${keyFile}; the last path segment is its token: keep it secret)`,
  );
  console.log(`  Temporal UI: Settings (or the data-encoder icon) → Codec Server endpoint → ${server.url}`);
  console.log(`  dev server:  temporal server start-dev --ui-codec-endpoint ${server.url}`);
  console.log(`  CLI:         temporal workflow show --workflow-id <id> --codec-endpoint ${server.url}`);
  await untilSignal();
  await server.close();
}
