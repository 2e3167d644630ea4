import { Widget } from '@lumino/widgets';

import { parseMetadataValue, renderMetadataTable } from '../metadata';
import { ModelList } from '../modellist';
import { ModelView } from '../modelview';
import { ModelboxPanel } from '../panel';
import type { IModel } from '../tokens';
import { VersionView } from '../versionview';
import {
  type Route,
  aModel,
  aVersion,
  anArtifact,
  calls,
  clientFor,
  fakePrompts,
  jsonResponse,
  settle,
  texts
} from './fake-server';

const HOSTILE = '<img src=x onerror=alert(1)>';

function expectNoMarkup(root: Widget | HTMLElement): void {
  const node = root instanceof Widget ? root.node : root;
  expect(node.querySelector('img, b, script')).toBeNull();
}

/** A registry of one model with one version, optionally with hostile text everywhere. */
function registryRoutes(model: IModel = aModel(), extra: Route[] = []): Route[] {
  const version = aVersion({
    version: HOSTILE,
    framework: HOSTILE,
    tags: [HOSTILE],
    metadata: { [HOSTILE]: HOSTILE },
    description: HOSTILE
  });
  return [
    ...extra,
    ['GET', /^models$/, () => jsonResponse({ models: [model], total: 1 })],
    ['GET', /^namespaces$/, () => jsonResponse({ namespaces: ['default', HOSTILE] })],
    ['GET', /^models\/m1$/, () => jsonResponse(model)],
    ['GET', /^models\/m1\/versions$/, () => jsonResponse({ versions: [version], total: 1 })],
    ['GET', /^versions\/v1$/, () => jsonResponse(version)],
    ['GET', /^objects\/[mv]1\/artifacts$/, () => jsonResponse({ artifacts: [anArtifact({ path: HOSTILE })] })],
    ['GET', /^objects\/v1\/metric-keys$/, () => jsonResponse({ keys: [] })]
  ];
}

afterEach(() => {
  document.body.replaceChildren();
});

/** A server of `total` models, answering each page of 100 that is asked for. */
function pagedModels(total: number): ReturnType<typeof clientFor> {
  return clientFor([
    [
      'GET',
      /^models$/,
      request => {
        const offset = Number(new URL(request.url).searchParams.get('offset'));
        const models = Array.from({ length: 100 }, (_, i) =>
          aModel({ id: `m${offset + i}`, name: `model-${offset + i}` })
        );
        return jsonResponse({ models, total });
      }
    ],
    ['GET', /^namespaces$/, () => jsonResponse({ namespaces: [] })]
  ]);
}

