import type { AnyModel, RenderProps } from '@anywidget/types';
import { MimeData } from '@lumino/coreutils';

import { CONTENTS_MIME, DROP_ATTRIBUTE } from '../drop';
import dropZone from '../dropzone';
import { addPageConfig, anArtifact, calls, fakeAPI, jsonResponse, settle } from './fake-server';

type Traits = { target_id: string; target_label: string; chunk_bytes: number };

/** The anywidget model as the kernel side would drive it: traits, change events, messages. */
function widgetModel(traits: Traits) {
  const listeners = new Map<string, (() => void)[]>();
  const sent: unknown[] = [];
  const model = {
    get: (key: keyof Traits) => traits[key],
    on: (name: string, callback: () => void) => listeners.set(name, [...(listeners.get(name) ?? []), callback]),
    off: () => listeners.clear(),
    send: (content: unknown) => sent.push(content)
  } as unknown as AnyModel<Traits>;
  const change = (key: keyof Traits, value: never) => {
    traits[key] = value;
    listeners.get(`change:${key}`)?.forEach(callback => callback());
  };
  return { model, sent, change };
}

function render(model: AnyModel<Traits>): HTMLElement {
  const el = document.createElement('div');
  document.body.append(el);
  const props = { model, el, signal: new AbortController().signal };
  void dropZone.render(props as unknown as RenderProps<Traits>);
  return el;
}

const realFetch = window.fetch;
afterEach(() => {
  document.body.replaceChildren();
  window.fetch = realFetch;
});

describe('the notebook drop zone module', () => {
  it('tells the kernel when the page has no Jupyter server (VS Code)', () => {
    const { model, sent } = widgetModel({ target_id: 'v1', target_label: 'mnist version 1', chunk_bytes: 1024 });

    const el = render(model);

    expect(el.querySelector('.modelbox-drop-zone')?.classList).toContain('modelbox-drop-unavailable');
    expect(el.textContent).toContain('Drop files here to attach them to mnist version 1');
    expect(sent).toEqual([{ kind: 'no-server', reason: 'no jupyter-config-data on this page' }]);
  });

  it('copies file browser items on the server and reports them to the kernel', async () => {
    addPageConfig(JSON.stringify({ baseUrl: 'http://localhost:8888/', token: 't' }));
    const copied = anArtifact({ path: 'data.csv', checksum: 'cd'.repeat(32) });
    const fetch = fakeAPI([
      ['POST', /^objects\/v2\/artifacts-from-contents$/, () => jsonResponse({ artifacts: [copied] }, 201)]
    ]);
    window.fetch = fetch as unknown as typeof window.fetch;
    const { model, sent, change } = widgetModel({ target_id: 'v1', target_label: 'version 1', chunk_bytes: 1024 });
    const el = render(model);
    change('target_id', 'v2' as never); // the kernel pointed the zone at another version
    const zone = el.querySelector<HTMLElement>('.modelbox-drop-zone')!;
    expect(zone.getAttribute(DROP_ATTRIBUTE)).toBe('v2');

    const mimeData = new MimeData();
    mimeData.setData(CONTENTS_MIME, ['RTC:data.csv']);
    zone.dispatchEvent(Object.assign(new Event('lm-drop', { bubbles: true, cancelable: true }), {
      mimeData,
      proposedAction: 'move'
    }));
    await settle();

    expect(calls(fetch)).toEqual(['POST objects/v2/artifacts-from-contents']);
    expect(await fetch.mock.calls[0][0].json()).toEqual({ paths: ['data.csv'] });
    expect(sent).toEqual([{ kind: 'uploaded', artifacts: [copied], errors: [] }]);
    expect(el.querySelector('.modelbox-drop-ok')?.textContent).toContain(`data.csv sha256 ${'cd'.repeat(6)}`);
  });
});
