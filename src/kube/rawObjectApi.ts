/** The client library's object API, extended with the raw requests hardenlab needs beyond it. */
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

export type K8sModule = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });

export interface RawObjectApi extends K8s.KubernetesObjectApi {
  getJson(path: string, type: string): Promise<unknown>;
  /** A plain-text GET (the API server's /metrics). */
  getText(path: string): Promise<string>;
  mergePatch(path: string, body: unknown): Promise<unknown>;
  /** Server-side apply of the object as JSON, as written (not through the typed models: they drop keys such as a CRD's x-kubernetes-*). */
  applyJson(spec: K8s.KubernetesObject, options: { dryRun?: boolean; fieldManager: string; force: boolean }): Promise<unknown>;
  collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string>;
}

/**
 * KubernetesObjectApi plus raw GET/PATCH on arbitrary paths (discovery, status subresource) and the
 * collection path of a kind (for watches), reusing its auth, TLS and resource discovery cache.
 */
export function makeRawObjectApi(k8s: K8sModule, kc: K8s.KubeConfig): RawObjectApi {
  class Raw extends k8s.KubernetesObjectApi implements RawObjectApi {
    async getJson(path: string, type: string): Promise<unknown> {
      const ctx = this.configuration.baseServer.makeRequestContext(path, k8s.HttpMethod.GET);
      ctx.setHeaderParam('Accept', 'application/json');
      return this.requestPromise(ctx, type);
    }

    async getText(path: string): Promise<string> {
      const ctx = this.configuration.baseServer.makeRequestContext(path, k8s.HttpMethod.GET);
      ctx.setHeaderParam('Accept', 'text/plain');
      // A text/plain answer is passed through as a string by the serializer.
      return (await this.requestPromise(ctx, 'string')) as string;
    }

    async mergePatch(path: string, body: unknown): Promise<unknown> {
      const ctx = this.configuration.baseServer.makeRequestContext(path, k8s.HttpMethod.PATCH);
      ctx.setHeaderParam('Accept', 'application/json');
      ctx.setHeaderParam('Content-Type', k8s.PatchStrategy.MergePatch);
      ctx.setBody(JSON.stringify(body));
      return this.requestPromise(ctx);
    }

    async applyJson(spec: K8s.KubernetesObject, options: { dryRun?: boolean; fieldManager: string; force: boolean }): Promise<unknown> {
      const ctx = this.configuration.baseServer.makeRequestContext(await this.specUriPath(spec, 'patch'), k8s.HttpMethod.PATCH);
      ctx.setHeaderParam('Accept', 'application/json');
      ctx.setHeaderParam('Content-Type', k8s.PatchStrategy.ServerSideApply);
      if (options.dryRun) ctx.setQueryParam('dryRun', 'All');
      ctx.setQueryParam('fieldManager', options.fieldManager);
      ctx.setQueryParam('force', String(options.force));
      ctx.setBody(JSON.stringify(spec));
      // The answer as sent, too: 'any' skips the typed models.
      return this.requestPromise(ctx, 'any');
    }

    async collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
      const resource = await this.resource(apiVersion, kind);
      if (!resource) throw new Error(`Unrecognized API version and kind: ${apiVersion} ${kind}`);
      const parts = [this.apiVersionPath(apiVersion)];
      if (resource.namespaced && namespace) parts.push('namespaces', encodeURIComponent(namespace));
      parts.push(resource.name);
      return parts.join('/');
    }
  }
  return kc.makeApiClient(Raw);
}
