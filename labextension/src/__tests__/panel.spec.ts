import { Widget } from '@lumino/widgets';

import { ModelboxPanel } from '../panel';
import type { IModel } from '../tokens';
import { aModel, fakeFetch, jsonResponse, settingsWith } from './fake-server';

const HOSTILE = '<img src=x onerror=alert(1)>';

function panelListing(models: IModel[], total = models.length) {
  const fetch = fakeFetch(() => jsonResponse({ models, total }));
  const panel = new ModelboxPanel({ serverSettings: settingsWith(fetch) });
  return { fetch, panel };
}

function texts(panel: Widget, selector: string): (string | null)[] {
  return Array.from(panel.node.querySelectorAll(selector), n => n.textContent);
}

describe('ModelboxPanel', () => {
  it('lists name, description and version count of each model', async () => {
    const { panel } = panelListing([
      aModel({ id: 'a', name: 'resnet', num_versions: 2 }),
      aModel({ id: 'b', name: 'bert', description: '', num_versions: 1 })
    ]);

    await panel.refresh();

    expect(texts(panel, '.jp-ModelboxPanel-modelName')).toEqual([
      'resnet',
      'bert'
    ]);
    expect(texts(panel, '.jp-ModelboxPanel-modelDescription')).toEqual([
      'An image classifier'
    ]);
    expect(texts(panel, '.jp-ModelboxPanel-modelVersions')).toEqual([
      '2 versions',
      '1 version'
    ]);
  });

  it('renders markup coming from the server as literal text', async () => {
    const { panel } = panelListing([
      aModel({ name: HOSTILE, description: '<b>bold</b>' })
    ]);

    await panel.refresh();

    expect(panel.node.querySelector('img')).toBeNull();
    expect(panel.node.querySelector('b')).toBeNull();
    expect(texts(panel, '.jp-ModelboxPanel-modelName')).toEqual([HOSTILE]);
    expect(texts(panel, '.jp-ModelboxPanel-modelDescription')).toEqual([
      '<b>bold</b>'
    ]);
  });

  it("shows the server's error message, as text", async () => {
    const fetch = fakeFetch(() =>
      jsonResponse({ message: `Registry locked ${HOSTILE}`, reason: null }, 409)
    );
    const panel = new ModelboxPanel({ serverSettings: settingsWith(fetch) });

    await panel.refresh();

    expect(texts(panel, '.jp-ModelboxPanel-error')).toEqual([
      `Registry locked ${HOSTILE}`
    ]);
    expect(panel.node.querySelector('img')).toBeNull();
  });

  it('says when there are no models, and when the list is cut', async () => {
    const empty = panelListing([]);
    await empty.panel.refresh();
    expect(texts(empty.panel, '.jp-ModelboxPanel-status')).toEqual([
      'No models registered yet.'
    ]);

    const paged = panelListing([aModel()], 30);
    await paged.panel.refresh();
    expect(texts(paged.panel, '.jp-ModelboxPanel-status')).toEqual([
      'Showing 1 of 30 models.'
    ]);
  });

  it('fetches the list when it is attached visible', () => {
    const { fetch, panel } = panelListing([]);

    Widget.attach(panel, document.body);

    expect(fetch).toHaveBeenCalledTimes(1);
    panel.dispose();
  });
});
