import { promises as fs } from 'node:fs';
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { ClusterRef } from '../domain/contracts';
import { classifyKubeError, contextUnknown, httpStatusOf, kubeconfigInvalid, kubeconfigMissing, type KubeOperation } from './kubeFailures';
import {
  FIELD_MANAGER,
  type AccessDecision,
  type AccessQuery,
  type ApiResourceType,
  type ApplyOptions,
  type KubeClient,
  type KubeObject,
  type ListOptions,
  type ListResult,
  type ServerVersion,
  type WatchEventType,
  type WatchHandle,
  type WatchOptions,
} from './kubeObjects';
import { makeRawObjectApi, type K8sModule, type RawObjectApi } from './rawObjectApi';

export interface LoadKubeClientOptions {
  /** Bound on each API request (not on watches); a slower answer is a retryable timeout. */
  requestTimeoutMs?: number;
  /** Act as this user (the Impersonate-User header): the kubeconfig's user needs the right to impersonate. */
  impersonate?: string;
}

/** ESM-only package: imported on first use so CommonJS callers and the workflow bundle never load it. */
let modulePromise: Promise<K8sModule> | undefined;
function loadModule(): Promise<K8sModule> {
  modulePromise ??= import('@kubernetes/client-node');
  return modulePromise;
}

/**
 * Opens the cluster a ClusterRef points to. Checks the kubeconfig file and context first, with
 * non-retryable errors that name them; API failures later are classified by `classifyKubeError`.
 */
