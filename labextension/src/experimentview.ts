import { type ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import type { ModelboxClient } from './api';
import { renderArtifactTable } from './artifacts';
import { button, errorBox, errorMessage, formatTime, formatValue, h } from './dom';
import { RESET_EVENT } from './events';
import { type MetadataTable, metadataTableFor } from './metadata';
import { section } from './modelview';
import { copyButton, idLine } from './pageparts';
import type { IUserPrompts } from './prompts';
import type { IArtifact, ICheckpoint, IEvent, IExperiment, IModelVersion } from './tokens';

/** Checkpoints fetched per request; *Show more checkpoints* fetches the next page. */
export const CHECKPOINT_PAGE_SIZE = 200;
/** The metric an experiment ranks its checkpoints by when it declares none (as the server). */
export const DEFAULT_METRIC = 'val_loss';
/** Characters of a checkpoint UUID shown in the table (the whole one in its tooltip). */
const SHORT_UUID = 8;

/**
 * One experiment: header, metadata, hyperparameters, its checkpoints by
 * epoch and batch with the top one marked, artifacts, and *Register as
 * version* on each checkpoint.
 */
export class ExperimentView extends Widget {
  /** @param _page - Whether this is the experiment's main-area page (no *Open in tab* then). */
  constructor(
    private readonly _client: ModelboxClient,
    private readonly _prompts: IUserPrompts,
    private readonly _page = false
  ) {
    super();
    this.addClass('jp-ModelboxDetail');
    this.addClass('jp-ModelboxExperimentView');
    if (_page) {
      this.addClass('jp-mod-page');
    }
  }

  /** Emitted with the experiment id when the user asks for the experiment's main-area page. */
  get pageRequested(): ISignal<this, string> {
    return this._pageRequested;
  }

  get experimentId(): string | null {
    return this._experimentId;
  }

  get experiment(): IExperiment | null {
    return this._experiment;
  }

  /** Emitted with a version the user registered from one of the checkpoints. */
  get versionRegistered(): ISignal<this, IModelVersion> {
    return this._versionRegistered;
  }

  /** Show an experiment (or reload the one shown when `experimentId` is omitted). */
  async load(experimentId: string | null = this._experimentId): Promise<void> {
    if (experimentId !== this._experimentId) {
      this._experiment = null;
      this._experimentId = experimentId;
      this._errors.replaceChildren();
      this.node.replaceChildren(h('p', { className: 'jp-ModelboxPanel-status' }, 'Loading experiment…'));
    }
    if (!experimentId) {
      return;
    }
    const call = ++this._calls;
    const limit = Math.max(CHECKPOINT_PAGE_SIZE, this._checkpoints.length);
    try {
      const [experiment, list, top, artifacts] = await Promise.all([
        this._client.getExperiment(experimentId),
        this._client.listCheckpoints(experimentId, 0, limit),
        // no checkpoint reports the metric: the server says why, shown in place of the top one
        this._client.topCheckpoint(experimentId).catch((error: unknown) => errorMessage(error)),
        this._client.listArtifacts(experimentId)
      ]);
      if (call !== this._calls || this.isDisposed) {
        return;
      }
      this._experiment = experiment;
      this._checkpoints = list.checkpoints;
      this._total = list.total;
      this._top = top;
      this._render(experiment, artifacts);
    } catch (error) {
      if (call === this._calls && !this.isDisposed) {
        this.node.replaceChildren(errorBox(error));
      }
    }
  }

  /** Whether events of the feed change what this view shows. */
  concerns(events: IEvent[]): boolean {
    const id = this._experimentId;
    return (
      id !== null &&
      events.some(
        e => e.kind === RESET_EVENT || (e.kind !== 'metrics.logged' && (eventExperiment(e) === id || e.object_id === id))
      )
    );
  }

  private async _showMore(): Promise<void> {
    const experiment = this._experiment;
    if (!experiment) {
      return;
    }
    const call = ++this._calls;
    try {
      const [list, artifacts] = await Promise.all([
        this._client.listCheckpoints(experiment.id, this._checkpoints.length, CHECKPOINT_PAGE_SIZE),
        this._client.listArtifacts(experiment.id)
      ]);
      if (call === this._calls && !this.isDisposed) {
        const known = new Set(this._checkpoints.map(c => c.uuid));
        this._checkpoints = [...this._checkpoints, ...list.checkpoints.filter(c => !known.has(c.uuid))];
        this._total = list.total;
        this._render(experiment, artifacts);
      }
    } catch (error) {
      if (call === this._calls && !this.isDisposed) {
        this._errors.replaceChildren(errorBox(error));
      }
    }
  }

  private _render(experiment: IExperiment, artifacts: IArtifact[]): void {
    this.node.replaceChildren(
      h(
        'div',
        { className: 'jp-ModelboxDetail-head' },
        h('h3', { className: 'jp-ModelboxDetail-title' }, experiment.name),
        h(
          'div',
          { className: 'jp-ModelboxDetail-subtitle jp-ModelboxExperimentView-subtitle' },
          [experiment.namespace, experiment.owner, experiment.framework].filter(Boolean).join(' · ')
        ),
        experiment.external_id
          ? h(
              'div',
              { className: 'jp-ModelboxDetail-subtitle jp-ModelboxExperimentView-external' },
              `external id ${experiment.external_id}`
            )
          : null,
        h(
          'div',
          { className: 'jp-ModelboxDetail-subtitle' },
          `created ${formatTime(experiment.created_at)}`
        ),
        idLine(experiment.id),
        this._page
          ? null
          : h(
              'div',
              { className: 'jp-ModelboxDetail-actions' },
              button('Open in tab', () => this._pageRequested.emit(experiment.id), {
                title: 'Open the experiment page in the main area, with every column of the checkpoints',
                className: 'jp-ModelboxExperimentView-openPage'
              })
            )
      ),
      this._errors,
      section(
        'Metadata',
        (this._metadata = metadataTableFor(this._metadata, {
          client: this._client,
          objectId: experiment.id,
          metadata: experiment.metadata,
          revision: experiment.revision,
          what: 'experiment',
          editable: true,
          onChanged: () => void this.load()
        })).node
      ),
      section('Hyperparameters', renderValues(experiment.hparams, 'No hyperparameters.', 'jp-ModelboxExperimentView-hparams')),
      section(
        `Checkpoints (${this._total})`,
        this._renderTop(experiment),
        this._renderCheckpoints(experiment),
        this._checkpoints.length < this._total
          ? button('Show more checkpoints', () => void this._showMore(), {
              className: 'jp-ModelboxCheckpoints-more',
              title: `Show the next ${CHECKPOINT_PAGE_SIZE} checkpoints`
            })
          : h('span')
      ),
      section('Artifacts', renderArtifactTable(this._client, artifacts))
    );
  }

  /** The top checkpoint by the ranking metric, or why there is none. */
  private _renderTop(experiment: IExperiment): HTMLElement {
    const { metric, smaller } = ranking(experiment);
    const rule = `${metric}, ${smaller ? 'smaller' : 'larger'} is better`;
    const top = this._top;
    if (top === null || typeof top === 'string') {
      return h(
        'p',
        { className: 'jp-ModelboxPanel-status jp-ModelboxCheckpoints-noTop' },
        top ?? `No checkpoint is ranked by ${rule}.`
      );
    }
    const value = metricValue(top, metric);
    return h(
      'div',
      { className: 'jp-ModelboxCheckpoints-top' },
      h('span', { className: 'jp-ModelboxCheckpoints-star', attrs: { 'aria-hidden': 'true' } }, '★ '),
      `Top by ${rule}: `,
      h('code', { className: 'jp-ModelboxCheckpoints-topUuid' }, top.uuid),
      ' ',
      copyButton(top.uuid, 'Copy UUID', 'jp-ModelboxCheckpoints-copyTop'),
      h(
        'div',
        { className: 'jp-ModelboxCheckpoints-topDetail' },
        [
          top.epoch !== null && top.epoch !== undefined ? `epoch ${top.epoch}` : null,
          top.batch_number !== null && top.batch_number !== undefined ? `batch ${top.batch_number}` : null,
          value === undefined ? null : `${metric} ${formatValue(value)}`
        ]
          .filter(Boolean)
          .join(' · ')
      )
    );
  }

  private _renderCheckpoints(experiment: IExperiment): HTMLElement {
    const checkpoints = this._checkpoints;
    if (checkpoints.length === 0) {
      return h(
        'p',
        { className: 'jp-ModelboxPanel-status' },
        'No checkpoints yet: experiment.new_checkpoint(epoch=..., metrics={...}) adds one.'
      );
    }
    const { metric } = ranking(experiment);
    const keys = metricKeys(checkpoints, metric);
    const topUuid = typeof this._top === 'object' && this._top ? this._top.uuid : null;
    const register = this._prompts.registerCheckpoint?.bind(this._prompts);
    const header = h(
      'tr',
      {},
      h('th', { className: 'jp-ModelboxCheckpoints-mark', attrs: { 'aria-label': 'Top' } }, ''),
      h('th', { className: 'jp-ModelboxCheckpoints-uuid' }, 'Checkpoint'),
      h('th', { className: 'jp-ModelboxCheckpoints-epoch' }, 'Epoch'),
      h('th', { className: 'jp-ModelboxCheckpoints-batch' }, 'Batch'),
      h('th', { className: 'jp-ModelboxCheckpoints-trial' }, 'Trial'),
      ...keys.map(key =>
        h(
          'th',
          { className: 'jp-ModelboxCheckpoints-metric' + (key === metric ? ' jp-mod-ranking' : ''), attrs: { title: key } },
          key
        )
      ),
      h('th', { className: 'jp-ModelboxCheckpoints-created' }, 'Created'),
      register ? h('th', { className: 'jp-ModelboxCheckpoints-action', attrs: { 'aria-label': 'Actions' } }, '') : null
    );
    const rows = checkpoints.map(checkpoint => {
      const top = checkpoint.uuid === topUuid;
      const row = h(
        'tr',
        { className: 'jp-ModelboxCheckpoints-row' + (top ? ' jp-mod-top' : '') },
        h(
          'td',
          {
            className: 'jp-ModelboxCheckpoints-mark',
            attrs: top ? { title: `Top checkpoint by ${metric}`, 'aria-label': `Top checkpoint by ${metric}` } : {}
          },
          top ? '★' : ''
        ),
        h(
          'td',
          { className: 'jp-ModelboxCheckpoints-uuid', attrs: { title: checkpoint.uuid } },
          h('code', {}, checkpoint.uuid.slice(0, SHORT_UUID))
        ),
        // data-label: the column's name, shown before the value where the sidebar drops the header
        h('td', { className: 'jp-ModelboxCheckpoints-epoch', attrs: { 'data-label': 'epoch' } }, numberText(checkpoint.epoch)),
        h(
          'td',
          { className: 'jp-ModelboxCheckpoints-batch', attrs: { 'data-label': 'batch' } },
          numberText(checkpoint.batch_number)
        ),
        h('td', { className: 'jp-ModelboxCheckpoints-trial', attrs: { 'data-label': 'trial' } }, numberText(checkpoint.trial_id)),
        ...keys.map(key => {
          const value = checkpoint.metrics[key];
          const text = value === undefined ? '' : formatMetric(value);
          return h(
            'td',
            {
              className: 'jp-ModelboxCheckpoints-metric' + (key === metric ? ' jp-mod-ranking' : ''),
              attrs: { title: value === undefined ? '' : formatValue(value), 'data-label': key }
            },
            text
          );
        }),
        h('td', { className: 'jp-ModelboxCheckpoints-created' }, formatTime(checkpoint.created_at)),
        register
          ? h(
              'td',
              { className: 'jp-ModelboxCheckpoints-action' },
              registerButton(() => void this._register(register, experiment, checkpoint), checkpoint)
            )
          : null
      );
      row.dataset.uuid = checkpoint.uuid;
      return row;
    });
    return h(
      'div',
      { className: 'jp-ModelboxCheckpoints-scroller' },
      h(
        'table',
        { className: 'jp-ModelboxTable jp-ModelboxCheckpoints' },
        h('thead', {}, header),
        h('tbody', {}, ...rows)
      )
    );
  }

  private async _register(
    register: NonNullable<IUserPrompts['registerCheckpoint']>,
    experiment: IExperiment,
    checkpoint: ICheckpoint
  ): Promise<void> {
    const version = await register(experiment, checkpoint);
    if (version && !this.isDisposed) {
      this._versionRegistered.emit(version);
    }
  }

  private readonly _versionRegistered = new Signal<this, IModelVersion>(this);
  private readonly _pageRequested = new Signal<this, string>(this);
  private readonly _errors = h('div', { className: 'jp-ModelboxDetail-errors' });
  private _experimentId: string | null = null;
  private _experiment: IExperiment | null = null;
  private _checkpoints: ICheckpoint[] = [];
  private _total = 0;
  /** The top checkpoint, or the server's reason there is none. */
  private _top: ICheckpoint | string | null = null;
  private _calls = 0;
  private _metadata: MetadataTable | null = null;
}

/**
 * The experiment an event concerns: experiment and checkpoint events carry
 * `experiment_id` beyond the fields every event has.
 */
export function eventExperiment(event: IEvent): string | null {
  const id = (event as { experiment_id?: unknown }).experiment_id;
  return typeof id === 'string' ? id : null;
}

/**
 * The metric the experiment's checkpoints rank by, and its direction (as the server's `top_checkpoint`).
 */
export function ranking(experiment: IExperiment): { metric: string; smaller: boolean } {
  return { metric: experiment.metric || DEFAULT_METRIC, smaller: experiment.smaller_is_better ?? true };
}

/**
 * The metric keys the checkpoints report, the ranking metric first, the others in the order first seen.
 */
export function metricKeys(checkpoints: ICheckpoint[], metric: string): string[] {
  const keys = new Set<string>();
  for (const checkpoint of checkpoints) {
    for (const key of Object.keys(checkpoint.metrics)) {
      keys.add(key);
    }
  }
  const rest = [...keys].filter(key => key !== metric);
  return keys.has(metric) ? [metric, ...rest] : rest;
}

/** A value of a (dotted) metric path of a checkpoint's metrics. */
function metricValue(checkpoint: ICheckpoint, metric: string): unknown {
  let value: unknown = checkpoint.metrics;
  for (const part of metric.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A metric as a short text: numbers to 4 significant digits, anything else as JSON. */
export function formatMetric(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)) {
    return String(Number(value.toPrecision(4)));
  }
  return formatValue(value);
}

/**
 * *Register as version*, labelled in full for assistive technology and
 * tooltips; the narrow sidebar shows only its first word (see the CSS).
 */
function registerButton(onClick: () => void, checkpoint: ICheckpoint): HTMLButtonElement {
  const register = button('', onClick, {
    className: 'jp-ModelboxCheckpoints-register',
    title: `Register checkpoint ${checkpoint.uuid} as a version of a model`
  });
  register.setAttribute('aria-label', 'Register as version');
  register.append(
    'Register',
    h('span', { className: 'jp-ModelboxCheckpoints-registerRest' }, '\u00a0as version')
  );
  return register;
}

function numberText(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : String(value);
}

/**
 * Key/value rows of a JSON object (read-only), or `empty`.
 */
function renderValues(values: object, empty: string, className: string): HTMLElement {
  const entries = Object.entries(values);
  if (entries.length === 0) {
    return h('p', { className: `jp-ModelboxPanel-status ${className}` }, empty);
  }
  return h(
    'table',
    { className: `jp-ModelboxTable ${className}` },
    h(
      'tbody',
      {},
      ...entries.map(([key, value]) =>
        h(
          'tr',
          {},
          h('td', { className: 'jp-ModelboxMetadata-key' }, key),
          h('td', { className: 'jp-ModelboxMetadata-value' }, formatValue(value))
        )
      )
    )
  );
}
