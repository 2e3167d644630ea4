// Shapes of the modelbox REST payloads: aliases of the types generated from the OpenAPI document the
// server serves (`generated/api.ts`, `npm run generate:api`), so they cannot drift from the server.
// Types and the plugin's token only: importing this module has no side effects.

import { Token } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';

import type { ModelboxClient } from './api';
import type { components, paths } from './generated/api';

type Schemas = components['schemas'];

/** The JSON request body of an operation. */
type JSONBody<Operation> = Operation extends {
  requestBody?: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;

/** The JSON answer of an operation with the given status. */
type JSONAnswer<Operation, Status extends number = 200> = Operation extends {
  responses: { [S in Status]: { content: { 'application/json': infer Answer } } };
}
  ? Answer
  : never;

/**
 * A registered model.
 */
export type IModel = Schemas['Model'];

/**
 * A version of a model: `number` is assigned by the registry (1, 2, 3... per
 * model), `version` is the label the user gave it, `tags` are unique across
 * the versions of one model, and `lineage` says where it came from.
 */
export type IModelVersion = Schemas['Version'];

/**
 * A file attached to a model or a model version (`parent`). `tracked` when
 * the registry only records its location; a tracked file that could not be
 * read has an empty `checksum` and a null `size`.
 */
export type IArtifact = Schemas['Artifact'];

/**
 * One page of models; `total` counts all pages.
 */
export type IModelList = JSONAnswer<paths['/models']['get']>;

/**
 * The versions of one model.
 */
export type IVersionList = JSONAnswer<paths['/models/{model_id}/versions']['get']>;

/**
 * A change in the registry; `seq` increases monotonically.
 */
export type IEvent = Schemas['Event'];

/**
 * Query parameters of `GET models` (`q`: the search language, see `query.ts`).
 */
export type IListModelsQuery = NonNullable<paths['/models']['get']['parameters']['query']>;

/**
 * Sort keys of `GET models`.
 */
export type ModelSortKey = NonNullable<IListModelsQuery['sort_by']>;

/**
 * A checkpoint a version can be registered from.
 */
export type ICheckpoint = Schemas['Checkpoint'];

/**
 * A training run whose checkpoints a version can be registered from; `metric`
 * (else `val_loss`) and `smaller_is_better` (else true) rank its checkpoints.
 */
export type IExperiment = Schemas['Experiment'];

/**
 * One page of experiments, newest first; `total` counts all pages.
 */
export type IExperimentList = JSONAnswer<paths['/experiments']['get']>;

/**
 * Query parameters of `GET experiments` (`q`: the search language).
 */
export type IListExperimentsQuery = NonNullable<paths['/experiments']['get']['parameters']['query']>;

/**
 * One page of an experiment's checkpoints, by epoch then batch number.
 */
export type ICheckpointList = JSONAnswer<paths['/experiments/{experiment_id}/checkpoints']['get']>;

/**
 * Fields of `POST models`.
 */
export type INewModel = JSONBody<paths['/models']['post']>;

/**
 * Fields of `POST models/{id}/versions`.
 */
export type INewVersion = JSONBody<paths['/models/{model_id}/versions']['post']>;

/**
 * Changes of `PATCH models/{id}`.
 */
export type IModelChanges = JSONBody<paths['/models/{model_id}']['patch']>;

/**
 * Logged metric points as columns, all keys in one frame.
 *
 * A value is a number, or `{f: 'nan' | 'inf' | '-inf'}`, or something
 * that is not plottable (a string, `{b: base64}`).
 */
export type IMetricFrame = Schemas['MetricFrame'];

/**
 * A model, version or checkpoint, as metadata edits answer.
 */
export type IRegistryObject = Schemas['RegistryObject'];

/**
 * Bytes stored by a finished upload.
 */
export type IBlob = Schemas['Blob'];

/**
 * Answer of `GET events`.
 */
export type IEventBatch = JSONAnswer<paths['/events']['get']>;

/**
 * The registry state the side panel and the main-area pages share (`model.ts`).
 */
export interface IRegistryModel extends IDisposable {
  /** Calls of the registry's REST API. */
  readonly client: ModelboxClient;
  /** Batches of registry changes (the event feed), oldest first. */
  readonly changed: ISignal<IRegistryModel, IEvent[]>;
}

/**
 * The token of the registry model, for other extensions.
 */
export const IRegistryModel = new Token<IRegistryModel>(
  'jupyter-modelbox:IRegistryModel',
  'The model registry: its REST client and its change feed.'
);
