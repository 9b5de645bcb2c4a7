/**
 * A pack's manifests as applied to one run (pure): namespaced objects go into the run's namespace, a
 * Namespace document labels the run's namespace, and every object carries the run's labels so reset
 * removes it; `$(TEST_USER)` becomes the experiment's test user and `$(RUN_NAMESPACE)` the run's namespace
 * (so a cluster-scoped policy can bind to it alone).
 */
import { runLabels, type RunScope } from '../kube/manifests';
import type { KubeObject } from '../kube/kubeObjects';
import type { ScenarioDefinition } from '../domain/scenarios';
import { manifestDigest, RUN_NAMESPACE_PLACEHOLDER, TEST_USER_PLACEHOLDER, type LoadedPack, type PackManifest } from './packs';

function substitute(value: unknown, vars: [string, string][]): unknown {
  if (typeof value === 'string') return vars.reduce((text, [name, to]) => text.split(name).join(to), value);
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  return value;
}

export function renderManifest(item: PackManifest, scope: RunScope, testUser: string): KubeObject {
  const doc = substitute(item.manifest, [[TEST_USER_PLACEHOLDER, testUser], [RUN_NAMESPACE_PLACEHOLDER, scope.namespace]]) as KubeObject;
  const metadata = { ...(doc.metadata ?? {}) } as KubeObject['metadata'];
  metadata.labels = { ...(metadata.labels ?? {}), ...runLabels(scope.runId) };
  if (doc.kind === 'Namespace') metadata.name = scope.namespace;
  else if (item.namespaced) metadata.namespace = scope.namespace;
  return { ...doc, metadata };
}

/** The scenario's manifests in order (packs as listed, files by name), each checked against the digest the experiment recorded. */
export function scenarioManifests(definition: ScenarioDefinition, packs: LoadedPack[]): PackManifest[] {
  const out: PackManifest[] = [];
  for (const { name } of definition.packs) {
    const pack = packs.find((p) => p.name === name);
    if (!pack) throw new Error(`pack "${name}" of scenario "${definition.name}" is missing from the experiment's resolved definitions`);
    for (const item of pack.manifests) {
      const recorded = definition.manifests.find((m) => m.pack === name && m.file === item.ref.file && m.document === item.ref.document);
      const digest = manifestDigest(item.manifest);
      if (!recorded || recorded.sha256 !== digest) {
        throw new Error(
          `${name}/${item.ref.file} document ${item.ref.document} does not match what the experiment recorded ` +
            `(sha256 ${digest.slice(0, 12)}… vs ${recorded?.sha256.slice(0, 12) ?? 'none'}…)`,
        );
      }
      out.push(item);
    }
  }
  if (out.length !== definition.manifests.length)
    throw new Error(`scenario "${definition.name}" recorded ${definition.manifests.length} manifests but its packs hold ${out.length}`);
  return out;
}
