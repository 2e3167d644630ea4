import { ModelboxClient } from '../api';
import { RegistryCache } from '../cache';
import { RegistryModel } from '../model';
import { ModelView } from '../modelview';
import { ModelboxPanel } from '../panel';
import type { IEvent, IModel } from '../tokens';
import { VersionView } from '../versionview';
import {
  aModel,
  anArtifact,
  aVersion,
  calls,
  fakeAPI,
  fakePrompts,
  jsonResponse,
  type Route,
  settingsWith,
  texts
} from './fake-server';

function event(kind: string, fields: Partial<IEvent> = {}): IEvent {
  return { seq: 11, kind, at: '2026-01-01T00:00:00Z', actor: 'alice', ...fields };
}

/**
 * A registry of model m1 (versions v1, v2) whose event feed answers with each
 * batch `send` is given, then holds the call open.
 */
function registry(extra: Route[] = []) {
  let model: IModel = aModel();
  const batches: IEvent[][] = [];
  let wake: (() => void) | null = null;
  const fetch = fakeAPI([
    ...extra,
    ['GET', /^info$/, () => jsonResponse({ last_event_seq: 10 })],
    [
      'GET',
      /^events$/,
      request =>
        new Promise<Response>((resolve, reject) => {
          const answer = () => {
            const events = batches.shift();
            if (events) {
              resolve(jsonResponse({ events, last_seq: events[events.length - 1].seq }));
            } else {
              wake = answer;
            }
          };
          request.signal.addEventListener('abort', () => reject(new Error('aborted')));
          answer();
        })
    ],
    ['GET', /^models\/m1$/, () => jsonResponse(model)],
    ['PATCH', /^models\/m1$/, () => jsonResponse(model)],
    [
      'GET',
      /^models\/m1\/versions$/,
      () => jsonResponse({ versions: [aVersion({ id: 'v2', number: 2 }), aVersion()], total: 2 })
    ],
    ['GET', /^versions\/v1$/, () => jsonResponse(aVersion())],
    ['GET', /^versions\/v2$/, () => jsonResponse(aVersion({ id: 'v2', number: 2 }))],
    ['GET', /^objects\/(m1|v1|v2)\/artifacts$/, () => jsonResponse({ artifacts: [anArtifact()] })],
    ['GET', /^objects\/v[12]\/metric-keys$/, () => jsonResponse({ keys: [] })]
  ]);
  const registryModel = new RegistryModel({
    client: new ModelboxClient(settingsWith(fetch)),
    pollOptions: { minBackoffMs: 5, maxBackoffMs: 20 }
  });
  const following = new Promise<void>(resolve => registryModel.poller.following.connect(() => resolve()));
  registryModel.start();
  return {
    fetch,
    model: registryModel,
    /** Resolves once the model follows the feed (and so holds answers). */
    following,
    rename: (name: string) => (model = { ...model, name }),
    send: (events: IEvent[]) => {
      batches.push(events);
      const waiting = wake;
      wake = null;
      waiting?.();
    },
    /** How many times `method path` was asked. */
    count: (call: string) => calls(fetch).filter(c => c === call).length
  };
}

afterEach(() => {
  document.body.replaceChildren();
});

