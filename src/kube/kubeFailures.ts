import { ApplicationFailure } from '@temporalio/common';

/**
 * The one place that decides whether a Kubernetes failure is worth retrying. Unreachable API servers,
 * timeouts, throttling and 5xx are transient: a plain Error (Temporal retries it; its `name` becomes the
 * failure type). Bad credentials, missing rights, invalid manifests and a missing kubeconfig or context
 * will not heal by retrying: `ApplicationFailure.nonRetryable` with a type below and a message naming the
 * cause (file, context, verb and resource). Messages never include credentials.
 */
export const KubeFailure = {
  KubeconfigMissing: 'KubeconfigMissing',
  KubeconfigInvalid: 'KubeconfigInvalid',
  KubeContextUnknown: 'KubeContextUnknown',
  KubeUnauthorized: 'KubeUnauthorized',
  KubeForbidden: 'KubeForbidden',
  KubeInvalidManifest: 'KubeInvalidManifest',
  KubeUnknownKind: 'KubeUnknownKind',
  KubeNotFound: 'KubeNotFound',
  KubeTlsError: 'KubeTlsError',
} as const;
export type KubeFailureType = (typeof KubeFailure)[keyof typeof KubeFailure];

export const KubeTransient = {
  Unreachable: 'KubeUnreachable',
  Timeout: 'KubeTimeout',
  ServerError: 'KubeServerError',
  Throttled: 'KubeThrottled',
  Conflict: 'KubeConflict',
} as const;

/** What was being done, for the message. */
export interface KubeOperation {
  /** apply, get, list, delete, watch, create, access-review, version, discovery */
  verb: string;
  /** e.g. `apps/v1 Deployment "web"` */
  resource?: string;
  namespace?: string;
  server?: string;
  context?: string;
}

/** A retryable Kubernetes failure; `name` is its category, `status` the HTTP status when there was one. */
export class KubeTransientError extends Error {
  constructor(
    name: (typeof KubeTransient)[keyof typeof KubeTransient],
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = name;
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

interface ErrorShape {
  code?: unknown;
  statusCode?: unknown;
  status?: unknown;
  body?: unknown;
  message?: unknown;
  cause?: unknown;
  type?: unknown;
  name?: unknown;
}

/** The HTTP status of a client-node failure (ApiException `code`, watch `statusCode`), if any. */
export function httpStatusOf(err: unknown): number | undefined {
  const e = err as ErrorShape | null;
  if (!e || typeof e !== 'object') return undefined;
  for (const candidate of [e.code, e.statusCode, e.status]) {
    if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
  }
  return undefined;
}

/** The system error code (ECONNREFUSED …) anywhere in the cause chain. */
export function systemCodeOf(err: unknown): string | undefined {
  let e = err as ErrorShape | null;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (typeof e.code === 'string') return e.code;
    e = e.cause as ErrorShape | null;
  }
  return undefined;
}

/** The API server's own explanation (a Status object's message and reason) when the body holds one. */
export function serverStatusOf(err: unknown): { message?: string; reason?: string } {
  const body = (err as ErrorShape | null)?.body;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return { message: body.slice(0, 500) };
    }
  }
  if (parsed && typeof parsed === 'object') {
    const status = parsed as { message?: unknown; reason?: unknown };
    return {
      message: typeof status.message === 'string' ? status.message : undefined,
      reason: typeof status.reason === 'string' ? status.reason : undefined,
    };
  }
  return {};
}

function describe(op: KubeOperation): string {
  const what = [op.verb, op.resource].filter(Boolean).join(' ');
  const where = op.namespace ? ` in namespace "${op.namespace}"` : '';
  const cluster = [op.server && `API server ${op.server}`, op.context && `context "${op.context}"`].filter(Boolean).join(', ');
  return `${what}${where}${cluster ? ` (${cluster})` : ''}`;
}

function firstLine(message: unknown): string {
  return String(message ?? '').split('\n')[0]!.slice(0, 300);
}

/** Already classified (by an inner call): pass through unchanged. */
function isClassified(err: unknown): err is Error {
  return err instanceof ApplicationFailure || err instanceof KubeTransientError;
}

/**
 * Turns any failure of a Kubernetes call into either a retryable `KubeTransientError` or a
 * non-retryable `ApplicationFailure` whose message names the operation and the server's reason.
 */