export async function loadKubeClient(
  ref: Pick<ClusterRef, 'kubeconfigPath' | 'context'>,
  options: LoadKubeClientOptions = {},
): Promise<KubeClient> {
  const path = ref.kubeconfigPath;
  const stat = await fs.stat(path).catch((err: NodeJS.ErrnoException) => {
    throw kubeconfigMissing(path, err.code === 'ENOENT' ? 'no such file' : `${err.code ?? 'error'}: ${err.message}`);
  });
  if (!stat.isFile()) throw kubeconfigMissing(path, 'not a regular file');

  const k8s = await loadModule();
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (err) {
    throw kubeconfigInvalid(path, (err as Error).message.split('\n')[0] ?? 'unparseable');
  }
  const available = kc.getContexts().map((c) => c.name);
  const context = ref.context ?? kc.getCurrentContext();
  if (!context || !available.includes(context)) throw contextUnknown(path, context || '(no current-context)', available);
  kc.setCurrentContext(context);
  if (options.impersonate) {
    const current = kc.getCurrentUser()?.name;
    const users = kc.getUsers().map((u) => (u.name === current ? { ...u, impersonateUser: options.impersonate } : u));
    kc.loadFromOptions({ clusters: kc.getClusters(), users, contexts: kc.getContexts(), currentContext: context });
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw kubeconfigInvalid(path, `context "${context}" names no known cluster`);
  return new ClientNodeKubeClient(k8s, kc, cluster.server, context, options.requestTimeoutMs ?? 30_000);
}

/** Strips the typed-model layer: activities handle plain JSON (dates as ISO strings). */
function plain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function describeObject(apiVersion: string, kind: string, name?: string): string {
  return `${apiVersion} ${kind}${name ? ` "${name}"` : ''}`;
}

/** The operation an error message names: `verb` on this object. */
function objectOperation(verb: string, obj: KubeObject): Omit<KubeOperation, 'server' | 'context'> {
  return { verb, resource: describeObject(obj.apiVersion, obj.kind, obj.metadata.name), namespace: obj.metadata.namespace };
}

class ClientNodeKubeClient implements KubeClient {
  private readonly objects: RawObjectApi;
  private readonly authz: K8s.AuthorizationV1Api;
  private readonly versionApi: K8s.VersionApi;
  private readonly watcher: K8s.Watch;

  constructor(
    private readonly k8s: K8sModule,
    kc: K8s.KubeConfig,
    readonly server: string,
    readonly context: string,
    private readonly timeoutMs: number,
  ) {
    this.objects = makeRawObjectApi(k8s, kc);
    this.authz = kc.makeApiClient(k8s.AuthorizationV1Api);
    this.versionApi = kc.makeApiClient(k8s.VersionApi);
    this.watcher = new k8s.Watch(kc);
  }

  private async call<T>(op: Omit<KubeOperation, 'server' | 'context'>, run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([run(), timeout]);
    } catch (err) {
      throw classifyKubeError(err, { ...op, server: this.server, context: this.context });
    } finally {
      clearTimeout(timer);
    }
  }

  async apply<T extends KubeObject>(obj: T, options: ApplyOptions = {}): Promise<T> {
    const op = objectOperation(options.dryRun ? 'apply (dry run)' : 'apply', obj);
    const result = await this.call(op, () =>
      this.objects.applyJson(obj as K8s.KubernetesObject, {
        dryRun: options.dryRun,
        fieldManager: options.fieldManager ?? FIELD_MANAGER,
        force: true,
      }),
    );
    return plain<T>(result);
  }

  async create<T extends KubeObject>(obj: T, options: { dryRun?: boolean } = {}): Promise<T> {
    const op = objectOperation(options.dryRun ? 'create (dry run)' : 'create', obj);
    const result = await this.call(op, () =>
      this.objects.create(structuredClone(obj) as K8s.KubernetesObject, undefined, options.dryRun ? 'All' : undefined, FIELD_MANAGER),
    );
    return plain<T>(result);
  }

  async get<T extends KubeObject>(apiVersion: string, kind: string, name: string, namespace?: string): Promise<T | null> {
    const result = await this.call({ verb: 'get', resource: describeObject(apiVersion, kind, name), namespace }, () =>
      this.objects.read({ apiVersion, kind, metadata: { name, namespace } }).catch((err: unknown) => {
        if (httpStatusOf(err) === 404) return null;
        throw err;
      }),
    );
    return result ? plain<T>(result) : null;
  }

  async list<T extends KubeObject>(apiVersion: string, kind: string, options: ListOptions = {}): Promise<ListResult<T>> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.call({ verb: 'list', resource: describeObject(apiVersion, kind), namespace: options.namespace }, () =>
        this.objects.list(
          apiVersion,
          kind,
          options.namespace,
          undefined,
          undefined,
          undefined,
          options.fieldSelector,
          options.labelSelector,
          500,
          continueToken,
        ),
      );
      const raw = plain<{ items?: T[]; metadata?: { resourceVersion?: string; _continue?: string; continue?: string } }>(page);
      for (const item of raw.items ?? []) items.push({ ...item, apiVersion, kind });
      resourceVersion = raw.metadata?.resourceVersion ?? resourceVersion;
      continueToken = raw.metadata?._continue ?? raw.metadata?.continue ?? undefined;
    } while (continueToken);
    return { items, resourceVersion };
  }

  async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<boolean> {
    return this.call({ verb: 'delete', resource: describeObject(apiVersion, kind, name), namespace }, () =>
      this.objects
        .delete({ apiVersion, kind, metadata: { name, namespace } }, undefined, undefined, undefined, undefined, 'Background')
        .then(() => true)
        .catch((err: unknown) => {
          if (httpStatusOf(err) === 404) return false;
          throw err;
        }),
    );
  }

  async watch(
    apiVersion: string,
    kind: string,
    options: WatchOptions,
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
  ): Promise<WatchHandle> {
    const op = { verb: 'watch', resource: describeObject(apiVersion, kind), namespace: options.namespace };
    const path = await this.call(op, () => this.objects.collectionPath(apiVersion, kind, options.namespace));
    let settle!: (value: unknown) => void;
    const done = new Promise<unknown>((resolve) => (settle = resolve));
    const query: Record<string, string | number | boolean | undefined> = {
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      resourceVersion: options.resourceVersion,
      timeoutSeconds: options.timeoutSeconds,
      allowWatchBookmarks: true,
    };
    const controller = await this.watcher.watch(
      path,
      query,
      (type, obj) => onEvent(type as WatchEventType, obj as KubeObject),
      (err) => settle(err ? classifyKubeError(err, { ...op, server: this.server, context: this.context }) : null),
    );
    return { stop: () => controller.abort(), done };
  }

  async canI(query: AccessQuery, user?: { user: string; groups?: string[] }): Promise<AccessDecision> {
    const resourceAttributes = {
      verb: query.verb,
      resource: query.resource,
      group: query.group ?? '',
      namespace: query.namespace,
      name: query.name,
      subresource: query.subresource,
    };
    const op = { verb: 'create', resource: user ? `SubjectAccessReview for user "${user.user}"` : 'SelfSubjectAccessReview' };
    const review = await this.call(op, () =>
      user
        ? this.authz.createSubjectAccessReview({
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SubjectAccessReview',
              spec: { user: user.user, groups: user.groups, resourceAttributes },
            },
          })
        : this.authz.createSelfSubjectAccessReview({
            body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } },
          }),
    );
    const status = review.status;
    return { allowed: status?.allowed === true, denied: status?.denied, reason: status?.reason };
  }

  async version(): Promise<ServerVersion> {
    const info = await this.call({ verb: 'get', resource: '/version' }, () => this.versionApi.getCode());
    return { gitVersion: info.gitVersion, major: info.major, minor: info.minor, platform: info.platform };
  }

  async getText(path: string): Promise<string> {
    return this.call({ verb: 'get', resource: path }, () => this.objects.getText(path));
  }

  async discover(): Promise<ApiResourceType[]> {
    const groupVersions = await this.call({ verb: 'discover', resource: 'API groups' }, async () => {
      const groups = plain<{ groups: { preferredVersion?: { groupVersion: string }; versions: { groupVersion: string }[] }[] }>(
        await this.objects.getJson('/apis', 'V1APIGroupList'),
      );
      // The preferred version of each group is enough: objects are the same across versions.
      return ['v1', ...groups.groups.map((g) => g.preferredVersion?.groupVersion ?? g.versions[0]!.groupVersion)];
    });
    const types: ApiResourceType[] = [];
    for (const groupVersion of groupVersions) {
      const path = groupVersion === 'v1' ? '/api/v1' : `/apis/${groupVersion}`;
      const list = await this.call({ verb: 'discover', resource: groupVersion }, () =>
        this.objects.getJson(path, 'V1APIResourceList'),
      ).catch((err: unknown) => {
        // An aggregated API that is down must not stop discovery of the rest.
        if ([503, 404].includes(httpStatusOf(err) ?? (err as { status?: number }).status ?? 0)) return null;
        throw err;
      });
      if (!list) continue;
      const resources = plain<{ resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[] }>(list).resources;
      for (const r of resources) {
        if (r.name.includes('/')) continue;
        types.push({ apiVersion: groupVersion, kind: r.kind, plural: r.name, namespaced: r.namespaced, verbs: r.verbs });
      }
    }
    return types;
  }

  async patchStatus(obj: KubeObject, status: unknown): Promise<void> {
    const op = objectOperation('patch status of', obj);
    await this.call(op, async () => {
      const base = await this.objects.collectionPath(obj.apiVersion, obj.kind, obj.metadata.namespace);
      await this.objects.mergePatch(`${base}/${encodeURIComponent(obj.metadata.name)}/status`, { status });
    });
  }
}
