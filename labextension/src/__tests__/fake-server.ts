import { ServerConnection } from '@jupyterlab/services';

import type { IModel } from '../tokens';

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
    ...overrides
  };
}
