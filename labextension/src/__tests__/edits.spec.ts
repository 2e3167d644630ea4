import { ModelboxClient } from '../api';
import { renderMetadataTable } from '../metadata';
import { jsonResponse, settingsWith, fakeFetch, settle } from './fake-server';

describe('edits carry the revision', () => {
  it('sends If-Match with each metadata edit and offers Reload or Overwrite on 412', async () => {
    const seen: [string, string | null][] = [];
    let stale = true;
    const fetch = fakeFetch(async request => {
      seen.push([request.method, request.headers.get('If-Match')]);
      if (stale && request.headers.get('If-Match')) {
        stale = false;
        return jsonResponse({ message: 'changed since revision 7', reason: 'Precondition Failed' }, 412);
      }
      return jsonResponse({ id: 'm1', revision: 9, metadata: { lr: 0.2 } });
    });
    const client = new ModelboxClient(settingsWith(fetch));
    const reloaded = jest.fn();
    const table = renderMetadataTable({
      client,
      objectId: 'm1',
      metadata: { lr: 0.1 },
      revision: 7,
      what: 'model',
      editable: true,
      onChanged: reloaded
    });
    document.body.append(table);

    (table.querySelector('.jp-ModelboxMetadata-edit') as HTMLButtonElement).click();
    (table.querySelector('[aria-label="Value of lr"]') as HTMLInputElement).value = '0.2';
    (table.querySelector('.jp-ModelboxMetadata-save') as HTMLButtonElement).click();
    await settle();
    expect(seen).toEqual([['PUT', '"7"']]);
    const alert = table.querySelector('.jp-ModelboxStale');
    expect(alert?.textContent).toContain('Someone else changed this model');
    expect(reloaded).not.toHaveBeenCalled();

    (table.querySelector('.jp-ModelboxStale-overwrite') as HTMLButtonElement).click();
    await settle();
    expect(seen).toEqual([
      ['PUT', '"7"'],
      ['PUT', null]
    ]);
    expect(reloaded).toHaveBeenCalledTimes(1);
    expect(table.querySelector('.jp-ModelboxStale')).toBeNull();

    // the next edit starts from the revision the server answered
    (table.querySelector('.jp-ModelboxMetadata-remove') as HTMLButtonElement).click();
    (table.querySelector('.jp-ModelboxMetadata-confirmRemove') as HTMLButtonElement).click();
    await settle();
    expect(seen[2]).toEqual(['DELETE', '"9"']);
    table.remove();
  });

  it('Reload drops the edit and shows the object as it is now', async () => {
    const fetch = fakeFetch(async () => jsonResponse({ message: 'stale' }, 412));
    const client = new ModelboxClient(settingsWith(fetch));
    const reloaded = jest.fn();
    const table = renderMetadataTable({ client, objectId: 'v1', metadata: {}, revision: 2, what: 'version', editable: true, onChanged: reloaded });
    (table.querySelector('[aria-label="New metadata key"]') as HTMLInputElement).value = 'k';
    (table.querySelector('[aria-label="New metadata value"]') as HTMLInputElement).value = '1';
    (table.querySelector('.jp-ModelboxMetadata-addButton') as HTMLButtonElement).click();
    await settle();
    expect(table.querySelector('.jp-ModelboxStale')?.textContent).toContain('this version');
    (table.querySelector('.jp-ModelboxStale-reload') as HTMLButtonElement).click();
    expect(reloaded).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('sends the revision when the model is changed or deleted', async () => {
    const fetch = fakeFetch(async () => jsonResponse({}));
    const client = new ModelboxClient(settingsWith(fetch));
    await client.updateModel('m1', { description: 'x' }, 3);
    await client.deleteModel('m1', true, 4);
    await client.deleteVersion('v1', 5);
    await client.updateModel('m1', { description: 'y' });
    expect(fetch.mock.calls.map(([request]) => request.headers.get('If-Match'))).toEqual(['"3"', '"4"', '"5"', null]);
  });
});
