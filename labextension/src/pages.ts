// The main-area pages: one JupyterLab tab per model and per version, restored with the layout.

import type { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { MimeModel, type IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Toolbar } from '@jupyterlab/ui-components';
import type { Widget } from '@lumino/widgets';

import { DropHandler, type DropPayload, type IDropTarget } from './drop';
import { RESET_EVENT } from './events';
import { modelboxIcon } from './icons';
import type { INotebookOpener } from './lineage';
import type { RegistryModel } from './model';
import { ModelView } from './modelview';
import type { MarkdownRenderer } from './pageparts';
import type { IUserPrompts } from './prompts';
import type { IEvent, IModelVersion } from './tokens';
import { VersionView } from './versionview';

export namespace PageCommandIDs {
  export const openModel = 'modelbox:open-model-page';
  export const openVersion = 'modelbox:open-version-page';
}

/**
 * Opens, restores, retitles and closes the model and version pages, and
 * reloads them when the registry model announces changes that concern them.
 */
export class RegistryPages {
  constructor(private readonly _options: RegistryPages.IOptions) {
    _options.model.changed.connect((_, events) => this._apply(events));
    const { app } = _options;
    app.commands.addCommand(PageCommandIDs.openModel, {
      label: 'Open Model Page',
      describedBy: { args: { type: 'object', properties: { modelId: { type: 'string' } } } },
      execute: args => this.openModel(String(args.modelId))
    });
    app.commands.addCommand(PageCommandIDs.openVersion, {
      label: 'Open Version Page',
      describedBy: { args: { type: 'object', properties: { versionId: { type: 'string' } } } },
      execute: args => this.openVersion(String(args.versionId))
    });
    void _options.restorer?.restore(this.models, {
      command: PageCommandIDs.openModel,
      args: page => ({ modelId: page.content.modelId }),
      name: page => page.content.modelId ?? ''
    });
    void _options.restorer?.restore(this.versions, {
      command: PageCommandIDs.openVersion,
      args: page => ({ versionId: page.content.versionId }),
      name: page => page.content.versionId ?? ''
    });
  }

  readonly models = new WidgetTracker<MainAreaWidget<ModelView>>({ namespace: 'modelbox-model' });
  readonly versions = new WidgetTracker<MainAreaWidget<VersionView>>({ namespace: 'modelbox-version' });

  /** Show the model's page (opened once, then activated). */
  openModel(modelId: string): Promise<MainAreaWidget<ModelView>> {
    const open = this.models.find(page => page.content.modelId === modelId);
    if (open) {
      this._options.app.shell.activateById(open.id);
      return Promise.resolve(open);
    }
    return this._once(`model:${modelId}`, () => this._openModel(modelId));
  }

  /** Show the version's page (opened once, then activated). */
  openVersion(versionId: string): Promise<MainAreaWidget<VersionView>> {
    const open = this.versions.find(page => page.content.versionId === versionId);
    if (open) {
      this._options.app.shell.activateById(open.id);
      return Promise.resolve(open);
    }
    return this._once(`version:${versionId}`, () => this._openVersion(versionId));
  }

  /** One opening per object: a second click while its page is being made waits for that page. */
  private _once<T>(key: string, open: () => Promise<T>): Promise<T> {
    const pending = this._opening.get(key) as Promise<T> | undefined;
    if (pending) {
      return pending;
    }
    const opening = open().finally(() => this._opening.delete(key));
    this._opening.set(key, opening);
    return opening;
  }

  private async _openModel(modelId: string): Promise<MainAreaWidget<ModelView>> {
    const { model, prompts } = this._options;
    const view = new ModelView(model.client, prompts, { markdown: this._options.markdown ?? undefined });
    const page = this._page(view, `modelbox-model-${modelId}`);
    view.versionOpened.connect((_, version) => void this.openVersion(version.id));
    view.compareRequested.connect((_, versions) => this._options.compare(versions));
    view.modelDeleted.connect(() => page.dispose());
    const loading = view.load(modelId); // sets the id the tracker saves at once
    await this.models.add(page);
    this._options.app.shell.add(page, 'main');
    await loading;
    page.title.label = view.model?.name ?? modelId;
    return page;
  }

  private async _openVersion(versionId: string): Promise<MainAreaWidget<VersionView>> {
    const { model, prompts, notebooks } = this._options;
    const view = new VersionView(model.client, prompts, notebooks, true);
    const page = this._page(view, `modelbox-version-${versionId}`);
    view.versionDeleted.connect(() => page.dispose());
    view.experimentOpened.connect((_, experimentId) => this._options.openExperiment?.(experimentId));
    const version = await model.client.getVersion(versionId);
    const siblings = await model.client
      .listVersions(version.model_id)
      .then(list => list.versions)
      .catch(() => []);
    const loading = view.load(version, siblings); // sets the id the tracker saves at once
    await this.versions.add(page);
    this._options.app.shell.add(page, 'main');
    await loading;
    this._retitle(page);
    return page;
  }

  private readonly _opening = new Map<string, Promise<unknown>>();

  private _page<T extends Widget>(view: T, id: string): MainAreaWidget<T> {
    // A plain toolbar: the default ReactiveToolbar, shown and disposed at once (a model's page and its
    // versions' closing together), calls its disposed throttler and throws in the page.
    const page = new MainAreaWidget<T>({ content: view, toolbar: new Toolbar() });
    page.id = id;
    page.addClass('jp-ModelboxPage');
    page.title.icon = modelboxIcon;
    page.title.label = 'Loading…';
    page.title.closable = true;
    const drops = this._options.drop;
    if (drops) {
      const handler = new DropHandler(page.node, drops);
      handler.attach();
      page.disposed.connect(() => handler.detach());
    }
    return page;
  }

  private _retitle(page: MainAreaWidget<VersionView>): void {
    const { version, model } = page.content;
    if (version) {
      page.title.label = `${model?.name ?? 'version'} v${version.number}`;
      page.title.caption = `Version ${version.number} of ${model?.name ?? version.model_id}`;
    }
  }

  /** Reload, retitle or close the pages the events concern. */
  private _apply(events: IEvent[]): void {
    const reset = events.some(e => e.kind === RESET_EVENT);
    this.models.forEach(page => {
      const id = page.content.modelId;
      const mine = events.filter(e => reset || e.model_id === id);
      if (mine.some(e => e.kind === 'model.deleted')) {
        page.dispose();
      } else if (mine.some(e => e.kind !== 'metrics.logged')) {
        void page.content.load().then(() => (page.title.label = page.content.model?.name ?? page.title.label));
      }
    });
    this.versions.forEach(page => {
      const id = page.content.versionId;
      const modelId = page.content.version?.model_id;
      const mine = events.filter(e => reset || e.version_id === id || e.object_id === id);
      if (
        mine.some(e => e.kind === 'version.deleted') ||
        events.some(e => e.kind === 'model.deleted' && e.model_id === modelId)
      ) {
        page.dispose();
        return;
      }
      if (mine.some(e => e.kind === 'metrics.logged')) {
        page.content.reloadMetrics();
      }
      const renamed = events.some(e => e.model_id === modelId && e.kind === 'model.updated');
      if (renamed || mine.some(e => e.kind !== 'metrics.logged')) {
        void page.content.load().then(() => this._retitle(page));
      }
    });
  }
}

export namespace RegistryPages {
  export interface IOptions {
    app: JupyterFrontEnd;
    model: RegistryModel;
    prompts: IUserPrompts;
    notebooks: INotebookOpener | null;
    restorer: ILayoutRestorer | null;
    markdown: MarkdownRenderer | null;
    /** Show versions side by side (the side panel's compare view). */
    compare: (versions: IModelVersion[]) => void;
    /** Show an experiment (the side panel's experiment view). */
    openExperiment?: (experimentId: string) => void;
    /** Files dropped on a page's model or version (their transfers show in the side panel). */
    drop?: (target: IDropTarget, payload: DropPayload) => void;
  }
}

/**
 * Markdown rendered by JupyterLab's rendermime, untrusted: its sanitizer
 * removes scripts, event handlers and anything else unsafe.
 */
export function markdownRenderer(rendermime: IRenderMimeRegistry): MarkdownRenderer {
  return async text => {
    const renderer = rendermime.createRenderer('text/markdown');
    await renderer.renderModel(new MimeModel({ data: { 'text/markdown': text }, trusted: false }));
    return renderer.node;
  };
}