describe('ModelList', () => {
  it('lists name, description, namespace and version count of each model', async () => {
    const { client } = clientFor([
      [
        'GET',
        /^models$/,
        () =>
          jsonResponse({
            models: [
              aModel({ id: 'a', name: 'resnet', num_versions: 2 }),
              aModel({ id: 'b', name: 'bert', description: '', num_versions: 1 })
            ],
            total: 2
          })
      ],
      ['GET', /^namespaces$/, () => jsonResponse({ namespaces: ['default'] })]
    ]);
    const list = new ModelList(client);

    await list.refresh();

    expect(texts(list, '.jp-ModelboxPanel-modelName')).toEqual(['resnet', 'bert']);
    expect(texts(list, '.jp-ModelboxPanel-modelVersions')).toEqual(['2 versions', '1 version']);
    expect(texts(list, '.jp-ModelboxList-status')).toEqual(['2 models']);
  });

  it('keeps the keyboard focus on the same model when a refresh rebuilds the rows', async () => {
    let names = ['resnet', 'bert'];
    const { client } = clientFor([
      [
        'GET',
        /^models$/,
        () => jsonResponse({ models: names.map(name => aModel({ id: name, name })), total: names.length })
      ],
      ['GET', /^namespaces$/, () => jsonResponse({ namespaces: ['default'] })]
    ]);
    const list = new ModelList(client);
    Widget.attach(list, document.body);
    await list.refresh();
    const bert = list.node.querySelector<HTMLElement>('[data-model-id="bert"]')!;
    bert.focus();

    names = ['albert', 'bert', 'resnet']; // a live update: a model created elsewhere sorts first
    await list.refresh();

    const focused = document.activeElement as HTMLElement;
    expect(focused).not.toBe(bert); // the row was rebuilt ...
    expect(focused.dataset.modelId).toBe('bert'); // ... and the focus followed the model
    list.dispose();
  });

  it('renders markup coming from the server as literal text', async () => {
    const { client } = clientFor(registryRoutes(aModel({ name: HOSTILE, description: '<b>bold</b>' })));
    const list = new ModelList(client);

    await list.refresh();
    await settle();

    expectNoMarkup(list);
    expect(texts(list, '.jp-ModelboxPanel-modelName')).toEqual([HOSTILE]);
    expect(texts(list, '.jp-ModelboxPanel-modelDescription')).toEqual(['<b>bold</b>']);
    expect(texts(list, '.jp-ModelboxList-namespace option')).toEqual(['All namespaces', 'default', HOSTILE]);
  });

  it('fetches only the pages in view of a long list', async () => {
    const { client, fetch } = pagedModels(10_000);
    const list = new ModelList(client);

    await list.refresh();

    expect(list.total).toBe(10_000);
    expect(calls(fetch).filter(c => c.startsWith('GET models'))).toEqual(['GET models?sort_by=name&order_by=asc&offset=0&limit=100']);
    expect(list.node.querySelectorAll('.jp-ModelboxPanel-model').length).toBeLessThan(60);
    expect((list.node.querySelector('.jp-ModelboxList-spacer') as HTMLElement).style.height).toBe(`${10_000 * 56}px`);
  });

  it('counts no more rows in view than the window holds while the viewport has no height of its own', async () => {
    const { client, fetch } = pagedModels(1_250);
    const list = new ModelList(client);
    const viewport = list.node.querySelector('.jp-ModelboxList-viewport') as HTMLElement;
    // shown before the sidebar's layout sized it: the viewport is as tall as its spacer
    Object.defineProperty(viewport, 'clientHeight', {
      get: () => parseFloat((viewport.firstElementChild as HTMLElement).style.height) || 0
    });

    await list.refresh();
    await settle();

    expect(calls(fetch).filter(c => c.startsWith('GET models'))).toEqual(['GET models?sort_by=name&order_by=asc&offset=0&limit=100']);
    expect(list.node.querySelectorAll('.jp-ModelboxPanel-model').length).toBeLessThan(60);
  });

  it("shows the server's error message, as text", async () => {
    const { client } = clientFor([
      ['GET', /^models$/, () => jsonResponse({ message: `Registry locked ${HOSTILE}`, reason: null }, 409)]
    ]);
    const list = new ModelList(client);

    await list.refresh();

    expect(texts(list, '.jp-ModelboxPanel-error')).toEqual([`Registry locked ${HOSTILE}`]);
    expectNoMarkup(list);
  });
});

