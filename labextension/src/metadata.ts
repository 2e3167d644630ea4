import type { PartialJSONObject, PartialJSONValue } from '@lumino/coreutils';

import type { ModelboxClient } from './api';
import { button, errorBox, formatValue, h, textInput } from './dom';

/**
 * Options of a metadata table.
 */
export interface IMetadataTableOptions {
  client: ModelboxClient;
  /** Model, version or checkpoint whose metadata this is. */
  objectId: string;
  metadata: PartialJSONObject;
  /** Without it the table is read-only. */
  editable?: boolean;
  /** Called after a change the server accepted. */
  onChanged?: () => void;
}

/**
 * A value typed by the user: JSON when it parses (`3`, `true`, `[1, 2]`,
 * `{"a": 1}`, `"quoted"`), else the text itself; but text that starts like a
 * JSON object, array or string (`{`, `[`, `"`) and does not parse is refused
 * (`error` says why), so a typo is not stored silently as a string.
 */
export function parseMetadataValue(text: string): { value: PartialJSONValue } | { error: string } {
  try {
    return { value: JSON.parse(text) as PartialJSONValue };
  } catch (error) {
    if (/^\s*[[{"]/.test(text)) {
      const detail = error instanceof Error ? error.message : String(error);
      return { error: `This is not valid JSON (${detail}).` };
    }
    return { value: text };
  }
}

/**
 * The metadata of a registry object as a key/value table with add, edit and
 * remove (asked again inline before it goes). Changes use the server's atomic
 * operations: adding merges one top-level key (`PATCH metadata`), editing sets
 * one key (`PUT metadata/{key}`), removing deletes one key; other keys are
 * never resent, so concurrent changes of other keys are kept.
 */
export function renderMetadataTable(options: IMetadataTableOptions): HTMLElement {
  const { client, objectId, editable } = options;
  const root = h('div', { className: 'jp-ModelboxMetadata' });
  const errorSlot = h('div', { className: 'jp-ModelboxMetadata-errors' });

  const run = async (change: () => Promise<void>): Promise<boolean> => {
    errorSlot.replaceChildren();
    try {
      await change();
    } catch (error) {
      errorSlot.replaceChildren(errorBox(error));
      return false;
    }
    options.onChanged?.();
    return true;
  };

  /** Save typed text as a value: refused JSON says why and offers to store the text as it is. */
  const saveTyped = async (text: string, save: (value: PartialJSONValue) => Promise<void>): Promise<boolean> => {
    const parsed = parseMetadataValue(text);
    if ('value' in parsed) {
      return run(() => save(parsed.value));
    }
    const asText = button('Store as text', () => void run(() => save(text)), {
      className: 'jp-ModelboxMetadata-asText',
      title: 'Store what was typed as a string'
    });
    errorSlot.replaceChildren(
      h('div', { className: 'jp-ModelboxPanel-error', attrs: { role: 'alert' } }, parsed.error, ' ', asText)
    );
    return false;
  };

  const keys = Object.keys(options.metadata).sort();
  const rows = keys.map(key => {
    const value = options.metadata[key];
    const valueCell = h('td', { className: 'jp-ModelboxMetadata-value' }, formatValue(value));
    const actions = h('td', { className: 'jp-ModelboxMetadata-actions' });
    const row = h(
      'tr',
      { attrs: { 'data-key': key } },
      h('td', { className: 'jp-ModelboxMetadata-key' }, key),
      valueCell,
      editable ? actions : null
    );
    const showActions = (): void => {
      actions.replaceChildren(
        button('Edit', startEdit, { title: `Edit ${key}`, className: 'jp-ModelboxMetadata-edit' }),
        button('Remove', askRemove, { title: `Remove ${key}`, className: 'jp-ModelboxMetadata-remove' })
      );
    };
    const askRemove = (): void => {
      const keep = button('Keep', showActions, { className: 'jp-ModelboxMetadata-keep' });
      actions.replaceChildren(
        h('span', { className: 'jp-ModelboxMetadata-question' }, `Remove ${key}?`),
        button('Remove', () => void run(() => client.removeMetadataKeys(objectId, [key])), {
          warn: true,
          title: `Remove ${key} for good`,
          className: 'jp-ModelboxMetadata-confirmRemove'
        }),
        keep
      );
      keep.focus();
    };
    const startEdit = (): void => {
      const input = textInput(formatValue(value), { 'aria-label': `Value of ${key}` });
      const save = async (): Promise<void> => {
        let saved: PartialJSONValue = null;
        const done = await saveTyped(input.value, async newValue => {
          await client.setMetadataKey(objectId, key, newValue);
          saved = newValue;
        });
        if (done) {
          valueCell.replaceChildren(formatValue(saved));
          showActions();
        }
      };
      input.addEventListener('keydown', event => {
        if (event.key === 'Enter') {
          void save();
        } else if (event.key === 'Escape') {
          cancel();
        }
      });
      const cancel = (): void => {
        valueCell.replaceChildren(formatValue(value));
        showActions();
      };
      valueCell.replaceChildren(input);
      actions.replaceChildren(
        button('Save', () => void save(), { accept: true, className: 'jp-ModelboxMetadata-save' }),
        button('Cancel', cancel)
      );
      input.focus();
    };
    if (editable) {
      showActions();
    }
    return row;
  });

  const table = h(
    'table',
    { className: 'jp-ModelboxTable jp-ModelboxMetadata-table' },
    h('tbody', {}, ...rows)
  );
  root.append(keys.length ? table : h('p', { className: 'jp-ModelboxPanel-status' }, 'No metadata.'));

  if (editable) {
    const keyInput = textInput('', { placeholder: 'key', 'aria-label': 'New metadata key' });
    const valueInput = textInput('', {
      placeholder: 'value (JSON or text)',
      'aria-label': 'New metadata value'
    });
    const add = (): void => {
      const key = keyInput.value.trim();
      if (!key) {
        errorSlot.replaceChildren(errorBox('Give the metadata key a name.'));
        return;
      }
      void saveTyped(valueInput.value, value => client.mergeMetadata(objectId, { [key]: value }));
    };
    valueInput.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        add();
      }
    });
    root.append(
      h(
        'div',
        { className: 'jp-ModelboxMetadata-add' },
        keyInput,
        valueInput,
        button('Add', add, { className: 'jp-ModelboxMetadata-addButton' })
      )
    );
  }
  root.append(errorSlot);
  return root;
}
