import { Dialog, InputDialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import type { ModelboxClient } from './api';
import { errorMessage, field, h, select, textInput } from './dom';
import { DropHandler, type DropPayload, makeDropTarget } from './drop';
import type { IConfirmation, IUserPrompts } from './prompts';
import type { IModel, IModelVersion, INewModel, INewVersion } from './tokens';
import type { TransferList } from './transfers';

/** Models offered in a picker at once; typing narrows the list. */
const PICKER_LIMIT = 200;

/**
 * The panel's dialogs, as JupyterLab dialogs.
 */
export class LabPrompts implements IUserPrompts {
  constructor(
    private readonly _client: ModelboxClient,
    private readonly _transfers: TransferList
  ) {}

  async confirm(question: IConfirmation): Promise<boolean> {
    const accept = question.danger
      ? Dialog.warnButton({ label: question.accept })
      : Dialog.okButton({ label: question.accept });
    const result = await showDialog({
      title: question.title,
      body: new Widget({ node: h('p', { className: 'jp-ModelboxDialog-text' }, question.body) }),
      buttons: [Dialog.cancelButton(), accept]
    });
    return result.button.accept;
  }

  async askText(title: string, label: string, placeholder?: string): Promise<string | null> {
    const result = await InputDialog.getText({ title, label, placeholder });
    return result.button.accept ? result.value : null;
  }

  async createModel(): Promise<IModel | null> {
    const body = new FormBody<INewModel>(() => ({
      name: name.value.trim(),
      namespace: namespace.value.trim() || undefined,
      description: description.value || undefined,
      task: task.value.trim() || undefined
    }));
    const name = textInput('', { 'aria-label': 'Model name', placeholder: 'resnet50' });
    const namespace = textInput('', { 'aria-label': 'Namespace', placeholder: 'default' });
    const description = h('textarea', {
      className: 'jp-mod-styled jp-ModelboxInput',
      attrs: { 'aria-label': 'Model description', rows: '3' }
    });
    const task = textInput('', { 'aria-label': 'Task', placeholder: 'classification' });
    body.node.append(
      field('Name', name),
      field('Namespace', namespace, 'Optional; names are unique per namespace.'),
      field('Description', description),
      field('Task', task)
    );
    body.focusNode = name;
    const result = await showDialog({
      title: 'Create model',
      body,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Create' })]
    });
    if (!result.button.accept || !result.value) {
      return null;
    }
    try {
      return await this._client.createModel(result.value);
    } catch (error) {
      await showErrorMessage('Could not create the model', errorMessage(error));
      return null;
    }
  }

  async registerVersion(model?: IModel): Promise<IModelVersion | null> {
    const picker = new ModelPicker(this._client, model);
    const label = textInput('', { 'aria-label': 'Version label', placeholder: 'v1.0' });
    const description = textInput('', { 'aria-label': 'Version description' });
    const framework = textInput('', { 'aria-label': 'Framework', placeholder: 'pytorch' });
    const checkpoint = textInput('', { 'aria-label': 'Checkpoint UUID' });
    const tags = textInput('', { 'aria-label': 'Tags', placeholder: 'staging, candidate' });
    const files = new FileCollector();
    const body = new FormBody<{ modelId: string; version: INewVersion; payloads: DropPayload[] }>(() => ({
      modelId: picker.modelId,
      version: {
        version: label.value.trim() || undefined,
        description: description.value || undefined,
        framework: framework.value.trim() || undefined,
        checkpoint_uuid: checkpoint.value.trim() || undefined,
        unique_tags: tags.value.split(',').map(t => t.trim()).filter(Boolean)
      },
      payloads: files.payloads
    }));
    body.node.append(
      picker.node,
      field('Label', label),
      field('Description', description),
      field('Framework', framework),
      field('From checkpoint', checkpoint, 'UUID of a checkpoint; its files and metrics come along.'),
      field('Tags', tags, 'Comma-separated; a tag held by another version is refused.'),
      files.node
    );
    body.focusNode = label;
    body.dropHandler = files.dropHandler;
    const result = await showDialog({
      title: model ? `Register a version of ${model.name}` : 'Register version',
      body,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Register' })]
    });
    if (!result.button.accept || !result.value) {
      return null;
    }
    const { modelId, version: fields, payloads } = result.value;
    if (!modelId) {
      await showErrorMessage('Could not register the version', 'Choose a model first.');
      return null;
    }
    let version: IModelVersion;
    try {
      version = await this._client.createVersion(modelId, fields);
    } catch (error) {
      await showErrorMessage('Could not register the version', errorMessage(error));
      return null;
    }
    for (const payload of payloads) {
      void this._transfers.add(version.id, `version ${version.number}`, payload);
    }
    return version;
  }

  /**
   * Ask which model or version file browser files go to; null when cancelled.
   */
  async chooseUploadTarget(paths: string[]): Promise<{ objectId: string; label: string } | null> {
    const picker = new ModelPicker(this._client, undefined, true);
    const body = new FormBody(() => picker.target);
    body.node.append(
      h('p', { className: 'jp-ModelboxDialog-text' }, `Add ${paths.join(', ')} as artifacts of:`),
      picker.node
    );
    const result = await showDialog({
      title: 'Upload to model registry',
      body,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Upload' })]
    });
    return result.button.accept ? result.value : null;
  }
}

/**
 * A dialog body returning the values of its form.
 */
class FormBody<T> extends Widget implements Dialog.IBodyWidget<T> {
  constructor(private readonly _value: () => T) {
    super();
    this.addClass('jp-ModelboxDialog');
  }

  focusNode: HTMLElement | null = null;
  dropHandler: DropHandler | null = null;

  getValue(): T {
    return this._value();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.dropHandler?.attach();
    this.focusNode?.focus();
  }

  protected onBeforeDetach(msg: Message): void {
    this.dropHandler?.detach();
    super.onBeforeDetach(msg);
  }
}

/**
 * Files for a new version: dropped (desktop or file browser) or chosen.
 */
class FileCollector {
  constructor() {
    const chooser = h('input', {
      className: 'jp-ModelboxFiles-input',
      attrs: { type: 'file', multiple: '', 'aria-label': 'Choose files' }
    });
    chooser.addEventListener('change', () => {
      const files = Array.from(chooser.files ?? []).map(file => ({ file, path: file.name }));
      this._add({ kind: 'files', files, problems: [] });
    });
    this.node = h(
      'div',
      { className: 'jp-ModelboxFiles' },
      h('div', { className: 'jp-ModelboxFiles-hint' }, 'Drop files here, from the file browser or the desktop, or '),
      chooser,
      this._list
    );
    makeDropTarget(this.node, 'new-version', 'the new version');
    this.dropHandler = new DropHandler(this.node, (_, payload) => this._add(payload));
  }

  readonly node: HTMLElement;
  readonly dropHandler: DropHandler;
  readonly payloads: DropPayload[] = [];

  private _add(payload: DropPayload): void {
    this.payloads.push(payload);
    const names =
      payload.kind === 'files'
        ? [...payload.files.map(f => f.path), ...payload.problems]
        : payload.paths;
    this._list.append(...names.map(name => h('li', {}, name)));
  }

  private readonly _list = h('ul', { className: 'jp-ModelboxFiles-list' });
}

/**
 * Choose a model (filtered by name) and, optionally, one of its versions.
 */
class ModelPicker {
  constructor(
    private readonly _client: ModelboxClient,
    fixed?: IModel,
    withVersions = false
  ) {
    this._models = select(fixed ? [[fixed.id, fixed.name]] : [], fixed?.id ?? '', { 'aria-label': 'Model' });
    this._versions = select([['', 'the model itself']], '', { 'aria-label': 'Version' });
    this.node = h('div', { className: 'jp-ModelboxPicker' });
    if (fixed) {
      this._models.disabled = true;
      this.node.append(field('Model', this._models));
      return;
    }
    const filter = textInput('', { 'aria-label': 'Filter models', placeholder: 'Filter by name' });
    filter.addEventListener('input', () => void this._loadModels(filter.value));
    this.node.append(field('Model', h('div', {}, filter, this._models)));
    if (withVersions) {
      this._models.addEventListener('change', () => void this._loadVersions());
      this.node.append(field('Version', this._versions));
    }
    void this._loadModels('').then(() => (withVersions ? this._loadVersions() : undefined));
  }

  readonly node: HTMLElement;

  get modelId(): string {
    return this._models.value;
  }

  /** The chosen model, or version when one is chosen. */
  get target(): { objectId: string; label: string } | null {
    const model = this._models.selectedOptions[0];
    if (!model) {
      return null;
    }
    const version = this._versions.selectedOptions[0];
    return this._versions.value && version
      ? { objectId: this._versions.value, label: `${model.text} ${version.text}` }
      : { objectId: model.value, label: `model ${model.text}` };
  }

  private async _loadModels(name: string): Promise<void> {
    const call = ++this._calls;
    const list = await this._client.listModels({ name: name.trim() || undefined, limit: PICKER_LIMIT });
    if (call === this._calls) {
      this._models.replaceChildren(
        ...list.models.map(m => h('option', { attrs: { value: m.id } }, `${m.name} (${m.namespace})`))
      );
    }
  }

  private async _loadVersions(): Promise<void> {
    const modelId = this._models.value;
    const versions = modelId ? (await this._client.listVersions(modelId)).versions : [];
    this._versions.replaceChildren(
      h('option', { attrs: { value: '' } }, 'the model itself'),
      ...versions.map(v =>
        h('option', { attrs: { value: v.id } }, `v${v.number}${v.version ? ` · ${v.version}` : ''}`)
      )
    );
  }

  private readonly _models: HTMLSelectElement;
  private readonly _versions: HTMLSelectElement;
  private _calls = 0;
}