describe('ModelView', () => {
  it('renders every registry text as text', async () => {
    const model = aModel({ name: HOSTILE, description: HOSTILE, metadata: { [HOSTILE]: { nested: HOSTILE } } });
    const { client } = clientFor(registryRoutes(model));
    const view = new ModelView(client, fakePrompts());

    await view.load('m1');

    expectNoMarkup(view);
    expect(texts(view, '.jp-ModelboxDetail-title')).toEqual([HOSTILE]);
    expect(texts(view, '.jp-ModelboxDescription-text')).toEqual([HOSTILE]);
    expect(texts(view, '.jp-ModelboxMetadata-key')).toEqual([HOSTILE]);
    expect(texts(view, '.jp-ModelboxMetadata-value')).toEqual([JSON.stringify({ nested: HOSTILE })]);
    expect(texts(view, '.jp-ModelboxVersions-label')).toEqual([HOSTILE]);
    expect(texts(view, '.jp-ModelboxVersions-framework')).toEqual([HOSTILE]);
    expect(texts(view, '.jp-ModelboxArtifacts-path')).toEqual([HOSTILE]);
  });

  it('moves a tag held by another version only after confirmation', async () => {
    const posted: unknown[] = [];
    const { client } = clientFor(
      registryRoutes(aModel(), [
        [
          'POST',
          /^versions\/v1\/tags$/,
          async request => {
            const body = (await request.json()) as { move: boolean };
            posted.push(body);
            return body.move
              ? jsonResponse(aVersion({ tags: ['prod'] }))
              : jsonResponse({ message: "tag 'prod' is held by version 3", reason: 'ConflictError' }, 409);
          }
        ]
      ])
    );
    const prompts = fakePrompts({ askText: jest.fn(async () => 'prod') });
    const view = new ModelView(client, prompts);
    await view.load('m1');

    (view.node.querySelector('.jp-ModelboxTag-add') as HTMLButtonElement).click();
    await settle();

    expect(prompts.confirm).toHaveBeenCalledWith(
      expect.objectContaining({ body: expect.stringContaining("tag 'prod' is held by version 3") })
    );
    expect(posted).toEqual([
      { tag: 'prod', move: false },
      { tag: 'prod', move: true }
    ]);
  });

  it('deletes only after confirmation', async () => {
    const { client, fetch } = clientFor(
      registryRoutes(aModel(), [['DELETE', /^models\/m1$/, () => new Response(null, { status: 204 })]])
    );
    const prompts = fakePrompts({ confirm: jest.fn(async () => false) });
    const view = new ModelView(client, prompts);
    await view.load('m1');
    const deleteButton = view.node.querySelector('.jp-ModelboxModelView-delete') as HTMLButtonElement;

    deleteButton.click();
    await settle();
    expect(calls(fetch)).not.toContain('DELETE models/m1?cascade=true');

    (prompts.confirm as jest.Mock).mockResolvedValue(true);
    const deleted = jest.fn();
    view.modelDeleted.connect(deleted);
    deleteButton.click();
    await settle();
    expect(calls(fetch)).toContain('DELETE models/m1?cascade=true');
    expect(deleted).toHaveBeenCalled();
  });
});

describe('VersionView', () => {
  it('renders every registry text as text', async () => {
    const { client } = clientFor(registryRoutes());
    const view = new VersionView(client, fakePrompts());

    await view.load(aVersion());

    expectNoMarkup(view);
    expect(texts(view, '.jp-ModelboxDetail-title')).toEqual([`Version 1 · ${HOSTILE}`]);
    expect(texts(view, '.jp-ModelboxDetail-tags .jp-ModelboxTag')).toEqual([HOSTILE]);
    expect(texts(view, '.jp-ModelboxMetadata-key')).toEqual([HOSTILE]);
    expect(texts(view, '.jp-ModelboxArtifacts-path')).toEqual([HOSTILE]);
    expect(texts(view, '.jp-ModelboxArtifacts-checksum')).toEqual(['ab'.repeat(32)]);
    view.dispose();
  });
});

describe('metadata table', () => {
  it('parses values as JSON when they are JSON, else as text, and refuses broken JSON', () => {
    expect(parseMetadataValue('3')).toEqual({ value: 3 });
    expect(parseMetadataValue('{"a": [1]}')).toEqual({ value: { a: [1] } });
    expect(parseMetadataValue('resnet')).toEqual({ value: 'resnet' });
    expect(parseMetadataValue('{"lr": 0.0')).toEqual({ error: expect.stringContaining('not valid JSON') });
    expect(parseMetadataValue(' [1, 2')).toEqual({ error: expect.stringContaining('not valid JSON') });
  });

  it('adds by merging one key, edits one key, removes one key', async () => {
    const { client, fetch } = clientFor([]);
    fetch.mockImplementation(async () => jsonResponse({}));
    const changed = jest.fn();
    const table = renderMetadataTable({ client, objectId: 'm1', metadata: { lr: 0.1 }, editable: true, onChanged: changed });
    document.body.append(table);

    (table.querySelector('[aria-label="New metadata key"]') as HTMLInputElement).value = 'epochs';
    (table.querySelector('[aria-label="New metadata value"]') as HTMLInputElement).value = '10';
    (table.querySelector('.jp-ModelboxMetadata-addButton') as HTMLButtonElement).click();
    await settle();
    (table.querySelector('.jp-ModelboxMetadata-edit') as HTMLButtonElement).click();
    (table.querySelector('[aria-label="Value of lr"]') as HTMLInputElement).value = '0.2';
    (table.querySelector('.jp-ModelboxMetadata-save') as HTMLButtonElement).click();
    await settle();
    (table.querySelector('.jp-ModelboxMetadata-remove') as HTMLButtonElement | null)?.click();
    await settle();
    expect(calls(fetch)).toHaveLength(2); // asked again first
    (table.querySelector('.jp-ModelboxMetadata-confirmRemove') as HTMLButtonElement | null)?.click();
    await settle();

    expect(calls(fetch)).toEqual([
      'PATCH objects/m1/metadata',
      'PUT objects/m1/metadata/lr',
      'DELETE objects/m1/metadata?key=lr'
    ]);
    expect(await fetch.mock.calls[0][0].json()).toEqual({ metadata: { epochs: 10 } });
    expect(await fetch.mock.calls[1][0].json()).toEqual({ value: 0.2 });
    expect(changed).toHaveBeenCalledTimes(3);
  });
});

