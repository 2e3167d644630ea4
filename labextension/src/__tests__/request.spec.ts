import {
  ModelboxAPIError,
  listModels,
  listVersions,
  requestAPI
} from '../request';
import {
  aModel,
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

describe('listModels', () => {
  it('GETs models with the given query parameters', async () => {
    const fetch = fakeFetch(() => jsonResponse({ models: [], total: 0 }));

    await listModels(settingsWith(fetch), {
      name: 'res net&co',
      namespace: 'vision',
      sort_by: 'name',
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
    expect(url.searchParams.get('sort_by')).toBe('name');
    expect(url.searchParams.get('order_by')).toBe('desc');
    expect(url.searchParams.get('offset')).toBe('20');
    expect(url.searchParams.get('limit')).toBe('10');
  });

  it('leaves out parameters that are not given', async () => {
    const fetch = fakeFetch(() => jsonResponse({ models: [], total: 0 }));

    await listModels(settingsWith(fetch), { name: 'bert', description: '' });

    const params = requestedURL(fetch).searchParams;
    expect(params.get('name')).toBe('bert');
    expect(params.has('description')).toBe(false);
    expect(params.has('limit')).toBe(false);
  });

  it('returns the model list', async () => {
    const list = { models: [aModel()], total: 1 };
    const fetch = fakeFetch(() => jsonResponse(list));

    await expect(listModels(settingsWith(fetch))).resolves.toEqual(list);
  });
});

describe('listVersions', () => {
  it("GETs the model's versions", async () => {
    const fetch = fakeFetch(() => jsonResponse({ versions: [], total: 0 }));

    const list = await listVersions(settingsWith(fetch), 'm 1');

    expect(requestedURL(fetch).pathname).toBe(
      '/a%40b/modelbox/api/models/m%201/versions'
    );
    expect(list).toEqual({ versions: [], total: 0 });
  });
});
