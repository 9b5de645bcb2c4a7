/**
 * Hardening packs: folders of Kubernetes manifests (`<pack>/*.yaml`, several documents per file allowed).
 * Loading checks every document against what a pack may create and refuses anything that would escape the
 * run's namespace or labels, naming the file and the document; each document gets a sha256 of its content.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { prototypeKeyProblems } from '../config/ownKeys';
import { MANAGED_BY_LABEL, RUN_LABEL } from '../kube/kubeObjects';
import type { AttackId, ManifestRef } from '../domain/scenarios';
import { isExpectedDenialsFile, readExpectedDenials } from './expectedDenials';

export interface PackManifest {
  ref: ManifestRef;
  /** The document as written (before the run's namespace, labels and test user are filled in). */
  manifest: Record<string, unknown>;
  namespaced: boolean;
}

export interface LoadedPack {
  name: string;
  /** `built-in` or the pack's folder. */
  source: string;
  manifests: PackManifest[];
  /** From the folder's expected-denials.yaml, when it has one. */
  expectedDenials?: AttackId[];
}

/** A problem with a scenario or pack file: where, and what. */
export interface ScenarioProblem {
  field: string;
  message: string;
}

/** What a pack may create, by apiVersion and kind: namespaced kinds go into the run's namespace. */
const ALLOWED: Record<string, { namespaced: boolean }> = {
  'v1/Namespace': { namespaced: false },
  'v1/ServiceAccount': { namespaced: true },
  'v1/ConfigMap': { namespaced: true },
  'v1/LimitRange': { namespaced: true },
  'v1/ResourceQuota': { namespaced: true },
  'rbac.authorization.k8s.io/v1/Role': { namespaced: true },
  'rbac.authorization.k8s.io/v1/RoleBinding': { namespaced: true },
  'networking.k8s.io/v1/NetworkPolicy': { namespaced: true },
  'policy/v1/PodDisruptionBudget': { namespaced: true },
  'rbac.authorization.k8s.io/v1/ClusterRole': { namespaced: false },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { namespaced: false },
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': { namespaced: false },
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding': { namespaced: false },
};
export const ALLOWED_KINDS = Object.keys(ALLOWED);

/**
 * The built-in pack that installs the policy engine (Gatekeeper, src/kube/policyEngine/) before its policies: it alone
 * may hold ConstraintTemplates and constraints (cluster-scoped, each bound to the run's namespace by the pack's text).
 */
export const POLICY_ENGINE_PACK = 'policy-engine';
const ENGINE_KINDS: Record<string, { namespaced: boolean }> = { 'templates.gatekeeper.sh/v1/ConstraintTemplate': { namespaced: false } };
const ENGINE_CONSTRAINT_GROUP = 'constraints.gatekeeper.sh/';

/** What a document may be in this pack: the common kinds, and for the built-in engine pack its policies. */
function allowedKind(apiVersion: string, kind: string, enginePack: boolean): { namespaced: boolean } | undefined {
  const common = ALLOWED[`${apiVersion}/${kind}`];
  if (common || !enginePack) return common;
  if (apiVersion.startsWith(ENGINE_CONSTRAINT_GROUP)) return { namespaced: false };
  return ENGINE_KINDS[`${apiVersion}/${kind}`];
}

export function isEnginePack(pack: { name: string; source: string }): boolean {
  return pack.name === POLICY_ENGINE_PACK && pack.source === 'built-in';
}

/** Placeholders filled in when a pack is applied: the experiment's test user (hardening.rbacUser), the run's namespace. */
export const TEST_USER_PLACEHOLDER = '$(TEST_USER)';
export const RUN_NAMESPACE_PLACEHOLDER = '$(RUN_NAMESPACE)';
export const PACK_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

/** Sorted keys, so the digest names the content, not the formatting or key order of the file. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function manifestDigest(manifest: unknown): string {
  return createHash('sha256').update(canonical(manifest)).digest('hex');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Everything wrong with one document (empty when it may be applied). */
export function checkDocument(doc: unknown, enginePack = false): string[] {
  if (!isObject(doc)) return ['is not a Kubernetes object (a mapping with apiVersion, kind and metadata)'];
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['has no apiVersion and kind'];
  const allowed = allowedKind(apiVersion, kind, enginePack);
  if (!allowed) return [`${apiVersion} ${kind} may not be created by a pack (allowed: ${ALLOWED_KINDS.join(', ')})`];
  const metadata = doc.metadata ?? {};
  if (!isObject(metadata)) return ['metadata is not a mapping'];
  const problems: string[] = [];
  const labels = metadata.labels ?? {};
  if (!isObject(labels)) problems.push('metadata.labels is not a mapping');
  for (const label of [MANAGED_BY_LABEL, RUN_LABEL]) {
    if (isObject(labels) && label in labels)
      problems.push(
        `sets the label ${label}, which hardenlab sets to the run's own value (reset finds the run's objects by it): remove it`,
      );
  }
  if (kind === 'Namespace') {
    if (metadata.name !== undefined)
      problems.push(`names a namespace ("${String(metadata.name)}"): a Namespace document labels the run's own namespace and has no name`);
    const extra = [
      ...Object.keys(doc).filter((k) => !['apiVersion', 'kind', 'metadata'].includes(k)),
      ...Object.keys(metadata)
        .filter((k) => !['name', 'labels', 'annotations'].includes(k))
        .map((k) => `metadata.${k}`),
    ];
    if (extra.length) problems.push(`a Namespace document may set only metadata.labels and metadata.annotations, not ${extra.join(', ')}`);
    return problems;
  }
  if (typeof metadata.name !== 'string' || !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(metadata.name))
    problems.push('needs metadata.name (a DNS name; generateName is not supported, so a retried step stays idempotent)');
  if (allowed.namespaced && metadata.namespace !== undefined)
    problems.push(
      `sets metadata.namespace ("${String(metadata.namespace)}"), which would escape the run's namespace: remove it (the run's ` +
        `namespace is filled in)`,
    );
  if (!allowed.namespaced && metadata.namespace !== undefined) problems.push(`is cluster-scoped but sets metadata.namespace`);
  problems.push(...clusterBindingProblems(kind, doc));
  return problems;
}

