import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';

import { modelboxIcon } from './icons';
import { ModelboxPanel } from './panel';

const PANEL_ID = 'jp-modelbox-panel';

namespace CommandIDs {
  export const openPanel = 'modelbox:open-panel';
}

/**
 * Adds the model registry side panel to the left area.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-modelbox:plugin',
  description: 'A side panel listing the models of the modelbox registry.',
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ): void => {
    const panel = new ModelboxPanel({
      serverSettings: app.serviceManager.serverSettings
    });
    panel.id = PANEL_ID;
    panel.title.icon = modelboxIcon;
    panel.title.caption = 'Model registry';

    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, PANEL_ID);

    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'Open Model Registry',
      caption: 'Show the model registry side panel',
      icon: modelboxIcon,
      execute: () => app.shell.activateById(PANEL_ID)
    });
    palette?.addItem({
      command: CommandIDs.openPanel,
      category: 'Model Registry'
    });
  }
};

export default plugin;
