import { ModelboxClient } from '../api';
import { CANCELLED, ModelboxAPIError, pageConnection, queryString, requestAPI } from '../request';
import {
  addPageConfig,
  aModel,
  aVersion,
  anArtifact,
  calls,
  fakeFetch,
  jsonResponse,
  requestedURL,
  settingsWith
} from './fake-server';

describe('requestAPI', () => {
  it('joins the base URL, the API path and the end point', async () => {
    const fetch = fakeFetch(() => jsonResponse({ ok: true }));

    await requestAPI('models/m1', settingsWith(fetch));

    expect(fetch).toHaveBeenCalledTimes(1);
    const url = requestedURL(fetch);
    expect(url.origin).toBe('http://localhost:8888');
    expect(url.pathname).toBe('/a%40b/modelbox/api/models/m1');
  });

  it('authenticates with the token and echoes the XSRF cookie', async () => {
    const fetch = fakeFetch(() => jsonResponse({}));
    document.cookie = '_xsrf=2%7Cabc';
    try {
      await requestAPI('models/m1', { ...settingsWith(fetch), token: 's3cret' }, { method: 'DELETE' });
    } finally {
      document.cookie = '_xsrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
    }

    const request = fetch.mock.calls[0][0];
    expect(request.headers.get('Authorization')).toBe('token s3cret');
    expect(request.headers.get('X-XSRFToken')).toBe('2|abc');
    expect(request.headers.get('Content-Type')).toBe('application/json');
    expect(request.credentials).toBe('same-origin');
  });

  it('sends no token header without a token', async () => {
    const fetch = fakeFetch(() => jsonResponse({}));

    await requestAPI('models', { ...settingsWith(fetch), token: '' });

    expect(fetch.mock.calls[0][0].headers.has('Authorization')).toBe(false);
  });

  it('returns the decoded JSON body', async () => {
    const fetch = fakeFetch(() => jsonResponse({ answer: 42, list: [1, 2] }));

    const data = await requestAPI<{ answer: number; list: number[] }>(
      'anything',
      settingsWith(fetch)
    );

    expect(data).toEqual({ answer: 42, list: [1, 2] });
  });

  it('passes the method and body through', async () => {
    const fetch = fakeFetch(() => jsonResponse({ id: 'm2' }, 201));

    await requestAPI('models', settingsWith(fetch), {
      method: 'POST',
      body: JSON.stringify({ name: 'bert' })
    });

    const request = fetch.mock.calls[0][0];
    expect(request.method).toBe('POST');
    expect(await request.json()).toEqual({ name: 'bert' });
  });

  it('returns undefined for an empty body', async () => {
    const fetch = fakeFetch(() => new Response(null, { status: 204 }));

    await expect(requestAPI('models/m1', settingsWith(fetch))).resolves.toBe(
      undefined
    );
  });

  it("raises ModelboxAPIError with the server's status and message", async () => {
    const fetch = fakeFetch(() =>
      jsonResponse({ message: "Model 'x' not found", reason: 'Not Found' }, 404)
    );

    const call = requestAPI('models/x', settingsWith(fetch));

    await expect(call).rejects.toBeInstanceOf(ModelboxAPIError);
    await expect(call).rejects.toMatchObject({
      status: 404,
      message: "Model 'x' not found",
      reason: 'Not Found'
    });
  });

  it('falls back to the HTTP status when the error body is not JSON', async () => {
    const fetch = fakeFetch(
      () =>
        new Response('<html>Bad gateway</html>', {
          status: 502,
          statusText: 'Bad Gateway'
        })
    );

    await expect(
      requestAPI('models', settingsWith(fetch))
    ).rejects.toMatchObject({ status: 502, message: 'HTTP 502 Bad Gateway' });
  });

  it('says when the API itself is missing', async () => {
    const fetch = fakeFetch(
      () =>
        new Response('<html>404: Not Found</html>', {
          status: 404,
          statusText: 'Not Found'
        })
    );

    await expect(
      requestAPI('models', settingsWith(fetch))
    ).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining(
        'Is the jupyter_modelbox server extension enabled?'
      )
    });
  });

  it('rejects a success response that is not JSON', async () => {
    const fetch = fakeFetch(() => new Response('<html>login</html>'));

    await expect(
      requestAPI('models', settingsWith(fetch))
    ).rejects.toMatchObject({
      status: 200,
      message: expect.stringContaining('not JSON')
    });
  });

  it('explains a network failure', async () => {
    const fetch = fakeFetch(() => {
      throw new TypeError('Failed to fetch');
    });

    const call = requestAPI('models', settingsWith(fetch));

    await expect(call).rejects.toBeInstanceOf(ModelboxAPIError);
    await expect(call).rejects.toMatchObject({
      status: 0,
      message: 'Could not reach the Jupyter server (Failed to fetch).'
    });
  });
});