describe('metadata table with broken JSON', () => {
  it('says the value is not valid JSON and stores it as text only when asked', async () => {
    const { client, fetch } = clientFor([]);
    fetch.mockImplementation(async () => jsonResponse({}));
    const table = renderMetadataTable({ client, objectId: 'm1', metadata: {}, editable: true });
    document.body.append(table);
    (table.querySelector('[aria-label="New metadata key"]') as HTMLInputElement).value = 'opt';
    (table.querySelector('[aria-label="New metadata value"]') as HTMLInputElement).value = '{"lr": 0.0';
    (table.querySelector('.jp-ModelboxMetadata-addButton') as HTMLButtonElement).click();
    await settle();
    expect(calls(fetch)).toEqual([]);
    expect(table.querySelector('[role=alert]')?.textContent).toContain('not valid JSON');
    (table.querySelector('.jp-ModelboxMetadata-asText') as HTMLButtonElement).click();
    await settle();
    expect(calls(fetch)).toEqual(['PATCH objects/m1/metadata']);
    expect(await fetch.mock.calls[0][0].json()).toEqual({ metadata: { opt: '{"lr": 0.0' } });
    table.remove();
  });
});

describe('ModelboxPanel', () => {
  function panelWith(routes: Route[]) {
    const { client, fetch } = clientFor(routes);
    const panel = new ModelboxPanel({ client, prompts: fakePrompts(), pollOptions: { minBackoffMs: 5 } });
    return { panel, fetch };
  }

  it('lists the models when attached and follows the event feed', async () => {
    let answered = false;
    const { panel, fetch } = panelWith(
      registryRoutes(aModel(), [
        ['GET', /^info$/, () => jsonResponse({ last_event_seq: 0 })],
        [
          'GET',
          /^events$/,
          request => {
            if (!answered) {
              answered = true;
              return jsonResponse({ events: [{ seq: 1, kind: 'model.created', at: '', model_id: 'm2' }], last_seq: 1 });
            }
            return new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(new Error('aborted'))));
          }
        ]
      ])
    );

    Widget.attach(panel, document.body);
    await new Promise(resolve => setTimeout(resolve, 300));

    const listCalls = calls(fetch).filter(c => c.startsWith('GET models?'));
    expect(listCalls.length).toBeGreaterThanOrEqual(2); // once on attach, again for the event
    expect(texts(panel, '.jp-ModelboxPanel-modelName')).toEqual(['resnet']);

    panel.dispose();
    expect(panel.poller.isDisposed).toBe(true);
  });

  it('opens a model and a version, and goes back with the breadcrumb', async () => {
    const { panel } = panelWith(registryRoutes(aModel({ name: 'resnet' })));
    Widget.attach(panel, document.body);

    await panel.openModel('m1');
    expect(panel.modelView.isHidden).toBe(false);
    expect(texts(panel, '.jp-ModelboxPanel-crumbs a')).toEqual(['Models', 'resnet']);

    await panel.openVersion(aVersion());
    expect(panel.versionView.isHidden).toBe(false);
    expect(texts(panel, '.jp-ModelboxPanel-crumbs .jp-ModelboxCrumb')).toEqual(['Models', 'resnet', 'v1']);

    (panel.node.querySelector('.jp-ModelboxPanel-crumbs a') as HTMLAnchorElement).click();
    expect(panel.list.isHidden).toBe(false);
    panel.dispose();
  });
});
