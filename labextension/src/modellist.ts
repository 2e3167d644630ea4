import type { Message } from '@lumino/messaging';
import { type ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import type { ModelboxClient } from './api';
import { errorBox, h, listKeys, replaceKeepingFocus, select } from './dom';
import { makeDropTarget } from './drop';
import { MODEL_FIELDS, queryError, syntaxHint } from './query';
import { SearchBox } from './searchbox';
import type { IListModelsQuery, IModel, ModelSortKey } from './tokens';

/** Height of one row in pixels; fixed so the list can be virtualized. */
export const ROW_HEIGHT = 56;
/** Models fetched per request. */
export const PAGE_SIZE = 100;
/** Rows rendered above and below the visible ones. */
const OVERSCAN = 8;
/** Rows rendered when the viewport has no height yet (not laid out). */
const UNMEASURED_ROWS = 30;

const SORT_OPTIONS: [ModelSortKey, string][] = [
  ['name', 'Name'],
  ['description', 'Description'],
  ['creation_time', 'Created'],
  ['last_updated_time', 'Updated']
];

/**
 * The list of models: search, sort, namespace filter, and a virtualized
 * scroller that fetches pages of models as they come into view, so it
 * stays smooth with tens of thousands of models.
 */
export class ModelList extends Widget {
  constructor(private readonly _client: ModelboxClient) {
    super();
    this.addClass('jp-ModelboxList');

    this._search = new SearchBox({
      label: 'Search models',
      placeholder: 'Search models: mnist, or task = vision and tag:production',
      hint: syntaxHint(MODEL_FIELDS, 'name ~ mnist and (tag:production or metadata.dataset = v3)'),
      className: 'jp-ModelboxList-search',
      onSearch: () => this._queryChanged()
    });
    this._sortBy = select(SORT_OPTIONS, 'name', {
      'aria-label': 'Sort by',
      class: 'jp-mod-styled jp-ModelboxList-sortBy'
    });
    this._orderBy = select(
      [
        ['asc', '↑ asc'],
        ['desc', '↓ desc']
      ],
      'asc',
      { 'aria-label': 'Order', class: 'jp-mod-styled jp-ModelboxList-orderBy' }
    );
    this._namespace = select([['', 'All namespaces']], '', {
      'aria-label': 'Namespace',
      class: 'jp-mod-styled jp-ModelboxList-namespace'
    });
    for (const control of [this._sortBy, this._orderBy, this._namespace]) {
      control.addEventListener('change', () => this._queryChanged());
    }

    this._status = h('div', { className: 'jp-ModelboxList-status', attrs: { 'aria-live': 'polite' } });
    this._spacer = h('div', { className: 'jp-ModelboxList-spacer' });
    this._viewport = h(
      'div',
      {
        className: 'jp-ModelboxList-viewport',
        attrs: { role: 'list' },
        on: { scroll: () => this._render() }
      },
      this._spacer
    );
    this._viewport.addEventListener('click', event => this._onClick(event));
    listKeys(this._viewport, '.jp-ModelboxPanel-model', row => {
      if (row.dataset.modelId) {
        this._modelOpened.emit(row.dataset.modelId);
      }
    });
    this.node.append(
      h(
        'div',
        { className: 'jp-ModelboxList-toolbar' },
        this._search.node,
        h('div', { className: 'jp-ModelboxList-sortRow' }, this._sortBy, this._orderBy, this._namespace)
      ),
      this._status,
      this._viewport
    );
  }

  /** The id of a model the user opened. */
  get modelOpened(): ISignal<this, string> {
    return this._modelOpened;
  }

  /** The query the list shows now (without paging). */
  get query(): IListModelsQuery {
    return {
      q: this._search.value || undefined,
      namespace: this._namespace.value || undefined,
      sort_by: this._sortBy.value as ModelSortKey,
      order_by: this._orderBy.value === 'desc' ? 'desc' : 'asc'
    };
  }

  /** Number of models matching the query, or null before the first answer. */
  get total(): number | null {
    return this._total;
  }

  /**
   * Fetch again what is in view (and the namespaces), keeping the scroll
   * position; the rows on screen stay until the new ones arrive.
   */
  async refresh(): Promise<void> {
    this._stalePages = new Map([...this._stalePages, ...this._pages]);
    this._pages = new Map();
    this._generation++;
    void this._refreshNamespaces();
    await this._fetchVisible();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    void this.refresh();
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this._render();
    void this._fetchVisible();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._render();
  }

  /** The search box (its text, syntax hint and error). */
  get searchBox(): SearchBox {
    return this._search;
  }

  dispose(): void {
    this._search.dispose();
    super.dispose();
  }

  private _queryChanged(): void {
    this._search.showError(null);
    this._pages = new Map();
    this._stalePages = new Map();
    this._total = null;
    this._viewport.scrollTop = 0;
    this._generation++;
    void this._fetchVisible();
  }

  private async _refreshNamespaces(): Promise<void> {
    let namespaces: string[];
    try {
      namespaces = await this._client.listNamespaces();
    } catch {
      return; // the model list shows the error
    }
    const current = this._namespace.value;
    const options = [['', 'All namespaces'], ...namespaces.map(n => [n, n])];
    this._namespace.replaceChildren(
      ...options.map(([value, label]) => h('option', { attrs: { value } }, label))
    );
    this._namespace.value = namespaces.includes(current) ? current : '';
  }

  private _visibleRange(): [number, number] {
    // Until the panel's layout gives the viewport its height (the first show
    // renders before the sidebar's resize), the viewport grows to the whole
    // spacer and every row would count as in view: fetching every page and
    // drawing every row. No more than the window's height is ever in view.
    const height = Math.min(this._viewport.clientHeight, window.innerHeight);
    const rows = height > 0 ? Math.ceil(height / ROW_HEIGHT) : UNMEASURED_ROWS;
    const first = Math.max(0, Math.floor(this._viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = first + rows + 2 * OVERSCAN;
    return [first, this._total === null ? last : Math.min(last, this._total)];
  }

  private async _fetchVisible(): Promise<void> {
    const [first, last] = this._visibleRange();
    const pages = new Set<number>();
    for (let page = Math.floor(first / PAGE_SIZE); page * PAGE_SIZE < Math.max(last, 1); page++) {
      pages.add(page);
    }
    await Promise.all([...pages].map(page => this._fetchPage(page)));
  }

  private async _fetchPage(page: number): Promise<void> {
    const generation = this._generation;
    const key = `${generation}:${page}`;
    if (this._pages.has(page) || this._inFlight.has(key)) {
      return;
    }
    this._inFlight.add(key);
    const sent = this._search.text;
    try {
      const list = await this._client.listModels({
        ...this.query,
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE
      });
      if (generation !== this._generation || this.isDisposed) {
        return;
      }
      this._error = null;
      this._queryInvalid = false;
      this._search.showError(null, sent);
      this._pages.set(page, list.models);
      this._stalePages.delete(page);
      if (this._total !== list.total) {
        this._total = list.total;
        this._stalePages.clear();
      }
    } catch (error) {
      if (generation === this._generation && !this.isDisposed) {
        const syntax = queryError(error, sent);
        if (syntax) {
          // shown at the box; the list says no model matches
          this._search.showError(syntax, sent);
          this._error = null;
          this._pages.set(page, []);
          this._stalePages.clear();
          this._total = 0;
          this._queryInvalid = true;
        } else {
          this._error = error;
        }
      }
    } finally {
      this._inFlight.delete(key);
    }
    if (generation === this._generation && !this.isDisposed) {
      this._render();
    }
  }

  private _modelAt(index: number): IModel | undefined {
    const page = Math.floor(index / PAGE_SIZE);
    const models = this._pages.get(page) ?? this._stalePages.get(page);
    return models?.[index % PAGE_SIZE];
  }

  private _render(): void {
    this._renderStatus();
    const total = this._total ?? 0;
    this._spacer.style.height = `${total * ROW_HEIGHT}px`;
    const [first, last] = this._visibleRange();
    const rows: HTMLElement[] = [];
    let missing = false;
    for (let index = first; index < Math.min(last, total); index++) {
      const model = this._modelAt(index);
      missing ||= model === undefined || !this._pages.has(Math.floor(index / PAGE_SIZE));
      rows.push(model ? renderModelRow(model, index) : placeholderRow(index));
    }
    replaceKeepingFocus(this._spacer, '.jp-ModelboxPanel-model', 'modelId', ...rows);
    if (missing && !this._error) {
      void this._fetchVisible();
    }
  }

  private _renderStatus(): void {
    if (this._error) {
      this._status.replaceChildren(errorBox(this._error));
    } else if (this._total === null) {
      this._status.textContent = 'Loading models…';
    } else if (this._queryInvalid) {
      this._status.textContent = 'Fix the query to search.';
    } else if (this._total === 0) {
      const filtered = this._search.value || this._namespace.value;
      this._status.textContent = filtered ? 'No models match.' : 'No models registered yet.';
    } else {
      this._status.textContent = this._total === 1 ? '1 model' : `${this._total} models`;
    }
  }

  private _onClick(event: MouseEvent): void {
    const row = (event.target as Element | null)?.closest<HTMLElement>('.jp-ModelboxPanel-model');
    const modelId = row?.dataset.modelId;
    if (modelId) {
      this._modelOpened.emit(modelId);
    }
  }

  private readonly _search: SearchBox;
  private readonly _sortBy: HTMLSelectElement;
  private readonly _orderBy: HTMLSelectElement;
  private readonly _namespace: HTMLSelectElement;
  private readonly _status: HTMLElement;
  private readonly _viewport: HTMLElement;
  private readonly _spacer: HTMLElement;
  private readonly _modelOpened = new Signal<this, string>(this);
  private readonly _inFlight = new Set<string>();
  private _pages = new Map<number, IModel[]>();
  private _stalePages = new Map<number, IModel[]>();
  private _total: number | null = null;
  private _error: unknown = null;
  private _generation = 0;
  private _queryInvalid = false;
}

/**
 * One model row: name, description, namespace and version count, as text.
 */
export function renderModelRow(model: IModel, index: number): HTMLElement {
  const row = h(
    'div',
    {
      className: 'jp-ModelboxPanel-model' + (model.archived ? ' jp-mod-archived' : ''),
      attrs: {
        role: 'listitem',
        tabindex: '0',
        title: 'Open the model; drop files here to add artifacts'
      }
    },
    h(
      'div',
      { className: 'jp-ModelboxPanel-modelHead' },
      h('span', { className: 'jp-ModelboxPanel-modelName' }, model.name),
      h(
        'span',
        { className: 'jp-ModelboxPanel-modelVersions' },
        model.num_versions === 1 ? '1 version' : `${model.num_versions} versions`
      )
    ),
    h('div', { className: 'jp-ModelboxPanel-modelDescription' }, model.description || ' '),
    h(
      'div',
      { className: 'jp-ModelboxPanel-modelNamespace' },
      model.namespace,
      model.archived ? ' · archived' : ''
    )
  );
  row.dataset.modelId = model.id;
  row.style.top = `${index * ROW_HEIGHT}px`;
  row.style.height = `${ROW_HEIGHT}px`;
  makeDropTarget(row, model.id, `model ${model.name}`);
  return row;
}

function placeholderRow(index: number): HTMLElement {
  const row = h('div', { className: 'jp-ModelboxPanel-model jp-mod-placeholder' }, 'Loading…');
  row.style.top = `${index * ROW_HEIGHT}px`;
  row.style.height = `${ROW_HEIGHT}px`;
  return row;
}
