// The experiment pages in the main area: one JupyterLab tab per experiment, restored with the layout.

import type { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';

import { ExperimentView } from './experimentview';
import { modelboxIcon } from './icons';
import type { RegistryModel } from './model';
import type { IUserPrompts } from './prompts';
import type { IEvent, IModelVersion } from './tokens';

export const OPEN_EXPERIMENT_PAGE = 'modelbox:open-experiment-page';

/**
 * Opens, restores and reloads the experiment pages (the side panel's
 * experiment view, as wide as the main area).
 */
export class ExperimentPages {
  constructor(private readonly _options: ExperimentPages.IOptions) {
    _options.model.changed.connect((_, events) => this._apply(events));
    _options.app.commands.addCommand(OPEN_EXPERIMENT_PAGE, {
      label: 'Open Experiment Page',
      describedBy: { args: { type: 'object', properties: { experimentId: { type: 'string' } } } },
      execute: args => this.open(String(args.experimentId))
    });
    void _options.restorer?.restore(this.tracker, {
      command: OPEN_EXPERIMENT_PAGE,
      args: page => ({ experimentId: page.content.experimentId }),
      name: page => page.content.experimentId ?? ''
    });
  }

  readonly tracker = new WidgetTracker<MainAreaWidget<ExperimentView>>({ namespace: 'modelbox-experiment' });

  /** Show the experiment's page (opened once, then activated). */
  async open(experimentId: string): Promise<MainAreaWidget<ExperimentView>> {
    const open = this.tracker.find(page => page.content.experimentId === experimentId);
    if (open) {
      this._options.app.shell.activateById(open.id);
      return open;
    }
    const view = new ExperimentView(this._options.model.client, this._options.prompts, true);
    view.versionRegistered.connect((_, version) => this._options.versionRegistered(version));
    const page = new MainAreaWidget<ExperimentView>({ content: view });
    page.id = `modelbox-experiment-${experimentId}`;
    page.addClass('jp-ModelboxPage');
    page.title.icon = modelboxIcon;
    page.title.label = 'Loading…';
    page.title.closable = true;
    const loading = view.load(experimentId); // sets the id the tracker saves at once
    await this.tracker.add(page);
    this._options.app.shell.add(page, 'main');
    await loading;
    this._retitle(page);
    return page;
  }

  private _retitle(page: MainAreaWidget<ExperimentView>): void {
    const experiment = page.content.experiment;
    if (experiment) {
      page.title.label = experiment.name;
      page.title.caption = `Experiment ${experiment.name} (${experiment.namespace})`;
    }
  }

  private _apply(events: IEvent[]): void {
    this.tracker.forEach(page => {
      if (page.content.concerns(events)) {
        void page.content.load().then(() => this._retitle(page));
      }
    });
  }
}

export namespace ExperimentPages {
  export interface IOptions {
    app: JupyterFrontEnd;
    model: RegistryModel;
    prompts: IUserPrompts;
    restorer: ILayoutRestorer | null;
    /** Show a version registered from one of the checkpoints. */
    versionRegistered: (version: IModelVersion) => void;
  }
}
