import type { PartialJSONObject, PartialJSONValue } from '@lumino/coreutils';

import type { ModelboxClient } from './api';
import { button, errorBox, formatValue, h, textInput } from './dom';
import { sendEdit } from './edits';

/**
 * Options of a metadata table.
 */
export interface IMetadataTableOptions {
  client: ModelboxClient;
  /** Model, version or checkpoint whose metadata this is. */
  objectId: string;
  metadata: PartialJSONObject;
  /** The object's revision: every change is sent with it (`If-Match`). */
  revision?: number;
  /** What the object is, for messages: `model`, `version`. */
  what?: string;
  /** Without it the table is read-only. */
  editable?: boolean;
  /** Called after a change the server accepted, and to reload after someone else's change. */
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
 * The table of `options.objectId`: `current` when it shows that object (with the same
 * editability), else a new one; updated with the metadata and revision given.
 */
export function metadataTableFor(current: MetadataTable | null, options: IMetadataTableOptions): MetadataTable {
  const table =
    current && current.objectId === options.objectId && current.editable === !!options.editable
      ? current
      : new MetadataTable(options);
  table.update(options.metadata, options.revision);
  return table;
}

/**
 * The metadata of a registry object as one table widget, as a function: see `MetadataTable`.
 */
export function renderMetadataTable(options: IMetadataTableOptions): HTMLElement {
  const table = new MetadataTable(options);
  table.update(options.metadata, options.revision);
  return table.node;
}

/**
 * The metadata of a registry object as a key/value table with add, edit and
 * remove (asked again inline before it goes), each sent with the object's
 * revision (`If-Match`; see `edits.ts`). Changes use the server's atomic
 * operations: adding merges one top-level key (`PATCH metadata`), editing sets
 * one key (`PUT metadata/{key}`), removing deletes one key; other keys are
 * never resent, so concurrent changes of other keys are kept.
 *
 * `update` (a reload, a live update) redraws the rows but keeps what is being
 * typed: the new key and value, an error, and a row being edited (which keeps
 * the revision it started from, so saving over someone else's change is asked).
 */
export class MetadataTable {
  constructor(private readonly _options: Omit<IMetadataTableOptions, 'metadata' | 'revision'>) {
    this.node.append(this._rows);
    if (_options.editable) {
      this.node.append(this._renderAddRow());
    }
    this.node.append(this._errors);
  }

  readonly node = h('div', { className: 'jp-ModelboxMetadata' });

  get objectId(): string {
    return this._options.objectId;
  }

  get editable(): boolean {
    return !!this._options.editable;
  }

  /** Show `metadata` at `revision`, unless a row is being edited (then only the revision is kept for adds). */
  update(metadata: PartialJSONObject, revision: number | undefined): void {
    this._revision = revision;
    if (this._editing) {
      return;
    }
    const keys = Object.keys(metadata).sort();
    this._rows.replaceChildren(
      keys.length
        ? h(
            'table',
            { className: 'jp-ModelboxTable jp-ModelboxMetadata-table' },
            h('tbody', {}, ...keys.map(key => this._renderRow(key, metadata[key])))
          )
        : h('p', { className: 'jp-ModelboxPanel-status' }, 'No metadata.')
    );
  }

