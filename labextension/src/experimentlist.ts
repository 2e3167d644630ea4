import type { Message } from '@lumino/messaging';
import { type ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import type { ModelboxClient } from './api';
import { button, errorBox, formatTime, h, listKeys, replaceKeepingFocus, select } from './dom';
import { queryError, syntaxHint } from './query';
import { SearchBox } from './searchbox';
import type { IExperiment, IListExperimentsQuery } from './tokens';

/** Experiments fetched per request; *Show more* fetches the next page. */
export const EXPERIMENT_PAGE_SIZE = 50;

/** Fields of an experiment query (the server's `EXPERIMENT_FIELDS`). */
export const EXPERIMENT_FIELDS = [
  'name',
  'namespace',
  'owner',
  'external_id',
  'framework',
  'metric',
  'created',
  'updated',
  'checkpoints',
  'metadata.<path>',
  'hparams.<key>'
];

/**
 * The list of experiments, newest first: the search language (`q=`, as the
 * model list), a namespace filter, and pages of rows with *Show more*.
 */
export class ExperimentList extends Widget {
  constructor(private readonly _client: ModelboxClient) {
    super();
    this.addClass('jp-ModelboxExperimentList');
    this._search = new SearchBox({
      label: 'Search experiments',
      placeholder: 'Search experiments: mnist, or framework = torch and checkpoints > 3',
      hint: syntaxHint(EXPERIMENT_FIELDS, 'name ~ mnist and (hparams.lr < 0.01 or owner = ana)'),
      className: 'jp-ModelboxExperimentList-search',
      onSearch: () => void this.refresh(true)
    });
    this._namespace = select([['', 'All namespaces']], '', {
      'aria-label': 'Experiment namespace',
      class: 'jp-mod-styled jp-ModelboxExperimentList-namespace'
    });
    this._namespace.addEventListener('change', () => void this.refresh(true));
    this._rows.addEventListener('click', event => {
      const row = (event.target as Element | null)?.closest<HTMLElement>('.jp-ModelboxExperiment-row');
      if (row?.dataset.experimentId) {
        this._experimentOpened.emit(row.dataset.experimentId);
      }
    });
    listKeys(this._rows, '.jp-ModelboxExperiment-row', row => {
      if (row.dataset.experimentId) {
        this._experimentOpened.emit(row.dataset.experimentId);
      }
    });
    this.node.append(
      h(
        'div',
        { className: 'jp-ModelboxExperimentList-toolbar' },
        this._search.node,
        this._namespace
      ),
      this._status,
      h('div', { className: 'jp-ModelboxExperimentList-scroller' }, this._rows, this._more)
    );
  }

  /** The id of an experiment the user opened. */
  get experimentOpened(): ISignal<this, string> {
    return this._experimentOpened;
  }

  /** The search box (its text, syntax hint and error). */
  get searchBox(): SearchBox {
    return this._search;
  }

  /** The query the list shows now (without paging). */
  get query(): IListExperimentsQuery {
    return { q: this._search.text || undefined, namespace: this._namespace.value || undefined };
  }

  /** Number of experiments matching the query, or null before the first answer. */
  get total(): number | null {
    return this._total;
  }

  /**
   * Fetch the list again: as many rows as are shown (at least a page), or
   * from the first page after the query changed (`restart`).
   */
  async refresh(restart = false): Promise<void> {
    const call = ++this._calls;
    const sent = this._search.text;
    const wanted = restart ? EXPERIMENT_PAGE_SIZE : Math.max(EXPERIMENT_PAGE_SIZE, this._shown.length);
    void this._refreshNamespaces();
    try {
      const list = await this._client.listExperiments({ ...this.query, offset: 0, limit: wanted });
      if (call !== this._calls || this.isDisposed) {
        return;
      }
      this._search.showError(null, sent);
      this._error = null;
      this._invalid = false;
      this._shown = list.experiments;
      this._total = list.total;
      this._learnNamespaces(list.experiments);
    } catch (error) {
      if (call !== this._calls || this.isDisposed) {
        return;
      }
      const syntax = queryError(error, sent);
      this._search.showError(syntax, sent);
      this._invalid = syntax !== null;
      this._error = syntax ? null : error;
      if (syntax) {
        this._shown = [];
        this._total = 0;
      }
    }
    this._render();
  }

  /** Fetch the next page and add it below the rows shown. */
  async showMore(): Promise<void> {
    const call = ++this._calls;
    try {
      const list = await this._client.listExperiments({
        ...this.query,
        offset: this._shown.length,
        limit: EXPERIMENT_PAGE_SIZE
      });
      if (call !== this._calls || this.isDisposed) {
        return;
      }
      const known = new Set(this._shown.map(e => e.id));
      this._shown = [...this._shown, ...list.experiments.filter(e => !known.has(e.id))];
      this._total = list.total;
      this._learnNamespaces(list.experiments);
      this._error = null;
    } catch (error) {
      if (call === this._calls && !this.isDisposed) {
        this._error = error;
      }
    }
    this._render();
  }

  dispose(): void {
    this._search.dispose();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.refresh();
  }

  /**
   * The namespace filter offers the registry's namespaces (those of models)
   * and every namespace an experiment was seen in.
   */
  private async _refreshNamespaces(): Promise<void> {
    try {
      for (const namespace of await this._client.listNamespaces()) {
        this._namespaces.add(namespace);
      }
    } catch {
      // the list shows the error
    }
    this._renderNamespaces();
  }

  private _learnNamespaces(experiments: IExperiment[]): void {
    const before = this._namespaces.size;
    for (const experiment of experiments) {
      this._namespaces.add(experiment.namespace);
    }
    if (this._namespaces.size !== before) {
      this._renderNamespaces();
    }
  }

  private _renderNamespaces(): void {
    const current = this._namespace.value;
    const names = [...this._namespaces].sort();
    this._namespace.replaceChildren(
      h('option', { attrs: { value: '' } }, 'All namespaces'),
      ...names.map(name => h('option', { attrs: { value: name } }, name))
    );
    this._namespace.value = names.includes(current) ? current : '';
  }

  private _render(): void {
    if (this._error) {
      this._status.replaceChildren(errorBox(this._error));
    } else if (this._total === null) {
      this._status.textContent = 'Loading experiments…';
    } else if (this._invalid) {
      this._status.textContent = 'Fix the query to search.';
    } else if (this._total === 0) {
      const filtered = this._search.text || this._namespace.value;
      this._status.textContent = filtered ? 'No experiments match.' : 'No experiments yet.';
    } else {
      const count = this._total === 1 ? '1 experiment' : `${this._total} experiments`;
      this._status.textContent =
        this._shown.length < this._total ? `${count}, newest ${this._shown.length} shown` : count;
    }
    replaceKeepingFocus(this._rows, '.jp-ModelboxExperiment-row', 'experimentId', ...this._shown.map(renderExperimentRow));
    this._more.replaceChildren(
      ...(this._total !== null && this._shown.length < this._total
        ? [
            button('Show more', () => void this.showMore(), {
              title: `Show the next ${EXPERIMENT_PAGE_SIZE} experiments`,
              className: 'jp-ModelboxExperimentList-more'
            })
          ]
        : [])
    );
  }

  private readonly _search: SearchBox;
  private readonly _namespace: HTMLSelectElement;
  private readonly _status = h('div', { className: 'jp-ModelboxExperimentList-status', attrs: { 'aria-live': 'polite' } });
  private readonly _rows = h('div', { className: 'jp-ModelboxExperimentList-rows', attrs: { role: 'list' } });
  private readonly _more = h('div', { className: 'jp-ModelboxExperimentList-moreRow' });
  private readonly _experimentOpened = new Signal<this, string>(this);
  private readonly _namespaces = new Set<string>();
  private _shown: IExperiment[] = [];
  private _total: number | null = null;
  private _error: unknown = null;
  private _invalid = false;
  private _calls = 0;
}

/**
 * One experiment row: name, checkpoint count, owner and framework, namespace, as text.
 */
export function renderExperimentRow(experiment: IExperiment): HTMLElement {
  const count = experiment.num_checkpoints === 1 ? '1 checkpoint' : `${experiment.num_checkpoints} checkpoints`;
  const row = h(
    'div',
    {
      className: 'jp-ModelboxExperiment-row',
      attrs: { role: 'listitem', tabindex: '0', title: 'Open the experiment and its checkpoints' }
    },
    h(
      'div',
      { className: 'jp-ModelboxExperiment-head' },
      h('span', { className: 'jp-ModelboxExperiment-name' }, experiment.name),
      h('span', { className: 'jp-ModelboxExperiment-count' }, count)
    ),
    h(
      'div',
      { className: 'jp-ModelboxExperiment-detail' },
      [experiment.owner, experiment.framework, formatTime(experiment.created_at)].filter(Boolean).join(' · ')
    ),
    h('div', { className: 'jp-ModelboxExperiment-namespace' }, experiment.namespace)
  );
  row.dataset.experimentId = experiment.id;
  return row;
}

/** Which list the panel shows. */
export type ListKind = 'models' | 'experiments';

/**
 * The *Models | Experiments* switch at the top of the side panel.
 */
export class ListSwitch {
  constructor(onChoose: (kind: ListKind) => void) {
    const tab = (kind: ListKind, label: string): HTMLButtonElement =>
      h(
        'button',
        {
          className: `jp-ModelboxSwitch-tab jp-ModelboxSwitch-${kind}`,
          attrs: { type: 'button', role: 'tab', 'aria-selected': 'false' },
          on: { click: () => onChoose(kind) }
        },
        label
      );
    this._tabs = { models: tab('models', 'Models'), experiments: tab('experiments', 'Experiments') };
    this.node = h(
      'div',
      { className: 'jp-ModelboxSwitch', attrs: { role: 'tablist', 'aria-label': 'Browse' } },
      this._tabs.models,
      this._tabs.experiments
    );
    this.show('models');
  }

  readonly node: HTMLElement;

  /** The list the panel shows now. */
  get current(): ListKind {
    return this._current;
  }

  /** Mark the tab of the list shown. */
  show(kind: ListKind): void {
    this._current = kind;
    for (const [name, tab] of Object.entries(this._tabs)) {
      tab.setAttribute('aria-selected', String(name === kind));
      tab.classList.toggle('jp-mod-active', name === kind);
    }
  }

  private readonly _tabs: Record<ListKind, HTMLButtonElement>;
  private _current: ListKind = 'models';
}
