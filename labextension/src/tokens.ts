// Shapes of the modelbox REST payloads. Types only: importing this module has no side effects.

import type { PartialJSONObject } from '@lumino/coreutils';

/**
 * A registered model.
 */
export interface IModel {
  id: string;
  name: string;
  namespace: string;
  owner: string;
  task: string;
  description: string;
  metadata: PartialJSONObject;
  /** ISO 8601 timestamp. */
  created_at: string;
  /** ISO 8601 timestamp. */
  updated_at: string;
  archived: boolean;
  num_versions: number;
}

/**
 * A version of a model.
 */
export interface IModelVersion {
  id: string;
  model_id: string;
  /** Assigned by the registry: 1, 2, 3... per model. */
  number: number;
  /** The label the user gave the version (ModelBox style). */
  version: string;
  name: string;
  description: string;
  metadata: PartialJSONObject;
  framework: string | null;
  /** Unique across the versions of one model. */
  tags: string[];
  checkpoint_uuid: string | null;
  created_at: string;
  updated_at: string;
  owner: string;
  /** Where the version came from (notebook, cells, packages, git...); free-form. */
  lineage?: PartialJSONObject | null;
}

/**
 * A file attached to a model or a model version.
 */
export interface IArtifact {
  id: string;
  /** Id of the model or model version the artifact belongs to. */
  parent: string;
  path: string;
  /** Kind of artifact: unknown, model, checkpoint, text, image, audio, video. */
  mime_type: string;
  /** sha256 hex digest; null for a tracked artifact that could not be read. */
  checksum: string | null;
  /** Size in bytes; null for a tracked artifact that could not be read. */
  size: number | null;
  /** True when the registry only records the artifact's location. */
  tracked: boolean;
  created_at: string;
}

/**
 * One page of models.
 */
export interface IModelList {
  models: IModel[];
  /** Number of models matching the query, all pages included. */
  total: number;
}

/**
 * The versions of one model.
 */
export interface IVersionList {
  versions: IModelVersion[];
  total: number;
}

/**
 * A change in the registry; `seq` increases monotonically.
 */
export interface IEvent {
  seq: number;
  kind: string;
  at: string;
  model_id?: string;
  version_id?: string;
  object_id?: string;
}

/**
 * Query parameters of `GET models`.
 */
export interface IListModelsQuery {
  /** The search language (see `query.ts`); a syntax error is a 422. */
  q?: string;
  name?: string;
  description?: string;
  namespace?: string;
  sort_by?: ModelSortKey;
  order_by?: 'asc' | 'desc';
  offset?: number;
  limit?: number;
}

/**
 * Sort keys of `GET models`.
 */
export type ModelSortKey =
  | 'name'
  | 'description'
  | 'creation_time'
  | 'last_updated_time';

/**
 * A checkpoint a version can be registered from.
 */
export interface ICheckpoint {
  id: string;
  uuid: string;
  metadata: PartialJSONObject;
  metrics: PartialJSONObject;
  framework: string | null;
  format: string | null;
  /** Where the checkpoint came from; free-form. */
  lineage?: PartialJSONObject | null;
  owner: string;
  created_at: string;
  updated_at: string;
}

/**
 * Fields of `POST models`.
 */
export interface INewModel {
  name: string;
  namespace?: string;
  description?: string;
  task?: string;
  metadata?: PartialJSONObject;
}

/**
 * Fields of `POST models/{id}/versions`.
 */
export interface INewVersion {
  version?: string;
  description?: string;
  framework?: string;
  checkpoint_uuid?: string;
  unique_tags?: string[];
  metadata?: PartialJSONObject;
}

/**
 * Changes of `PATCH models/{id}`.
 */
export interface IModelChanges {
  name?: string;
  description?: string;
  archived?: boolean;
}

/**
 * Logged metric points as columns, all keys in one frame.
 *
 * A value is a number, or `{f: 'nan' | 'inf' | '-inf'}`, or something
 * that is not plottable (a string, `{b: base64}`).
 */
export interface IMetricFrame {
  key: string[];
  step: (number | null)[];
  wallclock: number[];
  value: unknown[];
}

/**
 * Bytes stored by a finished upload.
 */
export interface IBlob {
  checksum: string;
  size: number;
}

/**
 * Answer of `GET events`.
 */
export interface IEventBatch {
  events: IEvent[];
  last_seq: number;
}