export function classifyKubeError(err: unknown, op: KubeOperation): Error {
  if (isClassified(err)) return err;
  const status = httpStatusOf(err);
  const server = serverStatusOf(err);
  const detail = server.message ?? firstLine((err as ErrorShape | null)?.message);
  const subject = describe(op);
  const details = { status, reason: server.reason, serverMessage: server.message };

  if (status !== undefined) {
    if (status === 401)
      return ApplicationFailure.nonRetryable(
        `unauthorized: the credentials of ${subject} were rejected: ${detail}`,
        KubeFailure.KubeUnauthorized,
        details,
      );
    if (status === 403)
      return ApplicationFailure.nonRetryable(`forbidden: cannot ${subject}: ${detail}`, KubeFailure.KubeForbidden, details);
    if (status === 400 || status === 422)
      return ApplicationFailure.nonRetryable(
        `invalid manifest: ${subject} was refused: ${detail}`,
        KubeFailure.KubeInvalidManifest,
        details,
      );
    if (status === 429) return new KubeTransientError(KubeTransient.Throttled, `throttled: ${subject}: ${detail}`, status);
    if (status === 409) return new KubeTransientError(KubeTransient.Conflict, `conflict: ${subject}: ${detail}`, status);
    if (status === 408 || status === 504) return new KubeTransientError(KubeTransient.Timeout, `timeout: ${subject}: ${detail}`, status);
    if (status >= 500) return new KubeTransientError(KubeTransient.ServerError, `server error ${status}: ${subject}: ${detail}`, status);
    if (status === 404)
      return ApplicationFailure.nonRetryable(`not found: ${subject}: ${detail}`, KubeFailure.KubeNotFound, details);
    return new KubeTransientError(KubeTransient.ServerError, `unexpected HTTP ${status}: ${subject}: ${detail}`, status);
  }

  const code = systemCodeOf(err);
  const message = firstLine((err as ErrorShape | null)?.message);
  if (code && TLS_CODES.has(code))
    return ApplicationFailure.nonRetryable(
      `TLS failure: ${subject}: ${code}: ${message} (check the kubeconfig's certificate authority)`,
      KubeFailure.KubeTlsError,
    );
  if ((code && TIMEOUT_CODES.has(code)) || (err as ErrorShape | null)?.name === 'TimeoutError' || /timed? ?out/i.test(message))
    return new KubeTransientError(KubeTransient.Timeout, `timeout: ${subject}: ${message}`);
  if ((code && NETWORK_CODES.has(code)) || (err as ErrorShape | null)?.type === 'system')
    return new KubeTransientError(KubeTransient.Unreachable, `unreachable: ${subject}: ${code ?? ''} ${message}`.replace(/\s+/g, ' '));
  if (/Unrecognized API version and kind/.test(message))
    return ApplicationFailure.nonRetryable(`unknown kind: ${subject}: ${message}`, KubeFailure.KubeUnknownKind);
  // Unknown shapes (programming errors, odd network faults) stay retryable: a bounded retry policy ends them.
  return new KubeTransientError(KubeTransient.ServerError, `${subject} failed: ${message}`);
}

/** The failure type of a classified error: the ApplicationFailure type or the transient category. */
export function failureTypeOf(err: unknown): string | undefined {
  if (err instanceof ApplicationFailure) return err.type ?? undefined;
  if (err instanceof KubeTransientError) return err.name;
  return undefined;
}

/** The HTTP status carried by a classified error. */
export function classifiedStatusOf(err: unknown): number | undefined {
  if (err instanceof KubeTransientError) return err.status;
  if (err instanceof ApplicationFailure) {
    const first = err.details?.[0] as { status?: number } | undefined;
    return first?.status;
  }
  return httpStatusOf(err);
}

export function isNonRetryable(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.nonRetryable === true;
}

export function kubeconfigMissing(path: string, why: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`kubeconfig not found: ${path} (${why})`, KubeFailure.KubeconfigMissing, { path });
}

export function kubeconfigInvalid(path: string, why: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`kubeconfig ${path} cannot be read: ${why}`, KubeFailure.KubeconfigInvalid, { path });
}

export function contextUnknown(path: string, context: string, available: string[]): ApplicationFailure {
  const list = available.length ? available.map((c) => `"${c}"`).join(', ') : 'none';
  return ApplicationFailure.nonRetryable(
    `kubeconfig ${path} has no context "${context}" (available: ${list})`,
    KubeFailure.KubeContextUnknown,
    { path, context, available },
  );
}
