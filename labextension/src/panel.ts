import type { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';

import type { ModelboxClient } from './api';
import { CompareView } from './compareview';
import { button, h } from './dom';
import { DropHandler } from './drop';
import { type EventPoller, RESET_EVENT } from './events';
import { ExperimentList, ListSwitch } from './experimentlist';
import { ExperimentView, eventExperiment } from './experimentview';
import type { INotebookOpener } from './lineage';
import { RegistryModel } from './model';
import { ModelList } from './modellist';
import { ModelView } from './modelview';
import type { IUserPrompts } from './prompts';
import type { IEvent, IModelVersion } from './tokens';
import { TransferList } from './transfers';
import { VersionView } from './versionview';

/**
 * The model registry side panel: the model list, a model, or a version,
 * with a breadcrumb to go back, transfers at the bottom, and live updates
 * from the registry's event feed.
 *
 * Everything the server sends is put into the DOM as text, never parsed as HTML.
 */
export class ModelboxPanel extends Panel {
  constructor(options: ModelboxPanel.IOptions) {
    super();
    this.addClass('jp-ModelboxPanel');
    this._ownsModel = !options.model;
    this._model = options.model ?? new RegistryModel({ client: options.client, pollOptions: options.pollOptions });
    // every view reads through the model's shared state
    this._client = this._model.client;
    this._prompts = options.prompts;
    this.transfers = options.transfers ?? new TransferList(this._client);
    this.list = new ModelList(this._client);
    this.modelView = new ModelView(this._client, this._prompts);
    this.versionView = new VersionView(this._client, this._prompts, options.notebooks ?? null);
    this.compareView = new CompareView(this._client);
    this.experimentList = new ExperimentList(this._client);
    this.experimentView = new ExperimentView(this._client, this._prompts);
    this._pages = options.pages ?? null;

    const header = new Widget({ node: this._renderHeader() });
    header.addClass('jp-ModelboxPanel-headerWidget');
    this.addWidget(header);
    for (const view of this._views()) {
      view.addClass('jp-ModelboxPanel-view');
      this.addWidget(view);
    }
    this.addWidget(this.transfers);
    this.modelView.hide();
    this.versionView.hide();
    this.compareView.hide();
    this.experimentList.hide();
    this.experimentView.hide();
    this._renderCrumbs();

    this.list.modelOpened.connect((_, id) => void this.openModel(id));
    this.modelView.versionOpened.connect((_, version) => void this.openVersion(version));
    this.modelView.compareRequested.connect((_, versions) => void this.compareVersions(versions));
    this.modelView.modelDeleted.connect(() => this.showList());
    this.versionView.versionDeleted.connect((_, modelId) => void this.openModel(modelId));
    this.transfers.artifactsAdded.connect((_, objectId) => this._objectChanged(objectId));
    this.experimentList.experimentOpened.connect((_, id) => void this.openExperiment(id));
    this.experimentView.versionRegistered.connect((_, version) => void this.openVersion(version));
    this.versionView.experimentOpened.connect((_, id) => void this.openExperiment(id));
    this._model.changed.connect((_, events) => this._applyEvents(events));
    this._dropHandler = new DropHandler(this.node, (target, payload) => {
      void this.transfers.add(target.objectId, target.label, payload);
    });
  }

  readonly list: ModelList;
  readonly modelView: ModelView;
  readonly versionView: VersionView;
  readonly compareView: CompareView;
  readonly experimentList: ExperimentList;
  readonly experimentView: ExperimentView;
  readonly transfers: TransferList;

  /** The poller of the event feed (stopped when the panel is disposed). */
  get poller(): EventPoller {
    return this._model.poller;
  }

  /** Reload whatever view is shown, from the server (nothing the views share is kept). */
  async refresh(): Promise<void> {
    this._model.cache.clear();
    if (!this.experimentView.isHidden) {
      await this.experimentView.load();
    } else if (!this.experimentList.isHidden) {
      await this.experimentList.refresh();
    } else if (!this.compareView.isHidden) {
      await this.compareView.load();
    } else if (!this.versionView.isHidden) {
      await this.versionView.load();
    } else if (!this.modelView.isHidden) {
      await this.modelView.load();
    } else {
      await this.list.refresh();
    }
  }

  showList(): void {
    this._show(this.list);
    this._renderCrumbs();
    void this.list.refresh();
  }

  /** Show the list of experiments. */
  showExperiments(): void {
    this._show(this.experimentList);
    this._renderCrumbs();
  }

  /** Show an experiment and its checkpoints. */
  async openExperiment(experimentId: string): Promise<void> {
    this._show(this.experimentView);
    this._renderCrumbs();
    await this.experimentView.load(experimentId);
    this._renderCrumbs();
  }

  /** Open the model: its main-area page when the panel has pages, else in the panel. */
  async openModel(modelId: string): Promise<void> {
    if (this._pages) {
      await this._pages.openModel(modelId);
      return;
    }
    this._show(this.modelView);
    this._renderCrumbs();
    await this.modelView.load(modelId);
    this._renderCrumbs();
  }

  /** Open the version: its main-area page when the panel has pages, else in the panel. */
  async openVersion(version: IModelVersion): Promise<void> {
    if (this._pages) {
      await this._pages.openVersion(version.id);
      return;
    }
    if (this.modelView.modelId !== version.model_id) {
      await this.modelView.load(version.model_id);
    }
    const siblings = await this._client
      .listVersions(version.model_id)
      .then(list => list.versions)
      .catch(() => []);
    this._show(this.versionView);
    this._renderCrumbs(version);
    await this.versionView.load(version, siblings);
  }

  /** Show versions (of one model) side by side. */
  async compareVersions(versions: IModelVersion[]): Promise<void> {
    if (versions.length === 0) {
      return;
    }
    if (this.modelView.modelId !== versions[0].model_id) {
      await this.modelView.load(versions[0].model_id);
    }
    this._show(this.compareView);
    const loading = this.compareView.load(versions); // takes the versions at once
    this._renderCrumbs();
    await loading;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    if (this._ownsModel) {
      this._model.dispose();
    }
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._dropHandler.attach();
    this._model.start();
  }

  protected onBeforeDetach(msg: Message): void {
    this._dropHandler.detach();
    super.onBeforeDetach(msg);
  }

  private _renderHeader(): HTMLElement {
    return h(
      'div',
      { className: 'jp-ModelboxPanel-header' },
      h('h2', { className: 'jp-ModelboxPanel-title' }, 'Model registry'),
      this._switch.node,
      this._crumbs,
      h(
        'div',
        { className: 'jp-ModelboxPanel-buttons' },
        this._newModel,
        button('Refresh', () => void this.refresh(), {
          title: 'Reload from the registry',
          className: 'jp-ModelboxPanel-refresh'
        })
      )
    );
  }

  private _renderCrumbs(version?: IModelVersion): void {
    if (this._switch.current === 'experiments') {
      this._crumbs.replaceChildren(...this._experimentCrumbs());
      return;
    }
    const crumbs: (HTMLElement | string)[] = [
      h('a', { className: 'jp-ModelboxCrumb', attrs: { href: '#' }, on: { click: e => this._go(e, () => this.showList()) } }, 'Models')
    ];
    const model = this.modelView.model;
    if (!this.modelView.isHidden || !this.versionView.isHidden || !this.compareView.isHidden) {
      const modelId = this.modelView.modelId;
      crumbs.push(
        ' › ',
        h(
          'a',
          {
            className: 'jp-ModelboxCrumb',
            attrs: { href: '#' },
            on: { click: e => this._go(e, () => modelId && void this.openModel(modelId)) }
          },
          model?.name ?? '…'
        )
      );
    }
    if (!this.versionView.isHidden && version) {
      crumbs.push(' › ', h('span', { className: 'jp-ModelboxCrumb' }, `v${version.number}`));
    }
    if (!this.compareView.isHidden) {
      const numbers = this.compareView.versions.map(v => `v${v.number}`).join(', ');
      crumbs.push(' › ', h('span', { className: 'jp-ModelboxCrumb' }, `compare ${numbers}`));
    }
    this._crumbs.replaceChildren(...crumbs);
  }

  private _experimentCrumbs(): (HTMLElement | string)[] {
    const root = h(
      'a',
      {
        className: 'jp-ModelboxCrumb',
        attrs: { href: '#' },
        on: { click: e => this._go(e, () => this.showExperiments()) }
      },
      'Experiments'
    );
    if (this.experimentView.isHidden) {
      return [root];
    }
    return [root, ' › ', h('span', { className: 'jp-ModelboxCrumb' }, this.experimentView.experiment?.name ?? '…')];
  }

  private _go(event: Event, action: () => void): void {
    event.preventDefault();
    action();
  }

  private _show(view: Widget): void {
    for (const candidate of this._views()) {
      candidate.setHidden(candidate !== view);
    }
    const experiments = view === this.experimentList || view === this.experimentView;
    this._switch.show(experiments ? 'experiments' : 'models');
    // experiments are made by training code, not here
    this._newModel.hidden = experiments;
  }

  private _views(): Widget[] {
    return [this.list, this.modelView, this.versionView, this.compareView, this.experimentList, this.experimentView];
  }

  private async _createModel(): Promise<void> {
    const model = await this._prompts.createModel();
    if (model) {
      await this.openModel(model.id);
    }
  }

  /** Reload the views that the gathered events concern. */
  private _applyEvents(events: IEvent[]): void {
    if (this.isDisposed || events.length === 0) {
      return;
    }
    const reset = events.some(e => e.kind === RESET_EVENT);
    if (reset || events.some(e => e.kind !== 'metrics.logged')) {
      void this.list.refresh();
    }
    if (!this.experimentList.isHidden && (reset || events.some(e => eventExperiment(e) !== null))) {
      void this.experimentList.refresh();
    }
    if (!this.experimentView.isHidden && this.experimentView.concerns(events)) {
      void this.experimentView.load().then(() => this._renderCrumbs());
    }
    const modelId = this.modelView.modelId;
    if (!this.modelView.isHidden && modelId) {
      if (events.some(e => e.kind === 'model.deleted' && e.model_id === modelId)) {
        this.showList();
      } else if (reset || events.some(e => e.model_id === modelId && e.kind !== 'metrics.logged')) {
        void this.modelView.load();
      }
    }
    const versionId = this.versionView.versionId;
    if (!this.versionView.isHidden && versionId) {
      const mine = events.filter(e => reset || e.version_id === versionId || e.object_id === versionId);
      if (mine.some(e => e.kind === 'version.deleted')) {
        void this.openModel(this.versionView.version?.model_id ?? '');
      } else if (mine.some(e => e.kind === 'metrics.logged')) {
        this.versionView.reloadMetrics();
      }
      if (mine.some(e => e.kind !== 'metrics.logged' && e.kind !== 'version.deleted')) {
        void this.versionView.load();
      }
    }
    if (!this.compareView.isHidden) {
      const compared = new Set(this.compareView.versions.map(v => v.id));
      const mine = events.filter(e => reset || compared.has(e.version_id ?? '') || compared.has(e.object_id ?? ''));
      if (mine.some(e => e.kind === 'version.deleted')) {
        void this.openModel(this.compareView.versions[0]?.model_id ?? '');
      } else if (mine.length) {
        void this.compareView.load();
      }
    }
  }

  private _objectChanged(objectId: string): void {
    if (objectId === this.versionView.versionId && !this.versionView.isHidden) {
      void this.versionView.load();
    } else if (!this.modelView.isHidden) {
      void this.modelView.load();
    }
  }

  private readonly _client: ModelboxClient;
  private readonly _prompts: IUserPrompts;
  private readonly _model: RegistryModel;
  private readonly _pages: ModelboxPanel.IPageOpener | null;
  private readonly _ownsModel: boolean;
  private readonly _dropHandler: DropHandler;
  private readonly _switch = new ListSwitch(kind => (kind === 'models' ? this.showList() : this.showExperiments()));
  private readonly _newModel = button('New model', () => void this._createModel(), {
    title: 'Create a model',
    className: 'jp-ModelboxPanel-newModel'
  });
  private readonly _crumbs = h('nav', { className: 'jp-ModelboxPanel-crumbs', attrs: { 'aria-label': 'Location' } });
}

export namespace ModelboxPanel {
  /** Opens the main-area page of a model or a version. */
  export interface IPageOpener {
    openModel(modelId: string): Promise<unknown>;
    openVersion(versionId: string): Promise<unknown>;
  }

  export interface IOptions {
    /**
     * Where models and versions open (the main-area pages): the panel then
     * stays for browsing. Without it they open in the panel.
     */
    pages?: IPageOpener;
    /** Calls of the registry's REST API. */
    client: ModelboxClient;
    /** The dialogs to open (JupyterLab's, or fakes in tests). */
    prompts: IUserPrompts;
    /** Where dropped files show their progress; one is made if not given. */
    transfers?: TransferList;
    /** The registry state shared with the main-area pages; one is made (and owned) if not given. */
    model?: RegistryModel;
    /** Timing of the event feed of the model made when none is given. */
    pollOptions?: EventPoller.IOptions;
    /** Opens the notebook a version's lineage names; no "Open notebook" button without it. */
    notebooks?: INotebookOpener;
  }
}
