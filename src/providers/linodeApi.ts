import { ApplicationFailure } from '@temporalio/common';

/**
 * A small client for the parts of the Linode API v4 that LKE provisioning needs. Documented contract:
 * Bearer token; JSON bodies; errors as `{ errors: [{ reason, field? }] }`; collections paginated as
 * `{ data, page, pages, results }`; the kubeconfig as `{ kubeconfig: <base64> }` (503 until it exists).
 * Failures are classified here: 400/401/403/404 are non-retryable (message lists the API's reasons and
 * fields), 429, 5xx and network faults are retryable; redirects are not followed (the token would go
 * along). The token never appears in messages.
 */

export const DEFAULT_LINODE_API_URL = 'https://api.linode.com/v4';

export interface LkeNodePoolRequest {
  type: string;
  count: number;
}

export interface LkeCluster {
  id: number;
  label: string;
  region: string;
  k8s_version: string;
  status?: string;
  tags?: string[];
  created?: string;
}

export interface LkeNode {
  id: string;
  instance_id: number | null;
  status: 'ready' | 'not_ready' | string;
}

export interface LkeNodePool {
  id: number;
  type: string;
  count: number;
  nodes: LkeNode[];
}

/** A Linode instance as `GET /linode/instances/{id}` reports it (the fields hardenlab reads). */
export interface LinodeInstance {
  id: number;
  /** LKE names each Kubernetes node after its instance's label. */
  label: string;
  ipv4: string[];
}

interface Page<T> {
  data: T[];
  page: number;
  pages: number;
  results: number;
}

export const LinodeFailure = {
  InvalidRequest: 'LinodeInvalidRequest',
  Unauthorized: 'LinodeUnauthorized',
  Forbidden: 'LinodeForbidden',
  NotFound: 'LinodeNotFound',
  TokenMissing: 'LinodeTokenMissing',
  ClusterNotReady: 'LinodeClusterNotReady',
  Redirected: 'LinodeRedirected',
} as const;

/** A retryable Linode API failure (429, 5xx, network). */
export class LinodeTransientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LinodeUnavailable';
  }
}

function reasonsOf(body: unknown): string {
  const errors = (body as { errors?: { reason?: string; field?: string }[] } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return 'no reason given';
  return errors.map((e) => (e.field ? `${e.field}: ${e.reason ?? '?'}` : (e.reason ?? '?'))).join('; ');
}

function redirected(what: string, response: Response, baseUrl: string): ApplicationFailure {
  const location = response.headers.get('location');
  let target = 'no Location';
  try {
    if (location) target = new URL(location, baseUrl).origin;
  } catch {
    target = 'an unparsable Location';
  }
  return ApplicationFailure.nonRetryable(
    `Linode API answered ${what} with a redirect (${response.status}) to ${target}: not followed, so the token goes nowhere ` +
      `but ${new URL(baseUrl).origin}; if the API moved, set cluster.linode.apiUrl in the worker config`,
    LinodeFailure.Redirected,
    { status: response.status, target },
  );
}

export class LinodeApi {
  constructor(
    private readonly token: string,
    private readonly baseUrl: string = DEFAULT_LINODE_API_URL,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Sends one request; returns the parsed body, or null for 404 when `allowMissing`. */
  private async request<T>(method: string, path: string, body?: unknown, allowMissing = false): Promise<T | null> {
    const what = `${method} ${path}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/$/, '')}${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        // The token goes to the configured API only: a redirect is reported, never followed.
        redirect: 'manual',
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = [cause?.code, cause?.message ?? (err as Error).message].filter(Boolean).join(' ');
      throw new LinodeTransientError(`Linode API unreachable: ${what}: ${why}`);
    }
    if (response.status >= 300 && response.status < 400) throw redirected(what, response, this.baseUrl);
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { errors: [{ reason: text.slice(0, 200) }] };
    }
    if (response.ok) return parsed as T;
    const reasons = reasonsOf(parsed);
    const status = response.status;
    if (status === 404 && allowMissing) return null;
    const details = { status, reasons };
    if (status === 400)
      throw ApplicationFailure.nonRetryable(`Linode API refused ${what} (400): ${reasons}`, LinodeFailure.InvalidRequest, details);
    if (status === 401)
      throw ApplicationFailure.nonRetryable(
        `Linode API rejected the token (401) on ${what}: ${reasons}`,
        LinodeFailure.Unauthorized,
        details,
      );
    if (status === 403)
      throw ApplicationFailure.nonRetryable(
        `Linode API token lacks the scope for ${what} (403): ${reasons}`,
        LinodeFailure.Forbidden,
        details,
      );
    if (status === 404)
      throw ApplicationFailure.nonRetryable(`Linode API: ${what} not found (404): ${reasons}`, LinodeFailure.NotFound, details);
    throw new LinodeTransientError(`Linode API ${what} failed (${status}): ${reasons}`, status);
  }

  /** Every item of a paginated collection. */
  private async all<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1, pages = 1; page <= pages; page++) {
      const sep = path.includes('?') ? '&' : '?';
      const result = (await this.request<Page<T>>('GET', `${path}${sep}page=${page}&page_size=100`))!;
      items.push(...result.data);
      pages = result.pages;
    }
    return items;
  }

  listClusters(): Promise<LkeCluster[]> {
    return this.all<LkeCluster>('/lke/clusters');
  }

  async createCluster(input: {
    label: string;
    region: string;
    k8s_version: string;
    node_pools: LkeNodePoolRequest[];
    tags?: string[];
  }): Promise<LkeCluster> {
    return (await this.request<LkeCluster>('POST', '/lke/clusters', input))!;
  }

  getCluster(id: number): Promise<LkeCluster | null> {
    return this.request<LkeCluster>('GET', `/lke/clusters/${id}`, undefined, true);
  }

  listPools(id: number): Promise<LkeNodePool[]> {
    return this.all<LkeNodePool>(`/lke/clusters/${id}/pools`);
  }

  getInstance(id: number): Promise<LinodeInstance | null> {
    return this.request<LinodeInstance>('GET', `/linode/instances/${id}`, undefined, true);
  }

  /** The kubeconfig text, or null while the API still answers 503 (not yet available). */
  async kubeconfig(id: number): Promise<string | null> {
    try {
      const body = (await this.request<{ kubeconfig?: string }>('GET', `/lke/clusters/${id}/kubeconfig`))!;
      if (typeof body.kubeconfig !== 'string' || body.kubeconfig.length === 0) return null;
      return Buffer.from(body.kubeconfig, 'base64').toString('utf8');
    } catch (err) {
      if (err instanceof LinodeTransientError && err.status === 503) return null;
      throw err;
    }
  }

  /** Deletes a cluster; false when it was already gone. */
  async deleteCluster(id: number): Promise<boolean> {
    const result = await this.request<unknown>('DELETE', `/lke/clusters/${id}`, undefined, true);
    return result !== null;
  }
}
