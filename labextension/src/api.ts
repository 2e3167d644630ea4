import type { PartialJSONObject, PartialJSONValue } from '@lumino/coreutils';

import { type IConnection, jsonBody, queryString, requestAPI } from './request';
import type {
  IArtifact,
  IBlob,
  ICheckpoint,
  ICheckpointList,
  IEventBatch,
  IExperiment,
  IExperimentList,
  IListExperimentsQuery,
  IListModelsQuery,
  IMetricFrame,
  IModel,
  IModelChanges,
  IModelList,
  IModelVersion,
  INewModel,
  IRegistryObject,
  INewVersion,
  IVersionList
} from './tokens';

/**
 * Typed calls of the modelbox REST API, one method per endpoint the panel uses.
 *
 * Every method rejects with a `ModelboxAPIError` (see `request.ts`).
 */
export class ModelboxClient {
  /** @param serverSettings - JupyterLab's server settings, or `pageConnection()` outside JupyterLab. */
  constructor(readonly serverSettings: IConnection) {}

  // -- models ------------------------------------------------------------

  listModels(query: IListModelsQuery = {}): Promise<IModelList> {
    return this._get('models' + queryString({ ...query }));
  }

  async listNamespaces(): Promise<string[]> {
    const answer = await this._get<{ namespaces: string[] }>('namespaces');
    return answer.namespaces;
  }

  getModel(modelId: string): Promise<IModel> {
    return this._get(`models/${enc(modelId)}`);
  }

  createModel(model: INewModel): Promise<IModel> {
    return this._send('models', 'POST', model);
  }

  /** `revision`: the one the change starts from (sent as `If-Match`; 412 when the model changed since). */
  updateModel(modelId: string, changes: IModelChanges, revision?: number): Promise<IModel> {
    return this._send(`models/${enc(modelId)}`, 'PATCH', changes, revision);
  }

  /** Deletes the model with its versions when `cascade` is true. */
  async deleteModel(modelId: string, cascade = false, revision?: number): Promise<void> {
    await this._call(
      `models/${enc(modelId)}` + queryString({ cascade: cascade || null }),
      ifMatch({ method: 'DELETE' }, revision)
    );
  }

  // -- versions ----------------------------------------------------------

  /** The versions of a model, newest first; `q` filters with the search language. */
  listVersions(modelId: string, q?: string): Promise<IVersionList> {
    return this._get(`models/${enc(modelId)}/versions` + queryString({ q: q?.trim() || undefined }));
  }

  /** Versions of all models matching a query of the search language. */
  searchVersions(q: string, offset = 0, limit?: number): Promise<IVersionList> {
    return this._get('versions' + queryString({ q, offset, limit }));
  }

  getVersion(versionId: string): Promise<IModelVersion> {
    return this._get(`versions/${enc(versionId)}`);
  }

  createVersion(modelId: string, version: INewVersion): Promise<IModelVersion> {
    return this._send(`models/${enc(modelId)}/versions`, 'POST', version);
  }

  async deleteVersion(versionId: string, revision?: number): Promise<void> {
    await this._call(`versions/${enc(versionId)}`, ifMatch({ method: 'DELETE' }, revision));
  }

  /**
   * Put a unique tag on a version. Without `move` the server answers 409
   * (`ConflictError`) when another version of the model holds the tag;
   * with `revision` (the version's, as loaded) 412 when the version changed since.
   */
  addTag(versionId: string, tag: string, move = false, revision?: number): Promise<IModelVersion> {
    return this._send(`versions/${enc(versionId)}/tags`, 'POST', { tag, move }, revision);
  }

  /** `revision`: the version's, as loaded (sent as `If-Match`; 412 when it changed since). */
  removeTag(versionId: string, tag: string, revision?: number): Promise<IModelVersion> {
    return this._call(`versions/${enc(versionId)}/tags/${enc(tag)}`, ifMatch({ method: 'DELETE' }, revision));
  }

  getCheckpoint(uuid: string): Promise<ICheckpoint> {
    return this._get(`checkpoints/${enc(uuid)}`);
  }

  // -- experiments -------------------------------------------------------

  /** Experiments, newest first; `q` filters with the search language. */
  listExperiments(query: IListExperimentsQuery = {}): Promise<IExperimentList> {
    return this._get('experiments' + queryString({ ...query, q: query.q?.trim() || undefined }));
  }

  getExperiment(experimentId: string): Promise<IExperiment> {
    return this._get(`experiments/${enc(experimentId)}`);
  }

  /** An experiment's checkpoints by epoch, then batch number. */
  listCheckpoints(experimentId: string, offset = 0, limit?: number): Promise<ICheckpointList> {
    return this._get(`experiments/${enc(experimentId)}/checkpoints` + queryString({ offset, limit }));
  }

  /**
   * The checkpoint with the best value of the experiment's declared metric
   * (else `val_loss`); rejects with a 404 saying why when none reports it.
   */
  topCheckpoint(experimentId: string): Promise<ICheckpoint> {
    return this._get(`experiments/${enc(experimentId)}/top-checkpoint`);
  }

  // -- metadata of a model, version or checkpoint ------------------------

  async getMetadata(objectId: string): Promise<PartialJSONObject> {
    const answer = await this._get<{ metadata: PartialJSONObject }>(
      `objects/${enc(objectId)}/metadata`
    );
    return answer.metadata;
  }

  /**
   * Merges top-level keys into the metadata, atomically on the server. Each
   * metadata edit sends `revision` (the object's, as loaded) as `If-Match`
   * when given, and answers the object with its new revision.
   */
  mergeMetadata(objectId: string, metadata: PartialJSONObject, revision?: number): Promise<IRegistryObject> {
    return this._send(`objects/${enc(objectId)}/metadata`, 'PATCH', { metadata }, revision);
  }

