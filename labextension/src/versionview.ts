import { type ISignal, Signal } from '@lumino/signaling';
import { Panel, Widget } from '@lumino/widgets';

import type { ModelboxClient } from './api';
import { renderArtifactTable } from './artifacts';
import { MetricChart } from './chart';
import { button, errorBox, formatTime, formatValue, h } from './dom';
import { makeDropTarget } from './drop';
import { type INotebookOpener, renderLineage } from './lineage';
import { sendEdit } from './edits';
import { type MetadataTable, metadataTableFor } from './metadata';
import { section } from './modelview';
import type { IUserPrompts } from './prompts';
import { idLine, notebookSnippet, snippetBlock } from './pageparts';
import type { IArtifact, ICheckpoint, IExperiment, IModel, IModelVersion } from './tokens';

/**
 * One version: details, metadata, lineage, checkpoint, artifacts and the
 * metric chart. The whole view takes dropped files for the version.
 */
export class VersionView extends Panel {
  /** @param _page - Whether this is the version's main-area page (with its id and a notebook snippet). */
  constructor(
    private readonly _client: ModelboxClient,
    private readonly _prompts: IUserPrompts,
    private readonly _opener: INotebookOpener | null = null,
    private readonly _page = false
  ) {
    super();
    this.addClass('jp-ModelboxDetail');
    this.addClass('jp-ModelboxVersionView');
    if (_page) {
      this.addClass('jp-mod-page');
    }
    this.addWidget(this._details);
  }

  get versionId(): string | null {
    return this._version?.id ?? null;
  }

  get version(): IModelVersion | null {
    return this._version;
  }

  /** The version's model, on a page (once loaded). */
  get model(): IModel | null {
    return this._model;
  }

  /** Emitted with the version id when the user asks for the version's main-area page. */
  get pageRequested(): ISignal<this, string> {
    return this._pageRequested;
  }

  /** Emitted with the experiment id when the user follows the link to the checkpoint's experiment. */
  get experimentOpened(): ISignal<this, string> {
    return this._experimentOpened;
  }

  /** Emitted with the model id after the version was deleted. */
  get versionDeleted(): ISignal<this, string> {
    return this._versionDeleted;
  }

  /**
   * Show a version; `siblings` are the model's other versions, offered as
   * chart overlays. Without arguments, reload the version shown.
   */
  async load(version?: IModelVersion, siblings?: IModelVersion[]): Promise<void> {
    const changed = version !== undefined && version.id !== this._version?.id;
    if (version) {
      this._version = version;
    }
    if (siblings) {
      this._siblings = siblings.filter(v => v.id !== this._version?.id);
    }
    const current = this._version;
    if (!current) {
      return;
    }
    if (changed) {
      this._details.node.replaceChildren(h('p', { className: 'jp-ModelboxPanel-status' }, 'Loading version…'));
      this._chart?.dispose();
      this._chart = null;
    }
    const call = ++this._calls;
    try {
      const [fresh, artifacts, model] = await Promise.all([
        this._client.getVersion(current.id),
        this._client.listArtifacts(current.id),
        this._page ? this._client.getModel(current.model_id).catch(() => null) : Promise.resolve(null)
      ]);
      const checkpoint = fresh.checkpoint_uuid
        ? await this._client.getCheckpoint(fresh.checkpoint_uuid).catch(() => null)
        : null;
      const experiment = checkpoint?.experiment_id
        ? await this._client.getExperiment(checkpoint.experiment_id).catch(() => null)
        : null;
      if (call !== this._calls || this.isDisposed) {
        return;
      }
      this._version = fresh;
      this._model = model ?? this._model;
      this._render(fresh, artifacts, checkpoint, experiment);
      if (!this._chart) {
        this._chart = new MetricChart(this._client, fresh, this._siblings);
        this.addWidget(this._chart);
        void this._chart.load();
      }
    } catch (error) {
      if (call === this._calls && !this.isDisposed) {
        this._details.node.replaceChildren(errorBox(error));
      }
    }
  }

  /** Redraw the chart with new points (and keys). */
  reloadMetrics(): void {
    void this._chart?.load();
  }

