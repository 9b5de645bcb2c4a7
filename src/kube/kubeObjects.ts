/**
 * The Kubernetes access layer's interface. Activities depend on this, never on @kubernetes/client-node
 * directly (that package is ESM-only and is loaded lazily by `loadKubeClient`), so tests can inject
 * another implementation and the workflow bundle never pulls it in.
 */

export interface KubeMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  [field: string]: unknown;
}

/** Any Kubernetes object as plain JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
}

/** One API resource type from discovery. */
export interface ApiResourceType {
  apiVersion: string;
  kind: string;
  /** Plural name used in URLs (`deployments`). */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
  /** Server-side bound of the watch; the server closes the stream after it. */
  timeoutSeconds?: number;
}

/** A running watch; `done` settles when the stream ends (null) or fails (the error). */
export interface WatchHandle {
  stop(): void;
  done: Promise<unknown>;
}

export interface AccessQuery {
  verb: string;
  resource: string;
  group?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface AccessDecision {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
}

export interface ServerVersion {
  gitVersion: string;
  major: string;
  minor: string;
  platform?: string;
}

export interface ApplyOptions {
  dryRun?: boolean;
  /** Defaults to `hardenlab`. A step that shares an object with another step uses its own manager. */
  fieldManager?: string;
}

export interface KubeClient {
  /** The API server URL and kubeconfig context in use (for messages; no secrets). */
  readonly server: string;
  readonly context: string;
  /** Server-side apply with force, so a retried step converges instead of failing on "already exists". */
  apply<T extends KubeObject>(obj: T, options?: ApplyOptions): Promise<T>;
  /** Plain create, used for admission probes (`dryRun`), not for managing objects. */
  create<T extends KubeObject>(obj: T, options?: { dryRun?: boolean }): Promise<T>;
  /** The object, or null when it does not exist. */
  get<T extends KubeObject>(apiVersion: string, kind: string, name: string, namespace?: string): Promise<T | null>;
  list<T extends KubeObject>(apiVersion: string, kind: string, options?: ListOptions): Promise<ListResult<T>>;
  /** Deletes with background propagation; false when the object was already gone. */
  delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<boolean>;
  /** Streams events to `onEvent` until stopped or the server closes the stream. */
  watch(
    apiVersion: string,
    kind: string,
    options: WatchOptions,
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
  ): Promise<WatchHandle>;
  /** SelfSubjectAccessReview when `user` is absent, else SubjectAccessReview for that user. */
  canI(query: AccessQuery, user?: { user: string; groups?: string[] }): Promise<AccessDecision>;
  version(): Promise<ServerVersion>;
  /** A raw GET of a non-resource path answered in plain text (`/metrics`); needs the RBAC nonResourceURLs verb get. */
  getText(path: string): Promise<string>;
  /** Every API resource type the server serves (subresources excluded). */
  discover(): Promise<ApiResourceType[]>;
  /** Patches an object's status subresource (merge patch); used by tests acting as a controller. */
  patchStatus?(obj: KubeObject, status: unknown): Promise<void>;
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'hardenlab';
export const RUN_LABEL = 'hardenlab.io/run';
export const FIELD_MANAGER = 'hardenlab';

