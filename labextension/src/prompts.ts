// What the views ask of the user. Types only: the JupyterLab dialogs implementing
// it are in `dialogs.ts`, so views and their tests do not load `@jupyterlab/apputils`.

import type { IModel, IModelVersion } from './tokens';

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
}