  private _render(
    version: IModelVersion,
    artifacts: IArtifact[],
    checkpoint: ICheckpoint | null,
    experiment: IExperiment | null
  ): void {
    makeDropTarget(this.node, version.id, `version ${version.number}`);
    const label = version.version || version.name;
    this._details.node.replaceChildren(
      h(
        'div',
        { className: 'jp-ModelboxDetail-head' },
        h('h3', { className: 'jp-ModelboxDetail-title' }, `Version ${version.number}`, label ? ` · ${label}` : ''),
        h(
          'div',
          { className: 'jp-ModelboxDetail-subtitle' },
          [version.framework, version.owner, formatTime(version.created_at)].filter(Boolean).join(' · ')
        ),
        this._page && this._model
          ? h('div', { className: 'jp-ModelboxDetail-subtitle' }, `${this._model.name} · ${this._model.namespace}`)
          : null,
        this._page ? idLine(version.id) : null,
        h(
          'div',
          { className: 'jp-ModelboxDetail-tags' },
          ...version.tags.map(tag => h('span', { className: 'jp-ModelboxTag' }, tag))
        ),
        h(
          'div',
          { className: 'jp-ModelboxDetail-actions' },
          button('Delete version', () => void this._delete(version), {
            warn: true,
            className: 'jp-ModelboxVersionView-delete'
          }),
          this._page
            ? null
            : button('Open in tab', () => this._pageRequested.emit(version.id), {
                title: 'Open the version page in the main area',
                className: 'jp-ModelboxVersionView-openPage'
              })
        )
      ),
      this._errors,
      this._page && this._model
        ? section('Use in a notebook', snippetBlock(notebookSnippet(this._model, version.number)))
        : h('span'),
      version.description
        ? section('Description', h('p', { className: 'jp-ModelboxDescription-text' }, version.description))
        : h('span'),
      section(
        'Metadata',
        (this._metadata = metadataTableFor(this._metadata, {
          client: this._client,
          objectId: version.id,
          metadata: version.metadata,
          revision: version.revision,
          what: 'version',
          editable: true,
          onChanged: () => void this.load()
        })).node
      ),
      renderLineageSection(version, checkpoint, this._opener),
      section(
        'Checkpoint',
        renderCheckpoint(version, checkpoint, experiment, id => this._experimentOpened.emit(id))
      ),
      section(
        'Artifacts',
        renderArtifactTable(this._client, artifacts, {
          prompts: this._prompts,
          errors: this._errors,
          deleted: () => void this.load()
        })
      ),
      h('h4', { className: 'jp-ModelboxSection-title' }, 'Metrics')
    );
  }

  private async _delete(version: IModelVersion): Promise<void> {
    const confirmed = await this._prompts.confirm({
      title: 'Delete version?',
      body: `Delete version ${version.number} with its metadata, metrics and artifacts? Its number is never reused.`,
      accept: 'Delete',
      danger: true
    });
    if (!confirmed) {
      return;
    }
    await sendEdit({
      slot: this._errors,
      what: 'version',
      revision: version.revision,
      send: revision => this._client.deleteVersion(version.id, revision),
      done: () => this._versionDeleted.emit(version.model_id),
      reload: () => void this.load()
    });
  }

  private readonly _details = new Widget();
  private readonly _errors = h('div', { className: 'jp-ModelboxDetail-errors' });
  private readonly _versionDeleted = new Signal<this, string>(this);
  private readonly _pageRequested = new Signal<this, string>(this);
  private readonly _experimentOpened = new Signal<this, string>(this);
  private _version: IModelVersion | null = null;
  private _model: IModel | null = null;
  private _siblings: IModelVersion[] = [];
  private _chart: MetricChart | null = null;
  private _calls = 0;
  private _metadata: MetadataTable | null = null;
}

/**
 * Where the version came from: its own lineage, else its checkpoint's; a
 * placeholder (no section) when neither has one.
 */
function renderLineageSection(
  version: IModelVersion,
  checkpoint: ICheckpoint | null,
  opener: INotebookOpener | null
): HTMLElement {
  const own = hasKeys(version.lineage);
  const lineage = own ? version.lineage : checkpoint?.lineage;
  if (!hasKeys(lineage)) {
    return h('span');
  }
  const content = renderLineage(lineage, opener);
  content.classList.add(own ? 'jp-mod-version' : 'jp-mod-checkpoint');
  return section(own ? 'Lineage' : 'Lineage (of the checkpoint)', content);
}

function hasKeys(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

function renderCheckpoint(
  version: IModelVersion,
  checkpoint: ICheckpoint | null,
  experiment: IExperiment | null,
  openExperiment: (experimentId: string) => void
): HTMLElement {
  if (!version.checkpoint_uuid) {
    return h('p', { className: 'jp-ModelboxPanel-status' }, 'Not registered from a checkpoint.');
  }
  const rows: [string, string | HTMLElement][] = [['UUID', version.checkpoint_uuid]];
  const experimentId = checkpoint?.experiment_id;
  if (experimentId) {
    rows.push([
      'Experiment',
      h(
        'a',
        {
          className: 'jp-ModelboxVersionView-experiment',
          attrs: { href: '#', title: 'Show the experiment and its checkpoints' },
          on: {
            click: event => {
              event.preventDefault();
              openExperiment(experimentId);
            }
          }
        },
        experiment?.name ?? experimentId
      )
    ]);
    for (const [key, value] of [
      ['Epoch', checkpoint.epoch],
      ['Batch', checkpoint.batch_number],
      ['Trial', checkpoint.trial_id]
    ] as const) {
      if (value !== null && value !== undefined) {
        rows.push([key, String(value)]);
      }
    }
  }
  if (checkpoint) {
    rows.push(
      ['Framework', checkpoint.framework ?? '—'],
      ['Format', checkpoint.format ?? '—'],
      ['Created', formatTime(checkpoint.created_at)],
      ...Object.entries(checkpoint.metrics).map(([key, value]): [string, string] => [
        `metric ${key}`,
        formatValue(value)
      ]),
      ...Object.entries(checkpoint.metadata).map(([key, value]): [string, string] => [key, formatValue(value)])
    );
  } else {
    rows.push(['', 'The checkpoint could not be read.']);
  }
  return h(
    'table',
    { className: 'jp-ModelboxTable jp-ModelboxCheckpoint' },
    h(
      'tbody',
      {},
      ...rows.map(([key, value]) =>
        h('tr', {}, h('td', { className: 'jp-ModelboxMetadata-key' }, key), h('td', {}, value))
      )
    )
  );
}
