// Edits sent with the revision they start from (`If-Match`), and what to do when someone else was faster.

import { button, errorBox, h } from './dom';
import { ModelboxAPIError } from './request';

/**
 * An edit of a registry object, and how the view goes on.
 */
export interface IEdit {
  /** Where the edit's error is shown. */
  slot: HTMLElement;
  /** What is edited, for the message: `model`, `version`. */
  what: string;
  /** The object's revision as loaded; the edit is refused (412) when it changed since. */
  revision: number | undefined;
  /** Send the edit; `revision` is undefined when the user chose to overwrite. */
  send: (revision: number | undefined) => Promise<unknown>;
  /** After the server accepted it. */
  done?: (answer: unknown) => void;
  /** Show the object as it is now (the user chose Reload). */
  reload: () => void;
}

/**
 * Whether an error says the object changed since the revision sent.
 */
export function isStale(error: unknown): boolean {
  return error instanceof ModelboxAPIError && error.status === 412;
}

/**
 * Send an edit with its revision. When the object changed since (412), say
 * that someone else changed it and offer Reload (show theirs, drop this
 * edit) and Overwrite (send this edit again, over theirs); other errors are
 * shown as they are. Resolves with whether the edit was stored.
 */
export async function sendEdit(edit: IEdit): Promise<boolean> {
  edit.slot.replaceChildren();
  let answer: unknown;
  try {
    answer = await edit.send(edit.revision);
  } catch (error) {
    edit.slot.replaceChildren(isStale(error) ? staleBox(edit) : errorBox(error));
    return false;
  }
  edit.done?.(answer);
  return true;
}

function staleBox(edit: IEdit): HTMLElement {
  return h(
    'div',
    { className: 'jp-ModelboxPanel-error jp-ModelboxStale', attrs: { role: 'alert' } },
    `Someone else changed this ${edit.what} since it was loaded. Reload to see their change, or overwrite it with yours.`,
    h(
      'div',
      { className: 'jp-ModelboxDetail-actions' },
      button(
        'Reload',
        () => {
          edit.slot.replaceChildren();
          edit.reload();
        },
        { className: 'jp-ModelboxStale-reload', title: `Show the ${edit.what} as it is now` }
      ),
      button('Overwrite', () => void sendEdit({ ...edit, revision: undefined }), {
        warn: true,
        className: 'jp-ModelboxStale-overwrite',
        title: 'Send your change again, over theirs'
      })
    )
  );
}
