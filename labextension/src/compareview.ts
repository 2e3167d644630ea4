import { Panel, Widget } from '@lumino/widgets';

import type { ModelboxClient } from './api';
import { MetricChart } from './chart';
import { type ICompareColumn, type ICompareRow, buildCompareRows, loadCompareColumn } from './compare';
import { errorBox, h } from './dom';
import type { IModelVersion } from './tokens';

/**
 * Rows shown: all, or only those that differ (plus the context rows).
 */
export function visibleRows(rows: ICompareRow[], differencesOnly: boolean): ICompareRow[] {
  return differencesOnly ? rows.filter(row => row.differs || row.context) : rows;
}

/**
 * Versions of a model side by side: one column per version (label,
 * framework, tags, created, metadata with dotted keys, checkpoint metrics,
 * last logged value of each metric), differing rows marked, a "differences
 * only" toggle, and the metric chart with every version overlaid.
 */
export class CompareView extends Panel {
  constructor(private readonly _client: ModelboxClient) {
    super();
    this.addClass('jp-ModelboxDetail');
    this.addClass('jp-ModelboxCompareView');
    this._diffOnly = h('input', {
      className: 'jp-ModelboxCompare-diffOnly',
      attrs: { type: 'checkbox' },
      on: { change: () => this._renderTable() }
    });
    this.addWidget(this._details);
  }

  /** The versions compared, in column order. */
  get versions(): IModelVersion[] {
    return this._versions;
  }

  /** Compare these versions (in this order), or reload the ones shown. */
  async load(versions: IModelVersion[] = this._versions): Promise<void> {
    const changed = versions.map(v => v.id).join() !== this._versions.map(v => v.id).join();
    this._versions = versions;
    if (changed) {
      this._columns = [];
      this._chart?.dispose();
      this._chart = null;
      this._details.node.replaceChildren(h('p', { className: 'jp-ModelboxPanel-status' }, 'Loading versions…'));
    }
    const call = ++this._calls;
    let columns: ICompareColumn[];
    try {
      columns = await Promise.all(versions.map(v => loadCompareColumn(this._client, v.id)));
    } catch (error) {
      if (call === this._calls && !this.isDisposed) {
        this._details.node.replaceChildren(errorBox(error));
      }
      return;
    }
    if (call !== this._calls || this.isDisposed) {
      return;
    }
    this._columns = columns;
    this._renderDetails();
    if (!this._chart && columns.length) {
      const [first, ...others] = columns.map(c => c.version);
      this._chart = new MetricChart(this._client, first, others, { overlayAll: true });
      this.addWidget(this._chart);
      void this._chart.load();
    } else {
      void this._chart?.load();
    }
  }

  private _renderDetails(): void {
    const numbers = this._columns.map(c => `v${c.version.number}`).join(', ');
    this._details.node.replaceChildren(
      h(
        'div',
        { className: 'jp-ModelboxDetail-head' },
        h('h3', { className: 'jp-ModelboxDetail-title' }, `Compare ${numbers}`),
        h(
          'label',
          { className: 'jp-ModelboxCompare-toggle' },
          this._diffOnly,
          ' Differences only'
        )
      ),
      this._tableHost,
      h('h4', { className: 'jp-ModelboxSection-title' }, 'Metrics')
    );
    this._renderTable();
  }

  private _renderTable(): void {
    const rows = buildCompareRows(this._columns);
    const shown = visibleRows(rows, this._diffOnly.checked);
    const differing = rows.filter(r => r.differs).length;
    const header = h(
      'tr',
      {},
      h('th', {}, ''),
      ...this._columns.map(c =>
        h('th', { className: 'jp-ModelboxCompare-version', attrs: { scope: 'col' } }, `v${c.version.number}`)
      )
    );
    const body: HTMLElement[] = [];
    let section = '';
    for (const row of shown) {
      if (row.section !== section) {
        section = row.section;
        body.push(
          h(
            'tr',
            { className: 'jp-ModelboxCompare-section' },
            h('th', { attrs: { colspan: String(this._columns.length + 1), scope: 'colgroup' } }, section)
          )
        );
      }
      const tr = h(
        'tr',
        {
          className: 'jp-ModelboxCompare-row' + (row.differs ? ' jp-mod-differs' : ''),
          attrs: { 'data-key': row.key, 'data-section': row.section }
        },
        h('th', { className: 'jp-ModelboxCompare-key', attrs: { scope: 'row', title: row.key } }, row.key),
        ...row.texts.map((text, i) => {
          const best = row.best?.includes(i);
          return h(
            'td',
            {
              className: 'jp-ModelboxCompare-value' + (best ? ' jp-mod-best' : ''),
              attrs: { title: (row.titles?.[i] ?? text) + (best ? ' (best)' : '') }
            },
            text,
            best ? h('span', { className: 'jp-ModelboxCompare-bestMark', attrs: { 'aria-label': 'best' } }, ' ★') : null
          );
        })
      );
      body.push(tr);
    }
    this._tableHost.replaceChildren(
      h(
        'p',
        { className: 'jp-ModelboxCompare-summary' },
        differing === 0 ? 'No differences.' : differing === 1 ? '1 row differs.' : `${differing} rows differ.`
      ),
      h(
        'div',
        { className: 'jp-ModelboxCompare-scroll' },
        h(
          'table',
          { className: 'jp-ModelboxTable jp-ModelboxCompare' },
          h('thead', {}, header),
          h('tbody', {}, ...body)
        )
      )
    );
  }

  private readonly _details = new Widget();
  private readonly _tableHost = h('div', { className: 'jp-ModelboxCompare-tableHost' });
  private readonly _diffOnly: HTMLInputElement;
  private _versions: IModelVersion[] = [];
  private _columns: ICompareColumn[] = [];
  private _chart: MetricChart | null = null;
  private _calls = 0;
}
