/**
 * The load phase's fixed request sets (issue 27): an HTTP load names one by id, never a URL, so the input
 * chooses what is asked of the app and the worker alone knows where the app is. Plain data, so workflow
 * code may import it.
 */
export interface LoadRequest {
  method: 'GET' | 'HEAD';
  /** A path on the workload's Service, with the status the unchanged demo app answers. */
  path: string;
  expectStatus: number;
}

export const REQUEST_SETS = {
  /** The app's front page only. */
  'front-page': [{ method: 'GET', path: '/', expectStatus: 200 }],
  /** The front page, a HEAD of it and a missing page: the 404 path costs the server differently. */
  'front-and-missing': [
    { method: 'GET', path: '/', expectStatus: 200 },
    { method: 'HEAD', path: '/', expectStatus: 200 },
    { method: 'GET', path: '/hardenlab-missing', expectStatus: 404 },
  ],
} as const satisfies Record<string, readonly LoadRequest[]>;

export type RequestSetId = keyof typeof REQUEST_SETS;
export const REQUEST_SET_IDS = Object.keys(REQUEST_SETS) as [RequestSetId, ...RequestSetId[]];
