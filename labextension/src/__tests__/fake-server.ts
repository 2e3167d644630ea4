import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

import { ModelboxClient } from '../api';
import type { IUserPrompts } from '../prompts';
import type { IArtifact, IModel, IModelVersion } from '../tokens';

export const BASE_URL = 'http://localhost:8888/a%40b/';

/**
 * A fetch double: answers every request with `respond(request)`.
 */
export function fakeFetch(
  respond: (request: Request) => Response | Promise<Response>
): jest.Mock<Promise<Response>, [Request]> {
  return jest.fn(async (request: Request) => respond(request));
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });
}

export function settingsWith(
  fetch: jest.Mock<Promise<Response>, [Request]>
): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl: BASE_URL,
    fetch: fetch as unknown as ServerConnection.ISettings['fetch']
  });
}

/** The page's Jupyter configuration, as JupyterLab and Notebook 7 put it in the page. */
export function addPageConfig(text: string): void {
  const script = document.createElement('script');
  script.id = 'jupyter-config-data';
  script.type = 'application/json';
  script.textContent = text;
  document.body.append(script);
}

/** The URL of the n-th request the fake received. */
export function requestedURL(fetch: jest.Mock, n = 0): URL {
  return new URL((fetch.mock.calls[n][0] as Request).url);
}

export function aModel(overrides: Partial<IModel> = {}): IModel {
  return {
    id: 'm1',
    name: 'resnet',
    namespace: 'default',
    owner: 'alice',
    task: 'classification',
    description: 'An image classifier',
    metadata: {},
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    archived: false,
    num_versions: 2,
    revision: 1,
    ...overrides
  };
}

/** A route of `fakeAPI`: method, path below `modelbox/api/`, answer. */
export type Route = [
  string,
  RegExp,
  (request: Request, match: RegExpMatchArray) => Response | Promise<Response>
];

/**
 * A fetch double of the modelbox API: the first route whose method and
 * path (below `modelbox/api/`, no query) match answers; others get a 404.
 */
export function fakeAPI(routes: Route[]): jest.Mock<Promise<Response>, [Request]> {
  return fakeFetch(request => {
    const path = apiPath(request);
    for (const [method, pattern, answer] of routes) {
      const match = pattern.exec(path);
      if (request.method === method && match) {
        return answer(request, match);
      }
    }
    return jsonResponse({ message: `no route for ${request.method} ${path}`, reason: 'NotFoundError' }, 404);
  });
}

/** The path of a request below `modelbox/api/`, without the query. */
export function apiPath(request: Request): string {
  return decodeURIComponent(new URL(request.url).pathname.split('/modelbox/api/')[1] ?? '');
}

/**
 * `method path?query` of every request the fake received.
 */
export function calls(fetch: jest.Mock<Promise<Response>, [Request]>): string[] {
  return fetch.mock.calls.map(([request]) => {
    const search = new URL(request.url).searchParams.toString();
    return `${request.method} ${apiPath(request)}${search ? `?${search}` : ''}`;
  });
}

export function aVersion(overrides: Partial<IModelVersion> = {}): IModelVersion {
  return {
    id: 'v1',
    model_id: 'm1',
    number: 1,
    version: 'first',
    name: '',
    description: '',
    metadata: {},
    framework: 'pytorch',
    tags: [],
    checkpoint_uuid: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    owner: 'alice',
    revision: 1,
    ...overrides
  };
}

export function anArtifact(overrides: Partial<IArtifact> = {}): IArtifact {
  return {
    id: 'a1',
    parent: 'v1',
    path: 'weights.bin',
    mime_type: 'model',
    content_type: 'application/octet-stream',
    checksum: 'ab'.repeat(32),
    size: 2048,
    tracked: false,
    location: null,
    owner: 'alice',
    created_at: '2026-01-01T00:00:00Z',
    ...overrides
  };
}

/** Let pending promise callbacks run. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
}

/** A client of the API `fakeAPI(routes)` fakes, and that fake. */
export function clientFor(routes: Route[]): { fetch: jest.Mock<Promise<Response>, [Request]>; client: ModelboxClient } {
  const fetch = fakeAPI(routes);
  return { fetch, client: new ModelboxClient(settingsWith(fetch)) };
}

/** The text of every element matching `selector` below `root`. */
export function texts(root: Widget | HTMLElement, selector: string): (string | null)[] {
  const node = root instanceof Widget ? root.node : root;
  return Array.from(node.querySelectorAll(selector), n => n.textContent);
}

/** Dialogs that answer at once: yes, nothing typed, nothing created (unless overridden). */
export function fakePrompts(overrides: Partial<IUserPrompts> = {}): IUserPrompts {
  return {
    confirm: jest.fn(async () => true),
    askText: jest.fn(async () => null),
    createModel: jest.fn(async () => null),
    registerVersion: jest.fn(async () => null),
    ...overrides
  };
}