  private _renderRow(key: string, value: PartialJSONValue | undefined): HTMLElement {
    const { client, objectId } = this._options;
    const valueCell = h('td', { className: 'jp-ModelboxMetadata-value' }, formatValue(value));
    const actions = h('td', { className: 'jp-ModelboxMetadata-actions' });
    const row = h(
      'tr',
      { attrs: { 'data-key': key } },
      h('td', { className: 'jp-ModelboxMetadata-key' }, key),
      valueCell,
      this._options.editable ? actions : null
    );
    const showActions = (): void => {
      this._editing = false;
      actions.replaceChildren(
        button('Edit', startEdit, { title: `Edit ${key}`, className: 'jp-ModelboxMetadata-edit' }),
        button('Remove', askRemove, { title: `Remove ${key}`, className: 'jp-ModelboxMetadata-remove' })
      );
    };
    const askRemove = (): void => {
      const keep = button('Keep', showActions, { className: 'jp-ModelboxMetadata-keep' });
      actions.replaceChildren(
        h('span', { className: 'jp-ModelboxMetadata-question' }, `Remove ${key}?`),
        button('Remove', () => void this._run(this._revision, rev => client.removeMetadataKeys(objectId, [key], rev)), {
          warn: true,
          title: `Remove ${key} for good`,
          className: 'jp-ModelboxMetadata-confirmRemove'
        }),
        keep
      );
      keep.focus();
    };
    const startEdit = (): void => {
      this._editing = true;
      const startedAt = this._revision;
      const input = textInput(formatValue(value), { 'aria-label': `Value of ${key}` });
      const save = (): Promise<boolean> =>
        this._saveTyped(
          input.value,
          startedAt,
          (newValue, rev) => client.setMetadataKey(objectId, key, newValue, rev),
          newValue => {
            valueCell.replaceChildren(formatValue(newValue));
            showActions();
          }
        );
      const cancel = (): void => {
        valueCell.replaceChildren(formatValue(value));
        showActions();
      };
      input.addEventListener('keydown', event => {
        if (event.key === 'Enter') {
          void save();
        } else if (event.key === 'Escape') {
          cancel();
        }
      });
      valueCell.replaceChildren(input);
      actions.replaceChildren(
        button('Save', () => void save(), { accept: true, className: 'jp-ModelboxMetadata-save' }),
        button('Cancel', cancel)
      );
      input.focus();
    };
    if (this._options.editable) {
      showActions();
    }
    return row;
  }

  private _renderAddRow(): HTMLElement {
    const { client, objectId } = this._options;
    const keyInput = textInput('', { placeholder: 'key', 'aria-label': 'New metadata key' });
    const valueInput = textInput('', { placeholder: 'value (JSON or text)', 'aria-label': 'New metadata value' });
    const add = (): void => {
      const key = keyInput.value.trim();
      if (!key) {
        this._errors.replaceChildren(errorBox('Give the metadata key a name.'));
        return;
      }
      void this._saveTyped(
        valueInput.value,
        this._revision,
        (value, rev) => client.mergeMetadata(objectId, { [key]: value }, rev),
        () => {
          keyInput.value = '';
          valueInput.value = '';
        }
      );
    };
    valueInput.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        add();
      }
    });
    return h(
      'div',
      { className: 'jp-ModelboxMetadata-add' },
      keyInput,
      valueInput,
      button('Add', add, { className: 'jp-ModelboxMetadata-addButton' })
    );
  }

  /** Send a change from `revision`; on success remember the answer's revision, then `saved` and reload. */
  private _run(
    revision: number | undefined,
    change: (revision: number | undefined) => Promise<{ revision: number }>,
    saved?: () => void
  ): Promise<boolean> {
    const reload = (): void => {
      this._editing = false;
      this._options.onChanged?.();
    };
    return sendEdit({
      slot: this._errors,
      what: this._options.what ?? 'object',
      revision,
      send: change,
      done: answer => {
        this._revision = (answer as { revision?: number } | undefined)?.revision ?? this._revision;
        saved?.();
        reload();
      },
      reload
    });
  }

  /** Save typed text as a value: refused JSON says why and offers to store the text as it is. */
  private async _saveTyped(
    text: string,
    revision: number | undefined,
    save: (value: PartialJSONValue, revision: number | undefined) => Promise<{ revision: number }>,
    saved?: (value: PartialJSONValue) => void
  ): Promise<boolean> {
    const parsed = parseMetadataValue(text);
    if ('value' in parsed) {
      return this._run(revision, rev => save(parsed.value, rev), () => saved?.(parsed.value));
    }
    const asText = button('Store as text', () => void this._run(revision, rev => save(text, rev), () => saved?.(text)), {
      className: 'jp-ModelboxMetadata-asText',
      title: 'Store what was typed as a string'
    });
    this._errors.replaceChildren(
      h('div', { className: 'jp-ModelboxPanel-error', attrs: { role: 'alert' } }, parsed.error, ' ', asText)
    );
    return false;
  }

  private readonly _rows = h('div', { className: 'jp-ModelboxMetadata-rows' });
  private readonly _errors = h('div', { className: 'jp-ModelboxMetadata-errors' });
  private _revision: number | undefined = undefined;
  private _editing = false;
}
