// The form of *Register as version* on an experiment's checkpoint: the model (an existing one, or a new
// name to create) and the version's fields. No JupyterLab dialog code here: `dialogs.ts` shows it.

import type { ModelboxClient } from './api';
import { field, formatValue, h, textInput } from './dom';
import type { ICheckpoint, IExperiment, IModel, IModelVersion, INewVersion } from './tokens';

/** Models offered at once; typing narrows the list. */
const CHOOSER_LIMIT = 200;
/** The value of the option that creates a model of the typed name. */
export const NEW_MODEL = '';

/**
 * Choose the model a version goes to: type to filter the existing models;
 * a name no model of the namespace has yet is offered as a new model,
 * created when the form is submitted.
 */
export class ModelChooser {
  constructor(
    private readonly _client: ModelboxClient,
    namespace: string
  ) {
    this.nameInput = textInput('', {
      'aria-label': 'Model name',
      placeholder: 'an existing model, or a new name',
      autocomplete: 'off'
    });
    this.namespaceInput = textInput(namespace, { 'aria-label': 'Namespace of a new model', placeholder: 'default' });
    this.modelSelect = h('select', {
      className: 'jp-mod-styled jp-ModelboxSelect jp-ModelboxChooser-models',
      attrs: { 'aria-label': 'Model' }
    });
    this.nameInput.addEventListener('input', () => void this.load());
    this.namespaceInput.addEventListener('input', () => void this.load());
    this.node = h(
      'div',
      { className: 'jp-ModelboxChooser' },
      field('Model', h('div', {}, this.nameInput, this.modelSelect), 'Pick a model, or type a new name to create it.'),
      field('Namespace of a new model', this.namespaceInput)
    );
    this.ready = this.load();
  }

  readonly node: HTMLElement;
  readonly nameInput: HTMLInputElement;
  readonly namespaceInput: HTMLInputElement;
  readonly modelSelect: HTMLSelectElement;
  /** Settles when the first list of models is shown. */
  readonly ready: Promise<void>;

  /** Offer the models matching the typed name, and a new model of that name when none has it. */
  async load(): Promise<void> {
    const call = ++this._calls;
    const typed = this.nameInput.value.trim();
    const namespace = this._namespace();
    let models: IModel[];
    try {
      models = (await this._client.listModels({ name: typed || undefined, limit: CHOOSER_LIMIT })).models;
    } catch (error) {
      if (call === this._calls) {
        this._loadError = error;
        this.modelSelect.replaceChildren();
      }
      return;
    }
    if (call !== this._calls) {
      return;
    }
    this._loadError = null;
    this._models = new Map(models.map(m => [m.id, m]));
    const before = this.modelSelect.value;
    const exact = models.find(m => m.name === typed && m.namespace === namespace);
    const options: HTMLOptionElement[] = [];
    if (typed && !exact) {
      options.push(option(NEW_MODEL, `New model "${typed}" in ${namespace}`));
    }
    options.push(...models.map(m => option(m.id, `${m.name} (${m.namespace})`)));
    this.modelSelect.replaceChildren(...options);
    if (exact) {
      this.modelSelect.value = exact.id;
    } else if (options.some(o => o.value === before) && !typed) {
      this.modelSelect.value = before;
    } else if (options.length > 0) {
      this.modelSelect.selectedIndex = 0;
    }
  }

  /**
   * The chosen model: an existing one, or the new one, created now (once:
   * submitting again after a later step failed reuses it).
   */
  async resolve(): Promise<IModel> {
    const chosen = this.modelSelect.selectedOptions[0];
    const existing = chosen ? this._models.get(chosen.value) : undefined;
    if (existing) {
      return existing;
    }
    const name = this.nameInput.value.trim();
    if (!chosen || !name) {
      if (this._loadError) {
        throw this._loadError;
      }
      throw new Error('Choose a model, or type the name of a new one.');
    }
    const namespace = this._namespace();
    if (this._created && this._created.name === name && this._created.namespace === namespace) {
      return this._created;
    }
    this._created = await this._client.createModel({ name, namespace });
    return this._created;
  }

  private _namespace(): string {
    return this.namespaceInput.value.trim() || 'default';
  }

  private _calls = 0;
  private _models = new Map<string, IModel>();
  private _created: IModel | null = null;
  private _loadError: unknown = null;
}

/**
 * The form of *Register as version*: what the checkpoint is, the model
 * chooser, label, description and tags; `submit` registers the version.
 */
export class CheckpointRegistration {
  constructor(
    private readonly _client: ModelboxClient,
    readonly experiment: IExperiment,
    readonly checkpoint: ICheckpoint
  ) {
    this.chooser = new ModelChooser(_client, experiment.namespace);
    this.nodes = [
      h('p', { className: 'jp-ModelboxDialog-text jp-ModelboxRegister-checkpoint' }, describeCheckpoint(experiment, checkpoint)),
      this.chooser.node,
      field('Label', this._label),
      field('Description', this._description),
      field('Tags', this._tags, 'Comma-separated; a tag held by another version is refused.')
    ];
  }

  readonly chooser: ModelChooser;
  /** The form's parts, in order. */
  readonly nodes: HTMLElement[];

  /** The version's fields as typed. */
  get fields(): INewVersion {
    return {
      version: this._label.value.trim() || undefined,
      description: this._description.value || undefined,
      unique_tags: this._tags.value
        .split(',')
        .map(t => t.trim())
        .filter(Boolean),
      checkpoint_uuid: this.checkpoint.uuid
    };
  }

  /** Create the model if a new one was named, then the version from the checkpoint. */
  async submit(fields: INewVersion = this.fields): Promise<IModelVersion> {
    const model = await this.chooser.resolve();
    return this._client.createVersion(model.id, fields);
  }

  private readonly _label = textInput('', { 'aria-label': 'Version label', placeholder: 'v1.0' });
  private readonly _description = textInput('', { 'aria-label': 'Version description' });
  private readonly _tags = textInput('', { 'aria-label': 'Tags', placeholder: 'staging, candidate' });
}

/**
 * "Checkpoint 1a2b… of mnist-run: epoch 2, batch 200, val_loss 0.3" as text.
 */
export function describeCheckpoint(experiment: IExperiment, checkpoint: ICheckpoint): string {
  const parts = [
    checkpoint.epoch !== null && checkpoint.epoch !== undefined ? `epoch ${checkpoint.epoch}` : null,
    checkpoint.batch_number !== null && checkpoint.batch_number !== undefined ? `batch ${checkpoint.batch_number}` : null,
    ...Object.entries(checkpoint.metrics)
      .slice(0, 4)
      .map(([key, value]) => `${key} ${formatValue(value)}`)
  ].filter(Boolean);
  return `Checkpoint ${checkpoint.uuid} of ${experiment.name}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

function option(value: string, label: string): HTMLOptionElement {
  return h('option', { attrs: { value } }, label);
}
