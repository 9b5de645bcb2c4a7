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
}

/**
 * `hardenlab codec-server`: decrypts payloads for the Temporal UI (and `temporal --codec-endpoint`), so
 * operators can read encrypted runs. Serves until SIGINT/SIGTERM.
 */
export async function codecServerCommand(opts: CodecServerCommandOptions = {}): Promise<void> {
  const keyFile = opts.keyFile ?? (await loadWorkerConfig()).config.temporal.encryptionKeyPath;
  if (!keyFile) {
    throw new Error('no encryption key: pass --key-file, or set temporal.encryptionKeyPath in the worker config file or HARDENLAB_ENCRYPTION_KEY_FILE');
  }
  const codec = new AesGcmCodec(await loadKeyFile(keyFile));
  const server = await startCodecServer({
    codec,
    port: opts.port === undefined ? 8888 : Number(opts.port),
    host: opts.host ?? '127.0.0.1',
    origins: opts.origin,
    log: (line) => console.error(line),
  });
  console.log(`hardenlab codec server: ${server.url} (key id ${codec.keyId} from ${keyFile})`);
  console.log(`  Temporal UI: Settings (or the data-encoder icon) → Codec Server endpoint → ${server.url}`);
  console.log(`  dev server:  temporal server start-dev --ui-codec-endpoint ${server.url}`);
  console.log(`  CLI:         temporal workflow show --workflow-id <id> --codec-endpoint ${server.url}`);
  await untilSignal();
  await server.close();
}
