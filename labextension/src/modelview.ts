import { type ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import type { ModelboxClient } from './api';
import { renderArtifactTable } from './artifacts';
import { button, errorBox, formatTime, h, listKeys, replaceKeepingFocus } from './dom';
import { makeDropTarget } from './drop';
import { sendEdit } from './edits';
import { type MetadataTable, metadataTableFor } from './metadata';
import type { IUserPrompts } from './prompts';
import { VERSION_FIELDS, queryError, syntaxHint } from './query';
import { ModelboxAPIError } from './request';
import { type MarkdownRenderer, idLine, notebookSnippet, snippetBlock } from './pageparts';
import { SearchBox } from './searchbox';
import type { IArtifact, IModel, IModelVersion } from './tokens';

/**
 * One model: description (editable), metadata, versions newest first with
 * their tags, artifacts; archive and delete. The whole view takes dropped
 * files for the model, each version row for that version.
 */
export class ModelView extends Widget {
  /**
   * @param _page - Set for the model's main-area page: it adds the id, the
   *   version tags and a notebook snippet, and renders the description as Markdown.
   */
  constructor(
    private readonly _client: ModelboxClient,
    private readonly _prompts: IUserPrompts,
    private readonly _page: ModelView.IPageOptions | null = null
  ) {
    super();
    this.addClass('jp-ModelboxDetail');
    this.addClass('jp-ModelboxModelView');
    if (_page) {
      this.addClass('jp-mod-page');
    }
    listKeys(this._versionsBody, '.jp-ModelboxVersions-row', row => row.click());
    this._versionSearch = new SearchBox({
      label: 'Search versions',
      placeholder: 'Search versions: framework = torch and metrics.val_loss < 0.1',
      hint: syntaxHint(VERSION_FIELDS, 'tag:production or (framework = torch and metrics.val_loss < 0.1)'),
      className: 'jp-ModelboxVersions-search',
      onSearch: () => void this._searchVersions()
    });
  }

  /** Emitted with the versions to compare (2 or more, newest first). */
  get compareRequested(): ISignal<this, IModelVersion[]> {
    return this._compareRequested;
  }

  /** The box that filters the versions with the search language. */
  get versionSearch(): SearchBox {
    return this._versionSearch;
  }

  dispose(): void {
    this._versionSearch.dispose();
    super.dispose();
  }

  /** The id of a version the user opened. */
  get versionOpened(): ISignal<this, IModelVersion> {
    return this._versionOpened;
  }

  /** Emitted with the model id when the user asks for the model's main-area page. */
  get pageRequested(): ISignal<this, string> {
    return this._pageRequested;
  }

  /** Emitted after the model was deleted. */
  get modelDeleted(): ISignal<this, string> {
    return this._modelDeleted;
  }

  get modelId(): string | null {
    return this._modelId;
  }

  get model(): IModel | null {
    return this._model;
  }

  /** Show a model (or reload the one shown when `modelId` is omitted). */
  async load(modelId: string | null = this._modelId): Promise<void> {
    if (modelId !== this._modelId) {
      this._model = null;
      this._modelId = modelId;
      this._selected.clear();
      this._versionSearch.input.value = '';
      this._versionSearch.showError(null);
      this._errors.replaceChildren();
      this.node.replaceChildren(h('p', { className: 'jp-ModelboxPanel-status' }, 'Loading model…'));
    }
    if (!modelId) {
      return;
    }
    const call = ++this._calls;
    const query = this._versionSearch.text;
    try {
      const [model, versions, artifacts] = await Promise.all([
        this._client.getModel(modelId),
        this._listVersions(modelId, query),
        this._client.listArtifacts(modelId)
      ]);
      if (call === this._calls && !this.isDisposed) {
        this._model = model;
        this._render(model, versions, artifacts);
      }
    } catch (error) {
      if (call === this._calls && !this.isDisposed) {
        this.node.replaceChildren(errorBox(error));
      }
    }
  }

  /** The versions matching `query`, or null after showing its syntax error at the box. */
  private async _listVersions(modelId: string, query: string): Promise<IModelVersion[] | null> {
    try {
      const list = await this._client.listVersions(modelId, query);
      this._versionSearch.showError(null, query);
      return list.versions;
    } catch (error) {
      const syntax = queryError(error, query);
      if (!syntax) {
        throw error;
      }
      this._versionSearch.showError(syntax, query);
      return null;
    }
  }

  /** Filter the versions after the search box changed. */
  private async _searchVersions(): Promise<void> {
    const model = this._model;
    if (!model) {
      return;
    }
    const call = ++this._versionCalls;
    try {
      const versions = await this._listVersions(model.id, this._versionSearch.text);
      if (call === this._versionCalls && !this.isDisposed && model === this._model) {
        this._fillVersions(versions, !model.archived);
      }
    } catch (error) {
      if (call === this._versionCalls && !this.isDisposed) {
        this._versionsBody.replaceChildren(errorBox(error));
      }
    }
  }

  private _render(model: IModel, versions: IModelVersion[] | null, artifacts: IArtifact[]): void {
    const editable = !model.archived;
    const searching = document.activeElement === this._versionSearch.input;
    const reload = (): void => void this.load();
    makeDropTarget(this.node, model.id, `model ${model.name}`);
    this.node.replaceChildren(
      h(
        'div',
        { className: 'jp-ModelboxDetail-head' },
        h('h3', { className: 'jp-ModelboxDetail-title' }, model.name),
        h(
          'div',
          { className: 'jp-ModelboxDetail-subtitle' },
          [model.namespace, model.owner, model.task].filter(Boolean).join(' · '),
          model.archived ? ' · archived' : ''
        ),
        this._page ? idLine(model.id) : null,
        this._page ? renderVersionTags(versions ?? []) : null,
        h(
          'div',
          { className: 'jp-ModelboxDetail-actions' },
          editable
            ? button('Register version', () => void this._registerVersion(model), {
                accept: true,
                className: 'jp-ModelboxModelView-register'
              })
            : null,
          button(model.archived ? 'Unarchive' : 'Archive', () => void this._setArchived(model), {
            className: 'jp-ModelboxModelView-archive'
          }),
          button('Delete', () => void this._delete(model, model.num_versions), {
            warn: true,
            className: 'jp-ModelboxModelView-delete'
          }),
          this._page
            ? null
            : button('Open in tab', () => this._pageRequested.emit(model.id), {
                title: 'Open the model page in the main area',
                className: 'jp-ModelboxModelView-openPage'
              })
        )
      ),
      this._errors,
      this._page ? section('Use in a notebook', snippetBlock(notebookSnippet(model))) : h('span'),
      section('Description', this._renderDescription(model, editable)),
      section(
        'Metadata',
        (this._metadata = metadataTableFor(this._metadata, {
          client: this._client,
          objectId: model.id,
          metadata: model.metadata,
          revision: model.revision,
          what: 'model',
          editable,
          onChanged: reload
        })).node
      ),
      section(
        `Versions (${model.num_versions})`,
        this._renderVersionTools(),
        this._versionSearch.node,
        this._versionsBody
      ),
      section(
        'Artifacts',
        renderArtifactTable(
          this._client,
          artifacts,
          editable ? { prompts: this._prompts, errors: this._errors, deleted: reload } : undefined
        )
      )
    );
    this._fillVersions(versions, editable);
    if (searching) {
      this._versionSearch.input.focus();
    }
  }

  private _renderVersionTools(): HTMLElement {
    this._compareButton = button('Compare selected', () => this._compare(), {
      title: 'Compare the checked versions side by side',
      className: 'jp-ModelboxVersions-compare'
    });
    this._updateCompareButton();
    return h('div', { className: 'jp-ModelboxDetail-actions jp-ModelboxVersions-tools' }, this._compareButton);
  }

  private _fillVersions(versions: IModelVersion[] | null, editable: boolean): void {
    this._shownVersions = versions ?? [];
    const shown = new Set(this._shownVersions.map(v => v.id));
    for (const id of [...this._selected]) {
      if (!shown.has(id)) {
        this._selected.delete(id);
      }
    }
    this._updateCompareButton();
    if (versions === null) {
      this._versionsBody.replaceChildren(
        h('p', { className: 'jp-ModelboxPanel-status' }, 'Fix the query to search the versions.')
      );
      return;
    }
    if (versions.length === 0 && this._versionSearch.value) {
      this._versionsBody.replaceChildren(h('p', { className: 'jp-ModelboxPanel-status' }, 'No versions match.'));
      return;
    }
    replaceKeepingFocus(
      this._versionsBody,
      '.jp-ModelboxVersions-row',
      'versionId',
      this._renderVersions(versions, editable)
    );
  }

  private _updateCompareButton(): void {
    if (this._compareButton) {
      const count = this._selected.size;
      this._compareButton.disabled = count < 2;
      this._compareButton.textContent = count ? `Compare selected (${count})` : 'Compare selected';
    }
  }

  private _compare(): void {
    const chosen = this._shownVersions.filter(v => this._selected.has(v.id));
    if (chosen.length >= 2) {
      // oldest first: columns read left to right as the model evolved
      this._compareRequested.emit([...chosen].sort((a, b) => a.number - b.number));
    }
  }

  /**
   * The description, or its editor while the user edits it: a reload (a live
   * update) keeps the editor with what was typed and the revision it started
   * from, so saving over someone else's change is refused (412) and asked.
   */
  private _renderDescription(model: IModel, editable: boolean): HTMLElement {
    if (this._descriptionEditor?.modelId === model.id && editable) {
      return this._descriptionEditor.box;
    }
    this._descriptionEditor = null;
    const box = h('div', { className: 'jp-ModelboxDescription' });
    const show = (): void => {
      this._descriptionEditor = null;
      const text = h('p', { className: 'jp-ModelboxDescription-text' }, model.description || 'No description.');
      box.replaceChildren(
        text,
        ...(editable ? [button('Edit', edit, { className: 'jp-ModelboxDescription-edit' })] : [])
      );
      const markdown = this._page?.markdown;
      if (markdown && model.description) {
        void markdown(model.description).then(
          rendered => {
            rendered.classList.add('jp-ModelboxDescription-markdown');
            text.replaceWith(rendered);
          },
          () => undefined // the plain text stays
        );
      }
    };
    const edit = (): void => {
      const area = h('textarea', {
        className: 'jp-mod-styled jp-ModelboxDescription-input',
        attrs: { rows: '4', 'aria-label': 'Description' }
      });
      area.value = model.description;
      const reload = (): void => {
        this._descriptionEditor = null;
        void this.load();
      };
      const save = (): Promise<boolean> =>
        sendEdit({
          slot: this._errors,
          what: 'model',
          revision: model.revision,
          send: revision => this._client.updateModel(model.id, { description: area.value }, revision),
          done: reload,
          reload
        });
      box.replaceChildren(
        area,
        h(
          'div',
          { className: 'jp-ModelboxDetail-actions' },
          button('Save', () => void save(), { accept: true, className: 'jp-ModelboxDescription-save' }),
          button('Cancel', show)
        )
      );
      this._descriptionEditor = { modelId: model.id, box };
      area.focus();
    };
    show();
    return box;
  }

  private _renderVersions(versions: IModelVersion[], editable: boolean): HTMLElement {
    if (versions.length === 0) {
      return h('p', { className: 'jp-ModelboxPanel-status' }, 'No versions yet.');
    }
    const columns: [string, VersionSortKey | null][] = [
      ['#', 'number'],
      ['Label', 'label'],
      ['Tags', null],
      ['Framework', 'framework'],
      ['Created', 'created']
    ];
    const header = h(
      'tr',
      {},
      h('th', { attrs: { 'aria-label': 'Select' } }, ''),
      ...columns.map(([title, key]) => {
        if (!key) {
          return h('th', {}, title);
        }
        const sorted = this._sort.key === key;
        return h(
          'th',
          {
            className: `jp-ModelboxVersions-sortable jp-ModelboxVersions-col-${key}`,
            attrs: { 'aria-sort': sorted ? (this._sort.ascending ? 'ascending' : 'descending') : 'none' }
          },
          h(
            'button',
            {
              className: 'jp-ModelboxVersions-sort',
              attrs: { type: 'button', title: `Sort by ${title === '#' ? 'number' : title.toLowerCase()}` },
              on: {
                click: () => {
                  this._sort = { key, ascending: sorted ? !this._sort.ascending : key !== 'number' && key !== 'created' };
                  this._fillVersions(this._shownVersions, editable);
                }
              }
            },
            title,
            sorted ? (this._sort.ascending ? ' ▲' : ' ▼') : ''
          )
        );
      })
    );
    const rows = sortVersions(versions, this._sort).map(version => {
      const pick = h('input', {
        className: 'jp-ModelboxVersions-select',
        attrs: { type: 'checkbox', 'aria-label': `Select version ${version.number} to compare` },
        on: {
          click: event => event.stopPropagation(),
          change: () => {
            if (pick.checked) {
              this._selected.add(version.id);
            } else {
              this._selected.delete(version.id);
            }
            this._updateCompareButton();
          }
        }
      });
      pick.checked = this._selected.has(version.id);
      const tags = h(
        'td',
        { className: 'jp-ModelboxVersions-tags' },
        ...version.tags.map(tag =>
          h(
            'span',
            { className: 'jp-ModelboxTag' },
            tag,
            editable
              ? h(
                  'button',
                  {
                    className: 'jp-ModelboxTag-remove',
                    attrs: { type: 'button', title: `Remove tag ${tag}`, 'aria-label': `Remove tag ${tag}` },
                    on: {
                      click: event => {
                        event.stopPropagation();
                        void this._edit(version, revision => this._client.removeTag(version.id, tag, revision));
                      }
                    }
                  },
                  '×'
                )
              : null
          )
        ),
        editable
          ? h(
              'button',
              {
                className: 'jp-ModelboxTag-add',
                attrs: { type: 'button', title: 'Add or move a tag to this version' },
                on: {
                  click: event => {
                    event.stopPropagation();
                    void this._tag(version);
                  }
                }
              },
              '+ tag'
            )
          : null
      );
      const row = h(
        'tr',
        {
          className: 'jp-ModelboxVersions-row',
          attrs: { tabindex: '0', title: 'Open the version; drop files here to add artifacts' },
          on: { click: () => this._versionOpened.emit(version) }
        },
        h(
          'td',
          { className: 'jp-ModelboxVersions-pick', on: { click: event => event.stopPropagation() } },
          pick
        ),
        h('td', { className: 'jp-ModelboxVersions-number' }, String(version.number)),
        h(
          'td',
          { className: 'jp-ModelboxVersions-label', attrs: { title: version.version || version.name || '' } },
          version.version || version.name || ''
        ),
        tags,
        h('td', { className: 'jp-ModelboxVersions-framework' }, version.framework ?? ''),
        h('td', { className: 'jp-ModelboxVersions-created' }, formatTime(version.created_at))
      );
      row.dataset.versionId = version.id;
      makeDropTarget(row, version.id, `version ${version.number}`);
      return row;
    });
    return h(
      'table',
      { className: 'jp-ModelboxTable jp-ModelboxVersions' },
      h('thead', {}, header),
      h('tbody', {}, ...rows)
    );
  }

  /** Tag a version; when another version holds the tag, ask before moving it. */
  private async _tag(version: IModelVersion): Promise<void> {
    const tag = (await this._prompts.askText(`Tag version ${version.number}`, 'Tag', 'production'))?.trim();
    if (!tag) {
      return;
    }
    await this._edit(version, revision =>
      this._client.addTag(version.id, tag, false, revision).catch(async error => {
        if (!(error instanceof ModelboxAPIError) || error.status !== 409) {
          throw error;
        }
        const move = await this._prompts.confirm({
          title: 'Move tag?',
          body: `${error.message}\n\nMove tag "${tag}" to version ${version.number}?`,
          accept: 'Move tag'
        });
        return move ? this._client.addTag(version.id, tag, true, revision) : null;
      })
    );
  }

  private async _registerVersion(model: IModel): Promise<void> {
    const version = await this._prompts.registerVersion(model);
    if (version) {
      await this.load();
    }
  }

  private async _setArchived(model: IModel): Promise<void> {
    await this._edit(model, revision => this._client.updateModel(model.id, { archived: !model.archived }, revision));
  }

  /** Send a change of the model (or of one of its versions, for tags) with the revision shown, then reload
   * (see `sendEdit`). */
  private _edit(
    object: IModel | IModelVersion,
    send: (revision: number | undefined) => Promise<unknown>
  ): Promise<boolean> {
    return sendEdit({
      slot: this._errors,
      what: 'model_id' in object ? 'version' : 'model',
      revision: object.revision,
      send,
      done: () => void this.load(),
      reload: () => void this.load()
    });
  }

  private async _delete(model: IModel, versionCount: number): Promise<void> {
    const versions =
      versionCount === 0 ? '' : ` and its ${versionCount === 1 ? 'version' : `${versionCount} versions`}`;
    const confirmed = await this._prompts.confirm({
      title: 'Delete model?',
      body: `Delete model "${model.name}"${versions}, with their metadata, metrics and artifacts? This cannot be undone.`,
      accept: 'Delete',
      danger: true
    });
    if (!confirmed) {
      return;
    }
    await sendEdit({
      slot: this._errors,
      what: 'model',
      revision: model.revision,
      send: revision => this._client.deleteModel(model.id, versionCount > 0, revision),
      done: () => this._modelDeleted.emit(model.id),
      reload: () => void this.load()
    });
  }

  private readonly _versionOpened = new Signal<this, IModelVersion>(this);
  private readonly _compareRequested = new Signal<this, IModelVersion[]>(this);
  private readonly _versionSearch: SearchBox;
  private readonly _versionsBody = h('div', { className: 'jp-ModelboxVersions-body' });
  private readonly _selected = new Set<string>();
  private _shownVersions: IModelVersion[] = [];
  private _compareButton: HTMLButtonElement | null = null;
  private _versionCalls = 0;
  private readonly _modelDeleted = new Signal<this, string>(this);
  private readonly _pageRequested = new Signal<this, string>(this);
  private readonly _errors = h('div', { className: 'jp-ModelboxDetail-errors' });
  private _modelId: string | null = null;
  private _model: IModel | null = null;
  private _descriptionEditor: { modelId: string; box: HTMLElement } | null = null;
  private _sort: { key: VersionSortKey; ascending: boolean } = { key: 'number', ascending: false };
  private _calls = 0;
  private _metadata: MetadataTable | null = null;
}

export namespace ModelView {
  /** What the main-area page adds. */
  export interface IPageOptions {
    /** Renders the description as sanitized Markdown. */
    markdown?: MarkdownRenderer;
  }
}

type VersionSortKey = 'number' | 'label' | 'framework' | 'created';

/**
 * The versions ordered by a column (ties by number, newest first).
 */
export function sortVersions(
  versions: IModelVersion[],
  sort: { key: VersionSortKey; ascending: boolean }
): IModelVersion[] {
  const value = (v: IModelVersion): string | number =>
    sort.key === 'number'
      ? v.number
      : sort.key === 'label'
        ? (v.version || v.name || '').toLowerCase()
        : sort.key === 'framework'
          ? (v.framework ?? '').toLowerCase()
          : v.created_at;
  return [...versions].sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    const order = x < y ? -1 : x > y ? 1 : b.number - a.number;
    return sort.ascending || x === y ? order : -order;
  });
}

/**
 * The tags the versions hold, each with the version's number.
 */
function renderVersionTags(versions: IModelVersion[]): HTMLElement {
  const held = versions.flatMap(v => v.tags.map(tag => ({ tag, number: v.number })));
  held.sort((a, b) => a.tag.localeCompare(b.tag));
  return h(
    'div',
    { className: 'jp-ModelboxDetail-tags' },
    ...held.map(({ tag, number }) => h('span', { className: 'jp-ModelboxTag', attrs: { title: `Held by version ${number}` } }, `${tag} → v${number}`))
  );
}

/**
 * A titled section of a detail view.
 */
export function section(title: string, ...content: HTMLElement[]): HTMLElement {
  return h(
    'section',
    { className: 'jp-ModelboxSection' },
    h('h4', { className: 'jp-ModelboxSection-title' }, title),
    ...content
  );
}