/**
 * A cluster-scoped binding acts beyond the run's namespace unless it names it: a ClusterRoleBinding may bind
 * only service accounts of the run's namespace, and a ValidatingAdmissionPolicyBinding must select the run's
 * namespace alone (`$(RUN_NAMESPACE)` is filled in when the pack is applied).
 */
function clusterBindingProblems(kind: string, doc: Record<string, unknown>): string[] {
  if (kind === 'ClusterRoleBinding') {
    const subjects = Array.isArray(doc.subjects) ? doc.subjects : [];
    const outside = subjects.filter((s) => !isObject(s) || s.kind !== 'ServiceAccount' || s.namespace !== RUN_NAMESPACE_PLACEHOLDER);
    if (subjects.length === 0 || outside.length > 0) {
      return [
        `a ClusterRoleBinding must be tied to the run's namespace: bind only subjects of kind ServiceAccount with ` +
          `namespace ${RUN_NAMESPACE_PLACEHOLDER} (use a Role and RoleBinding for users and groups)`,
      ];
    }
  }
  if (kind === 'ValidatingAdmissionPolicyBinding') {
    const spec = isObject(doc.spec) ? doc.spec : {};
    const match = isObject(spec.matchResources) ? spec.matchResources : {};
    const selector = isObject(match.namespaceSelector) ? match.namespaceSelector : {};
    const labels = isObject(selector.matchLabels) ? selector.matchLabels : {};
    if (labels['kubernetes.io/metadata.name'] !== RUN_NAMESPACE_PLACEHOLDER) {
      return [
        `a ValidatingAdmissionPolicyBinding must be tied to the run's namespace: set spec.matchResources.namespaceSelector.matchLabels ` +
          `{kubernetes.io/metadata.name: ${RUN_NAMESPACE_PLACEHOLDER}}`,
      ];
    }
  }
  return [];
}

/** Loads a pack folder: every `*.yaml`/`*.yml` file in name order, every document in file order; expected-denials.yaml apart. */
export async function loadPack(name: string, dir: string, source: string): Promise<{ pack?: LoadedPack; problems: ScenarioProblem[] }> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read pack folder ${dir}: ${err.code ?? err.message}`);
  });
  const yamlFiles = entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => e.name).sort();
  const files = yamlFiles.filter((f) => !isExpectedDenialsFile(f));
  const expected = await readExpectedDenials(dir, yamlFiles);
  const problems: ScenarioProblem[] = [...expected.problems];
  if (files.length === 0) return { problems: [...problems, { field: dir, message: `pack "${name}" has no *.yaml files of manifests` }] };
  const manifests: PackManifest[] = [];
  for (const file of files) {
    const where = path.join(dir, file);
    const docs = parseAllDocuments(await fs.readFile(where, 'utf8'));
    if (!Array.isArray(docs)) {
      problems.push({ field: where, message: 'is not YAML' });
      continue;
    }
    docs.forEach((doc, i) => {
      const field = `${where} document ${i + 1}`;
      if (doc.errors.length) {
        const error = doc.errors[0]!;
        problems.push({ field, message: `not valid YAML (line ${error.linePos?.[0].line ?? '?'}): ${error.message.split('\n')[0]}` });
        return;
      }
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) return; // an empty document, e.g. after a trailing ---
      const enginePack = isEnginePack({ name, source });
      const wrong = [...prototypeKeyProblems(value).map((p) => `${p.field}: ${p.message}`), ...checkDocument(value, enginePack)];
      if (wrong.length) {
        problems.push(...wrong.map((message) => ({ field, message })));
        return;
      }
      const manifest = value as Record<string, unknown> & { apiVersion: string; kind: string; metadata?: { name?: string } };
      manifests.push({
        ref: {
          pack: name,
          file,
          document: i + 1,
          apiVersion: manifest.apiVersion,
          kind: manifest.kind,
          name: manifest.metadata?.name ?? '',
          sha256: manifestDigest(manifest),
        },
        manifest,
        namespaced: allowedKind(manifest.apiVersion, manifest.kind, enginePack)!.namespaced,
      });
    });
  }
  if (manifests.length === 0 && problems.length === 0) problems.push({ field: dir, message: `pack "${name}" holds no manifests` });
  if (problems.length) return { problems };
  return { pack: { name, source, manifests, ...(expected.ids ? { expectedDenials: expected.ids } : {}) }, problems };
}

/** The pack makes pods of the run's namespace meet restricted rules: the engine's policies, or Pod Security's label. */
export function hardensPods(pack: LoadedPack): boolean {
  return isEnginePack(pack) || enforcesPodSecurity(pack);
}

/** The pack enforces Pod Security on the run's namespace (any level but privileged). */
export function enforcesPodSecurity(pack: LoadedPack): boolean {
  return pack.manifests.some(({ manifest }) => {
    if (manifest.kind !== 'Namespace') return false;
    const level = (manifest.metadata as { labels?: Record<string, string> } | undefined)?.labels?.['pod-security.kubernetes.io/enforce'];
    return level !== undefined && level !== 'privileged';
  });
}
