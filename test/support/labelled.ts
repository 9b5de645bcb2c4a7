/**
 * What a run left on the test bed: every object, of every listable kind (namespaced in all namespaces,
 * and cluster-scoped), carrying hardenlab's managed-by label and the given run label. Asked with the
 * test bed's own kubectl, independently of the reset code under test.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { binaryPaths, readVersions } from '../../src/testbed';

const exec = promisify(execFile);

export const MANAGED_BY = 'app.kubernetes.io/managed-by=hardenlab';

function kubectl(kubeconfigPath: string, args: string[]): Promise<string> {
  const bin = binaryPaths(readVersions()).kubectl;
  return exec(bin, ['--kubeconfig', kubeconfigPath, ...args], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }).then((r) => r.stdout);
}

/** `kind/namespace/name` of every labelled object of the run; empty when the run left nothing behind. */
export async function labelledObjects(kubeconfigPath: string, runLabel: string): Promise<string[]> {
  const kinds = (await kubectl(kubeconfigPath, ['api-resources', '--verbs=list', '-o', 'name']))
    .split('\n')
    .map((k) => k.trim())
    // Events are never labelled by hardenlab and are slow to list.
    .filter((k) => k && k !== 'events' && k !== 'events.events.k8s.io' && k !== 'componentstatuses');
  const selector = `${MANAGED_BY},hardenlab.io/run=${runLabel}`;
  const out = await kubectl(kubeconfigPath, [
    'get', kinds.join(','), '--all-namespaces', '-l', selector, '--ignore-not-found',
    '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}{"\\n"}{end}',
  ]);
  return out.split('\n').map((l) => l.trim()).filter(Boolean).sort();
}

/** Deletes a run's leftovers (after a test that failed half-way), so the shared test bed stays clean. */
export async function deleteLabelled(kubeconfigPath: string, runLabel: string): Promise<void> {
  const left = await labelledObjects(kubeconfigPath, runLabel);
  const namespaces = left.filter((o) => o.startsWith('Namespace/')).map((o) => o.split('/')[2]!);
  const others = left.filter((o) => !o.startsWith('Namespace/'));
  for (const o of others) {
    const [kind, namespace, name] = o.split('/') as [string, string, string];
    await kubectl(kubeconfigPath, ['delete', kind, name, ...(namespace ? ['-n', namespace] : []), '--ignore-not-found', '--wait=false']).catch(() => undefined);
  }
  for (const ns of namespaces) await kubectl(kubeconfigPath, ['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']).catch(() => undefined);
}
