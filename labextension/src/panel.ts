import type { ServerConnection } from '@jupyterlab/services';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { listModels } from './request';
import type { IModel, IModelList } from './tokens';

/**
 * The side panel listing the registry's models.
 *
 * Everything the server sends is put into the DOM as text (`textContent`),
 * never parsed as HTML.
 */
export class ModelboxPanel extends Widget {
  constructor(options: ModelboxPanel.IOptions) {
    super();
    this._serverSettings = options.serverSettings;
    this.addClass('jp-ModelboxPanel');

    const header = document.createElement('div');
    header.className = 'jp-ModelboxPanel-header';
    const title = document.createElement('h2');
    title.className = 'jp-ModelboxPanel-title';
    title.textContent = 'Models';
    const refresh = document.createElement('button');
    refresh.className = 'jp-Button jp-mod-styled jp-ModelboxPanel-refresh';
    refresh.type = 'button';
    refresh.textContent = 'Refresh';
    refresh.title = 'Reload the model list';
    refresh.addEventListener('click', () => void this.refresh());
    header.append(title, refresh);

    this._content = document.createElement('div');
    this._content.className = 'jp-ModelboxPanel-content';
    this.node.append(header, this._content);
  }

  /**
   * Fetch the model list and render it, or render the error.
   *
   * Only the answer to the latest call is rendered.
   */
  async refresh(): Promise<void> {
    const call = ++this._calls;
    if (!this._content.hasChildNodes()) {
      this._showStatus('Loading models…');
    }
    let list: IModelList;
    try {
      list = await listModels(this._serverSettings);
    } catch (error) {
      if (call === this._calls && !this.isDisposed) {
        this._showError(error);
      }
      return;
    }
    if (call === this._calls && !this.isDisposed) {
      this._showModels(list);
    }
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      void this.refresh();
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.refresh();
  }

  private _showStatus(text: string): void {
    const status = document.createElement('p');
    status.className = 'jp-ModelboxPanel-status';
    status.textContent = text;
    this._content.replaceChildren(status);
  }

  private _showError(error: unknown): void {
    const box = document.createElement('div');
    box.className = 'jp-ModelboxPanel-error';
    box.setAttribute('role', 'alert');
    box.textContent = error instanceof Error ? error.message : String(error);
    this._content.replaceChildren(box);
  }

  private _showModels(list: IModelList): void {
    if (list.models.length === 0) {
      this._showStatus('No models registered yet.');
      return;
    }
    const items = document.createElement('ul');
    items.className = 'jp-ModelboxPanel-models';
    items.append(...list.models.map(renderModel));
    const nodes: Node[] = [items];
    if (list.total > list.models.length) {
      const more = document.createElement('p');
      more.className = 'jp-ModelboxPanel-status';
      more.textContent = `Showing ${list.models.length} of ${list.total} models.`;
      nodes.push(more);
    }
    this._content.replaceChildren(...nodes);
  }

  private _calls = 0;
  private readonly _content: HTMLElement;
  private readonly _serverSettings: ServerConnection.ISettings;
}

export namespace ModelboxPanel {
  export interface IOptions {
    /** Connection to the Jupyter server that serves the registry. */
    serverSettings: ServerConnection.ISettings;
  }
}

function renderModel(model: IModel): HTMLLIElement {
  const item = document.createElement('li');
  item.className = 'jp-ModelboxPanel-model';
  item.dataset.modelId = model.id;

  const name = document.createElement('div');
  name.className = 'jp-ModelboxPanel-modelName';
  name.textContent = model.name;
  item.append(name);

  if (model.description) {
    const description = document.createElement('div');
    description.className = 'jp-ModelboxPanel-modelDescription';
    description.textContent = model.description;
    item.append(description);
  }

  const versions = document.createElement('div');
  versions.className = 'jp-ModelboxPanel-modelVersions';
  versions.textContent =
    model.num_versions === 1 ? '1 version' : `${model.num_versions} versions`;
  item.append(versions);
  return item;
}