describe('ModelboxClient', () => {
  it('GETs models with the given query parameters', async () => {
    const fetch = fakeFetch(() => jsonResponse({ models: [], total: 0 }));

    await new ModelboxClient(settingsWith(fetch)).listModels({
      name: 'res net&co',
      namespace: 'vision',
      sort_by: 'last_updated_time',
      order_by: 'desc',
      offset: 20,
      limit: 10
    });

    const request = fetch.mock.calls[0][0];
    expect(request.method).toBe('GET');
    const url = requestedURL(fetch);
    expect(url.pathname).toBe('/a%40b/modelbox/api/models');
    expect(url.searchParams.get('name')).toBe('res net&co');
    expect(url.searchParams.get('namespace')).toBe('vision');
    expect(url.searchParams.get('sort_by')).toBe('last_updated_time');
    expect(url.searchParams.get('order_by')).toBe('desc');
    expect(url.searchParams.get('offset')).toBe('20');
    expect(url.searchParams.get('limit')).toBe('10');
  });

  it('leaves out parameters that are not given', async () => {
    const fetch = fakeFetch(() => jsonResponse({ models: [], total: 0 }));

    await new ModelboxClient(settingsWith(fetch)).listModels({ name: 'bert', description: '' });

    const params = requestedURL(fetch).searchParams;
    expect(params.get('name')).toBe('bert');
    expect(params.has('description')).toBe(false);
    expect(params.has('limit')).toBe(false);
  });

  it('returns the model list', async () => {
    const list = { models: [aModel()], total: 1 };
    const fetch = fakeFetch(() => jsonResponse(list));

    await expect(new ModelboxClient(settingsWith(fetch)).listModels()).resolves.toEqual(list);
  });

  it('escapes ids in paths', async () => {
    const fetch = fakeFetch(() => jsonResponse({ versions: [], total: 0 }));

    await new ModelboxClient(settingsWith(fetch)).listVersions('m 1/x');

    expect(requestedURL(fetch).pathname).toBe('/a%40b/modelbox/api/models/m%201%2Fx/versions');
  });

  it('repeats the key parameter for several metric keys', async () => {
    const fetch = fakeFetch(() => jsonResponse({ key: [], step: [], wallclock: [], value: [] }));

    await new ModelboxClient(settingsWith(fetch)).getMetrics('v1', ['loss', 'acc'], 1000.4);

    const params = requestedURL(fetch).searchParams;
    expect(params.getAll('key')).toEqual(['loss', 'acc']);
    expect(params.get('max_points')).toBe('1000');
    expect(params.get('method')).toBe('minmax_lttb');
  });

  it('uses the server\'s atomic metadata operations', async () => {
    const fetch = fakeFetch(() => jsonResponse({}));
    const client = new ModelboxClient(settingsWith(fetch));

    await client.mergeMetadata('m1', { lr: 0.1 });
    await client.setMetadataKey('m1', 'a/b', [1, 2]);
    await client.removeMetadataKeys('m1', ['x', 'y']);

    expect(calls(fetch)).toEqual([
      'PATCH objects/m1/metadata',
      'PUT objects/m1/metadata/a/b',
      'DELETE objects/m1/metadata?key=x&key=y'
    ]);
    expect(await fetch.mock.calls[0][0].json()).toEqual({ metadata: { lr: 0.1 } });
    expect(requestedURL(fetch, 1).pathname).toMatch(/metadata\/a%2Fb$/);
    expect(await fetch.mock.calls[1][0].json()).toEqual({ value: [1, 2] });
  });

  it('asks to move a tag only when told to', async () => {
    const fetch = fakeFetch(() => jsonResponse(aVersion()));
    const client = new ModelboxClient(settingsWith(fetch));

    await client.addTag('v1', 'prod');
    await client.addTag('v1', 'prod', true);

    expect(await fetch.mock.calls[0][0].json()).toEqual({ tag: 'prod', move: false });
    expect(await fetch.mock.calls[1][0].json()).toEqual({ tag: 'prod', move: true });
  });

  it('sends JSON bodies with a JSON content type', async () => {
    const fetch = fakeFetch(() => jsonResponse(aModel(), 201));

    await new ModelboxClient(settingsWith(fetch)).createModel({ name: 'bert', description: 'd' });

    const request = fetch.mock.calls[0][0];
    expect(request.headers.get('Content-Type')).toBe('application/json');
    expect(await request.json()).toEqual({ name: 'bert', description: 'd' });
  });

  it('sends chunks as raw bytes, not JSON', async () => {
    const fetch = fakeFetch(() => jsonResponse({ offset: 7 }));

    const offset = await new ModelboxClient(settingsWith(fetch)).putChunk(
      'u1',
      3,
      new Blob([new Uint8Array([1, 2, 3, 4])])
    );

    const request = fetch.mock.calls[0][0];
    expect(calls(fetch)).toEqual(['PUT uploads/u1?offset=3']);
    expect(request.headers.get('Content-Type')).toBe('application/octet-stream');
    expect(Array.from(new Uint8Array(await request.arrayBuffer()))).toEqual([1, 2, 3, 4]);
    expect(offset).toBe(7);
  });

  it('copies file browser files server-side', async () => {
    const fetch = fakeFetch(() => jsonResponse({ artifacts: [anArtifact()] }, 201));

    const artifacts = await new ModelboxClient(settingsWith(fetch)).addArtifactsFromContents('v1', ['a/b.bin']);

    expect(calls(fetch)).toEqual(['POST objects/v1/artifacts-from-contents']);
    expect(await fetch.mock.calls[0][0].json()).toEqual({ paths: ['a/b.bin'] });
    expect(artifacts).toEqual([anArtifact()]);
  });

  it('builds download URLs below the base URL', () => {
    const client = new ModelboxClient(settingsWith(fakeFetch(() => jsonResponse({}))));

    expect(client.artifactContentURL('a 1')).toBe(
      'http://localhost:8888/a%40b/modelbox/api/artifacts/a%201/content'
    );
  });

  it('long-polls events after a sequence number', async () => {
    const fetch = fakeFetch(() => jsonResponse({ events: [], last_seq: 5 }));

    await new ModelboxClient(settingsWith(fetch)).events(5, 30);

    expect(calls(fetch)).toEqual(['GET events?since=5&timeout=30']);
  });

  it('reports a cancelled request as cancelled', async () => {
    const abort = new AbortController();
    const fetch = fakeFetch(() => {
      abort.abort();
      throw new Error('The operation was aborted');
    });

    const call = new ModelboxClient(settingsWith(fetch)).events(0, 30, abort.signal);

    await expect(call).rejects.toMatchObject({ status: 0, reason: CANCELLED });
  });
});

describe('pageConnection', () => {
  afterEach(() => document.getElementById('jupyter-config-data')?.remove());

  it("reaches the server of the page's Jupyter configuration", () => {
    addPageConfig(JSON.stringify({ baseUrl: '/user/ann/', token: 't0k' }));

    expect(pageConnection()).toMatchObject({
      baseUrl: '/user/ann/',
      token: 't0k',
      init: { credentials: 'same-origin' }
    });
  });

  it('is null where the page has no Jupyter configuration (VS Code)', () => {
    expect(pageConnection()).toBeNull();
    addPageConfig('{not json');
    expect(pageConnection()).toBeNull();
    document.getElementById('jupyter-config-data')?.remove();
    addPageConfig('{}');
    expect(pageConnection()).toBeNull();
  });
});

describe('queryString', () => {
  it('repeats arrays and drops empty values', () => {
    expect(queryString({ a: 1, b: ['x', 'y'], c: undefined, d: '', e: null, f: true })).toBe(
      '?a=1&b=x&b=y&f=true'
    );
    expect(queryString({})).toBe('');
  });
});
