// What the views ask of the user. Types only: the JupyterLab dialogs implementing
// it are in `dialogs.ts`, so views and their tests do not load `@jupyterlab/apputils`.

import type { ICheckpoint, IExperiment, IModel, IModelVersion } from './tokens';

/**
 * A yes/no question.
 */
export interface IConfirmation {
  title: string;
  body: string;
  /** Label of the button that says yes. */
  accept: string;
  /** Whether saying yes destroys something. */
  danger?: boolean;
}

/**
 * The dialogs the panel opens.
 */
export interface IUserPrompts {
  confirm(question: IConfirmation): Promise<boolean>;
  /** A line of text, or null when the user cancelled. */
  askText(title: string, label: string, placeholder?: string): Promise<string | null>;
  /** Ask for a new model's fields and create it; null when cancelled or failed. */
  createModel(): Promise<IModel | null>;
  /** Ask for a new version's fields (and files) and register it. */
  registerVersion(model?: IModel): Promise<IModelVersion | null>;
  /**
   * Ask which model (an existing one, or a new name) an experiment's
   * checkpoint goes to and register it as a version; null when cancelled.
   * Without it the experiment view offers no *Register as version*.
   */
  registerCheckpoint?(experiment: IExperiment, checkpoint: ICheckpoint): Promise<IModelVersion | null>;
}
