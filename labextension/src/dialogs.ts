import { Dialog, InputDialog, showDialog } from '@jupyterlab/apputils';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import type { ModelboxClient } from './api';
import { errorBox, field, h, select, textInput } from './dom';
import { DropHandler, type DropPayload, makeDropTarget } from './drop';
import type { IConfirmation, IUserPrompts } from './prompts';
import { CheckpointRegistration } from './registerdialog';
import type { ICheckpoint, IExperiment, IModel, IModelVersion, INewModel, INewVersion } from './tokens';
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
    return submitForm({
      title: 'Create model',
      body,
      accept: 'Create',
      focus: 'input[aria-label="Model name"]',
      submit: fields => {
        if (!fields.name) {
          throw new Error('Give the model a name.');
        }
        return this._client.createModel(fields);
      }
    });
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
    body.dropHandler = files.dropHandler;
    const created = await submitForm({
      title: model ? `Register a version of ${model.name}` : 'Register version',
      body,
      accept: 'Register',
      focus: model ? 'input[aria-label="Version label"]' : 'input[aria-label="Filter models"]',
      submit: async ({ modelId, version: fields, payloads }) => {
        if (!modelId) {
          throw new Error('Choose a model first.');
        }
        return { version: await this._client.createVersion(modelId, fields), payloads };
      }
    });
    if (!created) {
      return null;
    }
    const { version, payloads } = created;
    for (const payload of payloads) {
      void this._transfers.add(version.id, `version ${version.number}`, payload);
    }
    return version;
  }

  async registerCheckpoint(experiment: IExperiment, checkpoint: ICheckpoint): Promise<IModelVersion | null> {
    const form = new CheckpointRegistration(this._client, experiment, checkpoint);
    const body = new FormBody<INewVersion>(() => form.fields);
    body.node.append(...form.nodes);
    return submitForm({
      title: 'Register checkpoint as a version',
      body,
      accept: 'Register',
      focus: 'input[aria-label="Model name"]',
      submit: fields => form.submit(fields)
    });
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
    return submitForm({
      title: 'Upload to model registry',
      body,
      accept: 'Upload',
      focus: 'input[aria-label="Filter models"]',
      submit: async target => {
        if (!target) {
          throw new Error('No model matches the filter: choose a model.');
        }
        return target;
      }
    });
  }
}

/**
 * Show a form dialog whose accept button runs `submit`: when it throws, the
 * dialog stays open with what was typed and says why; otherwise it closes
 * and its result is returned. Null when cancelled.
 */
async function submitForm<T, R>(options: {
  title: string;
  body: FormBody<T>;
  accept: string;
  /** Selector (in the body) of the control focused first. */
  focus: string;
  submit: (value: T) => Promise<R> | R;
}): Promise<R | null> {
  const dialog = new SubmitDialog<T, R>(
    {
      title: options.title,
      body: options.body,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: options.accept })],
      focusNodeSelector: options.focus
    },
    options.body,
    options.submit
  );
  dialog.addClass('jp-ModelboxFormDialog');
  const result = await dialog.launch();
  return result.button.accept ? dialog.submitted : null;
}

/**
 * A dialog that submits its form before it closes, and stays open on failure.
 */
class SubmitDialog<T, R> extends Dialog<T> {
  constructor(
    options: Partial<Dialog.IOptions<T>>,
    private readonly _form: FormBody<T>,
    private readonly _submit: (value: T) => Promise<R> | R
  ) {
    super(options);
    this._buttonList = options.buttons ?? [];
  }

  /** What `submit` returned, once accepted. */
  submitted: R | null = null;

  resolve(index?: number): void {
    const chosen = this._buttonList[index ?? this._buttonList.length - 1];
    if (!chosen?.accept) {
      super.resolve(index);
      return;
    }
    if (this._busy) {
      return;
    }
    this._busy = true;
    this._form.showError(null);
    void (async () => {
      try {
        this.submitted = await this._submit(this._form.getValue());
      } catch (error) {
        this._busy = false;
        this._form.showError(error);
        return;
      }
      this._busy = false;
      super.resolve(index);
    })();
  }

  private readonly _buttonList: readonly Dialog.IButton[];
  private _busy = false;
}

/**
 * A dialog body returning the values of its form.
 */
class FormBody<T> extends Widget implements Dialog.IBodyWidget<T> {
  constructor(private readonly _value: () => T) {
    super();
    this.addClass('jp-ModelboxDialog');
  }

  dropHandler: DropHandler | null = null;

  getValue(): T {
    return this._value();
  }

  /** Say why the form was refused (null: clear it); the fields keep what was typed. */
  showError(error: unknown): void {
    this._error.replaceChildren(...(error === null ? [] : [errorBox(error)]));
    this.node.append(this._error);
    this._error.scrollIntoView?.({ block: 'nearest' });
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.dropHandler?.attach();
  }

  protected onBeforeDetach(msg: Message): void {
    this.dropHandler?.detach();
    super.onBeforeDetach(msg);
  }

  private readonly _error = h('div', { className: 'jp-ModelboxDialog-errors' });
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
    this._withVersions = withVersions && !fixed;
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
    void this._loadModels('');
  }

  readonly node: HTMLElement;

  get modelId(): string {
    return this._models.value;
  }

  /**
   * The chosen model, or version when one is chosen, with a label made from
   * the very options whose ids are returned. A version is only returned when
   * the versions shown belong to the model shown.
   */
  get target(): { objectId: string; label: string } | null {
    const model = this._models.selectedOptions[0];
    if (!model) {
      return null;
    }
    const version = this._versions.selectedOptions[0];
    return version?.value && this._versionsOf === model.value
      ? { objectId: version.value, label: `${model.text} ${version.text}` }
      : { objectId: model.value, label: `model ${model.text}` };
  }

  private async _loadModels(name: string): Promise<void> {
    const call = ++this._calls;
    const list = await this._client.listModels({ name: name.trim() || undefined, limit: PICKER_LIMIT });
    if (call !== this._calls) {
      return;
    }
    const before = this._models.value;
    this._models.replaceChildren(
      ...list.models.map(m => h('option', { attrs: { value: m.id } }, `${m.name} (${m.namespace})`))
    );
    if (list.models.some(m => m.id === before)) {
      this._models.value = before;
    }
    if (this._withVersions && this._models.value !== this._versionsOf) {
      await this._loadVersions();
    }
  }

  /** The versions of the model shown; until they arrive only "the model itself" is offered. */
  private async _loadVersions(): Promise<void> {
    const call = ++this._versionCalls;
    const modelId = this._models.value;
    this._versionsOf = null;
    this._versions.replaceChildren(h('option', { attrs: { value: '' } }, 'the model itself'));
    const versions = modelId ? (await this._client.listVersions(modelId)).versions : [];
    if (call !== this._versionCalls || modelId !== this._models.value) {
      return;
    }
    this._versionsOf = modelId;
    this._versions.append(
      ...versions.map(v =>
        h('option', { attrs: { value: v.id } }, `v${v.number}${v.version ? ` · ${v.version}` : ''}`)
      )
    );
  }

  private readonly _models: HTMLSelectElement;
  private readonly _versions: HTMLSelectElement;
  private readonly _withVersions: boolean;
  private _versionsOf: string | null = null;
  private _calls = 0;
  private _versionCalls = 0;
}
