import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { ModelboxClient } from './api';
import { LabPrompts } from './dialogs';
import { ExperimentPages } from './experimentpages';
import type { INotebookOpener } from './lineage';
import { modelboxIcon } from './icons';
import { RegistryModel } from './model';
import { RegistryPages, markdownRenderer } from './pages';
import { ModelboxPanel } from './panel';
import { IRegistryModel } from './tokens';
import { TransferList } from './transfers';

const PANEL_ID = 'jp-modelbox-panel';
const CATEGORY = 'Model Registry';

namespace CommandIDs {
  export const openPanel = 'modelbox:open-panel';
  export const createModel = 'modelbox:create-model';
  export const registerVersion = 'modelbox:register-version';
  export const uploadFromFileBrowser = 'modelbox:upload-from-file-browser';
}

/**
 * Adds the model registry side panel to the left area, the model and version
 * pages to the main area, its commands to the palette, and "Upload to model
 * registry…" to the file browser's context menu. Provides the registry model
 * the panel and the pages share.
 */
const plugin: JupyterFrontEndPlugin<IRegistryModel> = {
  id: 'jupyter-modelbox:plugin',
  description: 'A side panel and main-area pages to browse and change the modelbox model registry.',
  autoStart: true,
  provides: IRegistryModel,
  optional: [ILayoutRestorer, ICommandPalette, IDefaultFileBrowser, IRenderMimeRegistry],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    fileBrowser: IDefaultFileBrowser | null,
    rendermime: IRenderMimeRegistry | null
  ): IRegistryModel => {
    const model = new RegistryModel({ client: new ModelboxClient(app.serviceManager.serverSettings) });
    // one client for every view, dialog and transfer: its writes make the shared state read afresh
    const client = model.client;
    const transfers = new TransferList(client);
    const prompts = new LabPrompts(client, transfers);
    const notebooks: INotebookOpener = {
      exists: path =>
        app.serviceManager.contents.get(path, { content: false }).then(
          () => true,
          () => false
        ),
      open: async path => {
        await app.commands.execute('docmanager:open', { path });
      }
    };
    const pages = new RegistryPages({
      app,
      model,
      prompts,
      notebooks,
      restorer,
      markdown: rendermime ? markdownRenderer(rendermime) : null,
      compare: versions => {
        app.shell.activateById(PANEL_ID);
        void panel.compareVersions(versions);
      },
      openExperiment: experimentId => void experimentPages.open(experimentId),
      drop: (target, payload) => void transfers.add(target.objectId, target.label, payload)
    });
    const experimentPages = new ExperimentPages({
      app,
      model,
      prompts,
      restorer,
      versionRegistered: version => void pages.openVersion(version.id)
    });
    // Models and versions open as main-area pages; the panel stays for browsing
    const panel = new ModelboxPanel({ client, prompts, transfers, notebooks, model, pages });
    panel.id = PANEL_ID;
    panel.title.icon = modelboxIcon;
    panel.title.caption = 'Model registry';
    panel.experimentView.pageRequested.connect((_, id) => void experimentPages.open(id));

    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, PANEL_ID);
    model.start();

    const { commands } = app;
    commands.addCommand(CommandIDs.openPanel, {
      label: 'Open Model Registry',
      caption: 'Show the model registry side panel',
      icon: modelboxIcon,
      execute: () => app.shell.activateById(PANEL_ID)
    });
    commands.addCommand(CommandIDs.createModel, {
      label: 'Create Model…',
      caption: 'Create a model in the registry',
      execute: async () => {
        const model = await prompts.createModel();
        if (model) {
          app.shell.activateById(PANEL_ID);
          await panel.openModel(model.id);
        }
      }
    });
    commands.addCommand(CommandIDs.registerVersion, {
      label: 'Register Model Version…',
      caption: 'Register a new version of a model (from a checkpoint or files)',
      execute: async () => {
        const shown = pages.models.currentWidget?.content.model ?? undefined;
        const version = await prompts.registerVersion(shown);
        if (version) {
          app.shell.activateById(PANEL_ID);
          await panel.openVersion(version);
        }
      }
    });
    for (const command of [CommandIDs.openPanel, CommandIDs.createModel, CommandIDs.registerVersion]) {
      palette?.addItem({ command, category: CATEGORY });
    }

    if (fileBrowser) {
      commands.addCommand(CommandIDs.uploadFromFileBrowser, {
        label: 'Upload to model registry…',
        caption: 'Add the selected files as artifacts of a model or version',
        icon: modelboxIcon,
        isVisible: () => !fileBrowser.selectedItems().next().done,
        execute: async () => {
          const paths = Array.from(fileBrowser.selectedItems(), item => item.path);
          const target = await prompts.chooseUploadTarget(paths);
          if (target) {
            app.shell.activateById(PANEL_ID);
            await transfers.copyContents(target.objectId, target.label, paths);
          }
        }
      });
      app.contextMenu.addItem({
        command: CommandIDs.uploadFromFileBrowser,
        selector: '.jp-DirListing-item[data-isdir]',
        rank: 60
      });
    }
    return model;
  }
};

export default plugin;