describe('RegistryModel state', () => {
  it('answers the views that show one model with one request', async () => {
    const { model, count, following } = registry();
    const sidebar = new ModelView(model.client, fakePrompts());
    const page = new ModelView(model.client, fakePrompts());
    await following;

    await Promise.all([sidebar.load('m1'), page.load('m1')]);

    expect(count('GET models/m1')).toBe(1);
    expect(count('GET models/m1/versions')).toBe(1);
    expect(count('GET objects/m1/artifacts')).toBe(1);
    expect(texts(page, '.jp-ModelboxDetail-title')).toEqual(['resnet']);
    model.dispose();
  });

  it('reads afresh once for every view after an event names the model', async () => {
    const { model, count, send, rename, following } = registry();
    const sidebar = new ModelView(model.client, fakePrompts());
    const page = new ModelView(model.client, fakePrompts());
    await following;
    await Promise.all([sidebar.load('m1'), page.load('m1')]);
    const announced = new Promise<IEvent[]>(resolve => model.changed.connect((_, events) => resolve(events)));

    rename('resnet50');
    send([event('model.updated', { model_id: 'm1' })]);
    const events = await announced;
    await Promise.all([sidebar.load(), page.load()]);

    expect(events.map(e => e.kind)).toEqual(['model.updated']);
    expect(count('GET models/m1')).toBe(2);
    expect(texts(sidebar, '.jp-ModelboxDetail-title')).toEqual(['resnet50']);
    expect(texts(page, '.jp-ModelboxDetail-title')).toEqual(['resnet50']);
    model.dispose();
  });

  it('sees its own write at once, before the feed tells of it', async () => {
    const { model, count, rename, following } = registry();
    const view = new ModelView(model.client, fakePrompts());
    await following;
    await view.load('m1');

    rename('bert');
    await model.client.updateModel('m1', { description: 'x' }, 1);
    await view.load();

    expect(count('GET models/m1')).toBe(2);
    expect(texts(view, '.jp-ModelboxDetail-title')).toEqual(['bert']);
    model.dispose();
  });

  it('forgets every version of a model when one of its tags moves', async () => {
    const { model, count, send, following } = registry();
    const first = new VersionView(model.client, fakePrompts());
    const second = new VersionView(model.client, fakePrompts());
    await following;
    await Promise.all([first.load(aVersion()), second.load(aVersion({ id: 'v2', number: 2 }))]);
    const announced = new Promise<void>(resolve => model.changed.connect(() => resolve()));

    // the event names the new holder only; the old holder changed too
    send([event('tag.moved', { model_id: 'm1', version_id: 'v2' })]);
    await announced;
    await Promise.all([first.load(), second.load()]);

    expect(count('GET versions/v1')).toBe(2);
    expect(count('GET versions/v2')).toBe(2);
    first.dispose();
    second.dispose();
    model.dispose();
  });

  it('forgets only the metric reads of an object that logged points', () => {
    const cache = new RegistryCache();
    const answer = () => Promise.resolve({});
    for (const endPoint of ['models/m1', 'versions/v1', 'objects/v1/metric-keys', 'objects/v1/metrics?key=loss']) {
      void cache.read(endPoint, answer);
    }

    cache.forget([event('metrics.logged', { model_id: 'm1', version_id: 'v1', object_id: 'v1' })]);

    expect(cache.endPoints).toEqual(['models/m1', 'versions/v1']);
  });

  it('forgets every list and search on any change, and keeps other objects', () => {
    const cache = new RegistryCache();
    const answer = () => Promise.resolve({});
    for (const endPoint of ['models?limit=50', 'namespaces', 'versions?q=tag%3Dprod', 'models/m2', 'experiments']) {
      void cache.read(endPoint, answer);
    }

    cache.forget([event('model.created', { model_id: 'm1' })]);

    expect(cache.endPoints).toEqual(['models/m2']);
  });

  it('clears on a registry reset or an event naming nothing', () => {
    const cache = new RegistryCache();
    void cache.read('models/m1', () => Promise.resolve({}));
    cache.forget([event('registry.reset')]);
    expect(cache.endPoints).toEqual([]);

    void cache.read('models/m1', () => Promise.resolve({}));
    cache.forget([event('something.new')]);
    expect(cache.endPoints).toEqual([]);
  });

  it('keeps no failed read and never holds the event feed or uploads', async () => {
    let fail = true;
    const { fetch, model, count, following } = registry([
      [
        'GET',
        /^models\/m1$/,
        () => (fail ? jsonResponse({ message: 'down', reason: null }, 503) : jsonResponse(aModel()))
      ],
      ['GET', /^uploads\/u1$/, () => jsonResponse({ upload_id: 'u1', offset: 0 })]
    ]);
    await following;
    fetch.mockClear();

    await expect(model.client.getModel('m1')).rejects.toThrow('down');
    fail = false;
    await expect(model.client.getModel('m1')).resolves.toEqual(aModel());
    await model.client.uploadOffset('u1');
    await model.client.uploadOffset('u1');
    await model.client.lastEventSeq();
    await model.client.lastEventSeq();

    expect(count('GET models/m1')).toBe(2);
    expect(count('GET uploads/u1')).toBe(2);
    expect(count('GET info')).toBe(2);
    expect(fetch.mock.calls.filter(([request]) => !request.url.includes('/events')).length).toBe(6);
    model.dispose();
  });

  it('reads afresh while the event feed fails', async () => {
    const { model, count, following } = registry([
      ['GET', /^events$/, () => jsonResponse({ message: 'gone', reason: null }, 502)]
    ]);
    await following;
    await model.client.getModel('m1');
    await new Promise<void>(resolve => model.poller.failed.connect(() => resolve()));

    await model.client.getModel('m1');

    expect(count('GET models/m1')).toBe(2);
    model.dispose();
  });

  it("reads from the server on the panel's Refresh", async () => {
    const { model, count, following } = registry();
    const panel = new ModelboxPanel({ client: model.client, prompts: fakePrompts(), model });
    await following;
    await panel.openModel('m1');
    await panel.modelView.load();
    expect(count('GET models/m1')).toBe(1);

    (panel.node.querySelector('.jp-ModelboxPanel-refresh') as HTMLButtonElement).click();
    await new Promise(resolve => setTimeout(resolve, 50));

    expect(count('GET models/m1')).toBe(2);
    panel.dispose();
    model.dispose();
  });

  it('holds nothing before it follows the feed', async () => {
    const fetch = fakeAPI([['GET', /^models\/m1$/, () => jsonResponse(aModel())]]);
    const model = new RegistryModel({ client: new ModelboxClient(settingsWith(fetch)) });

    await model.client.getModel('m1');
    await model.client.getModel('m1');

    expect(calls(fetch)).toEqual(['GET models/m1', 'GET models/m1']);
    model.dispose();
  });
});
