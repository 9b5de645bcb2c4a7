/**
 * One workflow bundle for every test worker: `bundleWorkflowCode` runs once and the code is kept in
 * .hardenlab/workflow-bundle/ with a manifest of the source files it was built from (their sha256, read
 * from the bundle's own module list) and of package-lock.json. A later jest file, jest run or worker child
 * process reuses it while none of those files changed; a change to any of them rebuilds it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode } from '@temporalio/worker';

const root = path.resolve(__dirname, '../..');

/** The converters that run inside the workflow sandbox are bundled with the workflows (the codec's failure converter). */
type SandboxConverters = Pick<DataConverter, 'failureConverterPath' | 'payloadConverterPath'>;

interface Manifest {
  bundle: string;
  /** Repository-relative path → sha256 of its contents ('missing' when absent). */
  files: Record<string, string>;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function fileHash(relative: string): string {
  try {
    return sha256(fs.readFileSync(path.join(root, relative)));
  } catch {
    return 'missing';
  }
}

/** The repository's own modules inside the bundle (webpack names them by relative path), plus the lock file. */
function sourcesOf(code: string): string[] {
  const modules = [...code.matchAll(/"\.\/((?!node_modules\/)[\w./-]+\.[cm]?[jt]s)"/g)].map((m) => m[1]!);
  return [...new Set([...modules, 'package-lock.json'])].sort();
}

function cached(cacheDir: string): string | undefined {
  const manifestPath = path.join(cacheDir, 'manifest.json');
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;
    const bundlePath = path.join(cacheDir, manifest.bundle);
    const fresh = Object.keys(manifest.files).length > 1 && Object.entries(manifest.files).every(([file, hash]) => fileHash(file) === hash);
    return fresh && fs.existsSync(bundlePath) ? bundlePath : undefined;
  } catch {
    return undefined;
  }
}

/** Writes via a temporary file and a rename, so parallel jest workers never read a half-written file. */
function writeAtomically(file: string, data: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, data);
  fs.renameSync(temporary, file);
}

async function build(cacheDir: string, converters: SandboxConverters): Promise<string> {
  const { failureConverterPath, payloadConverterPath } = converters;
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), failureConverterPath, payloadConverterPath, logger: quietLogger });
  const files = Object.fromEntries(sourcesOf(code).map((file) => [file, fileHash(file)]));
  if (!Object.keys(files).some((file) => file.startsWith('workflows/'))) throw new Error('workflow bundle: found no workflows/ module in the bundle (webpack module names changed?)');
  fs.mkdirSync(cacheDir, { recursive: true });
  const bundle = `bundle-${sha256(code).slice(0, 16)}.js`;
  writeAtomically(path.join(cacheDir, bundle), code);
  writeAtomically(path.join(cacheDir, 'manifest.json'), JSON.stringify({ bundle, files } satisfies Manifest, null, 2));
  return path.join(cacheDir, bundle);
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: (message: string) => process.stderr.write(`[workflow bundle] ${message}\n`), error: (message: string) => process.stderr.write(`[workflow bundle] ${message}\n`) };

const pending = new Map<string, Promise<{ codePath: string }>>();

/**
 * The `workflowBundle` option for `Worker.create`: built at most once per change of the workflow sources, one
 * per set of sandbox converters (a worker with the encrypting data converter needs its failure converter inside).
 */
export function sharedWorkflowBundle(dataConverter: SandboxConverters = {}): Promise<{ codePath: string }> {
  const converters = { failureConverterPath: dataConverter.failureConverterPath, payloadConverterPath: dataConverter.payloadConverterPath };
  const key = JSON.stringify(converters);
  const cacheDir = path.join(root, '.hardenlab', 'workflow-bundle', sha256(key).slice(0, 12));
  if (!pending.has(key)) pending.set(key, (async () => ({ codePath: cached(cacheDir) ?? (await build(cacheDir, converters)) }))());
  return pending.get(key)!;
}