  setMetadataKey(objectId: string, key: string, value: PartialJSONValue, revision?: number): Promise<IRegistryObject> {
    return this._send(`objects/${enc(objectId)}/metadata/${enc(key)}`, 'PUT', { value }, revision);
  }

  removeMetadataKeys(objectId: string, keys: string[], revision?: number): Promise<IRegistryObject> {
    return this._call(
      `objects/${enc(objectId)}/metadata` + queryString({ key: keys }),
      ifMatch({ method: 'DELETE' }, revision)
    );
  }

  // -- metrics -----------------------------------------------------------

  async listMetricKeys(objectId: string): Promise<string[]> {
    const answer = await this._get<{ keys: string[] }>(
      `objects/${enc(objectId)}/metric-keys`
    );
    return answer.keys;
  }

  /** Points of the given keys, downsampled by the server to `maxPoints` per key. */
  getMetrics(
    objectId: string,
    keys: string[],
    maxPoints: number
  ): Promise<IMetricFrame> {
    return this._get(
      `objects/${enc(objectId)}/metrics` +
        queryString({
          key: keys,
          max_points: Math.max(4, Math.round(maxPoints)),
          method: 'minmax_lttb'
        })
    );
  }

  // -- artifacts ---------------------------------------------------------

  async listArtifacts(objectId: string): Promise<IArtifact[]> {
    const answer = await this._get<{ artifacts: IArtifact[] }>(
      `objects/${enc(objectId)}/artifacts`
    );
    return answer.artifacts;
  }

  /** Forget an artifact: its record goes; the bytes when no other artifact shares them (`gc`). */
  async deleteArtifact(artifactId: string): Promise<void> {
    await this._call(`artifacts/${enc(artifactId)}`, { method: 'DELETE' });
  }

  /** Records bytes of a finished upload as an artifact named `path`. */
  addArtifact(objectId: string, path: string, blob: IBlob): Promise<IArtifact> {
    return this._send(`objects/${enc(objectId)}/artifacts`, 'POST', {
      path,
      checksum: blob.checksum,
      size: blob.size
    });
  }

  /** Copies file browser files (contents paths) into the registry, server-side. */
  async addArtifactsFromContents(
    objectId: string,
    paths: string[]
  ): Promise<IArtifact[]> {
    const answer = await this._send<{ artifacts: IArtifact[] }>(
      `objects/${enc(objectId)}/artifacts-from-contents`,
      'POST',
      { paths }
    );
    return answer.artifacts;
  }

  /** The URL that downloads an artifact's bytes (same origin, cookie auth). */
  artifactContentURL(artifactId: string): string {
    const base = this.serverSettings.baseUrl.replace(/\/?$/, '/');
    return `${base}modelbox/api/artifacts/${enc(artifactId)}/content`;
  }

  // -- uploads -----------------------------------------------------------

  async startUpload(): Promise<string> {
    const answer = await this._send<{ upload_id: string }>('uploads', 'POST', {});
    return answer.upload_id;
  }

  /** Appends `chunk` at `offset`; returns the bytes the server now holds. */
  async putChunk(
    uploadId: string,
    offset: number,
    chunk: Blob,
    signal?: AbortSignal
  ): Promise<number> {
    const answer = await this._call<{ offset: number }>(
      `uploads/${enc(uploadId)}` + queryString({ offset }),
      {
        method: 'PUT',
        body: chunk,
        // ServerConnection sends JSON unless told otherwise.
        headers: { 'Content-Type': 'application/octet-stream' },
        signal
      }
    );
    return answer.offset;
  }

  async uploadOffset(uploadId: string): Promise<number> {
    const answer = await this._get<{ offset: number }>(
      `uploads/${enc(uploadId)}`
    );
    return answer.offset;
  }

  async cancelUpload(uploadId: string): Promise<void> {
    await this._call(`uploads/${enc(uploadId)}`, { method: 'DELETE' });
  }

  finishUpload(uploadId: string, checksum: string): Promise<IBlob> {
    return this._send(`uploads/${enc(uploadId)}/finish`, 'POST', { checksum });
  }

  // -- events ------------------------------------------------------------

  async lastEventSeq(): Promise<number> {
    const info = await this._get<{ last_event_seq: number }>('info');
    return info.last_event_seq;
  }

  /** Events after `since`; waits up to `timeoutSeconds` for one (long-poll). */
  events(
    since: number,
    timeoutSeconds: number,
    signal?: AbortSignal
  ): Promise<IEventBatch> {
    return this._call(
      'events' + queryString({ since, timeout: timeoutSeconds }),
      { signal }
    );
  }

  // -- plumbing ----------------------------------------------------------

  protected _get<T>(endPoint: string): Promise<T> {
    return this._call<T>(endPoint, {});
  }

  private _send<T>(endPoint: string, method: string, body: unknown, revision?: number): Promise<T> {
    return this._call<T>(endPoint, ifMatch(jsonBody(method, body), revision));
  }

  protected _call<T>(endPoint: string, init: RequestInit): Promise<T> {
    return requestAPI<T>(endPoint, this.serverSettings, init);
  }
}

/** `init` with `If-Match: "<revision>"` when a revision is given. */
function ifMatch(init: RequestInit, revision?: number): RequestInit {
  if (revision === undefined) {
    return init;
  }
  return { ...init, headers: { ...(init.headers as Record<string, string> | undefined), 'If-Match': `"${revision}"` } };
}

function enc(part: string): string {
  return encodeURIComponent(part);
}
