import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type { IListModelsQuery, IModelList, IVersionList } from './tokens';

/**
 * URL path of the modelbox REST API below the server's base URL.
 */
const API_PATH = ['modelbox', 'api'];

/**
 * A failed call to the modelbox REST API.
 *
 * `message` is the server's own explanation when it sent one
 * (the server answers errors with JSON `{"message": ..., "reason": ...}`).
 */
export class ModelboxAPIError extends Error {
  /**
   * @param message - What went wrong, fit to show to the user.
   * @param status - The HTTP status; 0 when no response arrived.
   * @param reason - The server's `reason` field, if any.
   */
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string | null = null
  ) {
    super(message);
    this.name = 'ModelboxAPIError';
  }
}

/**
 * Call the modelbox REST API and return the decoded JSON body.
 *
 * @param endPoint - API path below `<baseUrl>/modelbox/api/`, query string included.
 * @param serverSettings - The Jupyter server connection settings.
 * @param init - Initial values for the request.
 * @returns The decoded JSON body, or `undefined` for an empty body.
 * @throws {ModelboxAPIError} When the server cannot be reached, answers with
 *   an error status, or sends a body that is not JSON.
 */
export async function requestAPI<T>(
  endPoint: string,
  serverSettings: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<T> {
  const url = URLExt.join(serverSettings.baseUrl, ...API_PATH, endPoint);

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, serverSettings);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ModelboxAPIError(
      `Could not reach the Jupyter server (${detail}).`,
      0
    );
  }

  const text = await response.text();
  let data: unknown = undefined;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      if (response.ok) {
        throw new ModelboxAPIError(
          `The server sent a response that is not JSON (HTTP ${response.status}).`,
          response.status
        );
      }
    }
  }

  if (!response.ok) {
    const body = isObject(data) ? data : {};
    const message =
      typeof body.message === 'string' && body.message
        ? body.message
        : fallbackMessage(response);
    const reason = typeof body.reason === 'string' ? body.reason : null;
    throw new ModelboxAPIError(message, response.status, reason);
  }
  return data as T;
}

/**
 * List models, filtered, sorted and paged as the query says.
 */
export function listModels(
  serverSettings: ServerConnection.ISettings,
  query: IListModelsQuery = {}
): Promise<IModelList> {
  const params: { [key: string]: string | number } = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') {
      params[key] = value;
    }
  }
  return requestAPI<IModelList>(
    'models' + URLExt.objectToQueryString(params),
    serverSettings
  );
}

/**
 * List the versions of one model.
 */
export function listVersions(
  serverSettings: ServerConnection.ISettings,
  modelId: string
): Promise<IVersionList> {
  return requestAPI<IVersionList>(
    `models/${encodeURIComponent(modelId)}/versions`,
    serverSettings
  );
}

/**
 * The message for an error response that carries no JSON `message`.
 */
function fallbackMessage(response: Response): string {
  const status = `HTTP ${response.status} ${response.statusText}`.trim();
  if (response.status === 404) {
    // The API answers its own 404s with JSON; a bare 404 means no API here.
    return (
      `The model registry API was not found on this server (${status}). ` +
      'Is the jupyter_modelbox server extension enabled?'
    );
  }
  return status;
}

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
