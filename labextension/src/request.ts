import type { ServerConnection } from '@jupyterlab/services';

// Types only from JupyterLab: the notebook drop zone bundles this module, and it must run where no
// JupyterLab code is loaded (Notebook 7, VS Code).

/**
 * URL path of the modelbox REST API below the server's base URL.
 */
const API_PATH = 'modelbox/api/';

/**
 * What a request to the Jupyter server needs: JupyterLab's
 * `ServerConnection.ISettings` satisfies it, and so does
 * `pageConnection()` where no JupyterLab runs.
 */
export type IConnection = Pick<
  ServerConnection.ISettings,
  'baseUrl' | 'token' | 'init' | 'fetch' | 'Request'
>;

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
 * `reason` of the error of a request cancelled through its `AbortSignal`.
 */
export const CANCELLED = 'Cancelled';

/**
 * Call the modelbox REST API and return the decoded JSON body.
 *
 * Authenticates as JupyterLab's `ServerConnection.makeRequest` does: the
 * token when there is one, and the `_xsrf` cookie echoed as `X-XSRFToken`.
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
  serverSettings: IConnection,
  init: RequestInit = {}
): Promise<T> {
  const url = serverSettings.baseUrl.replace(/\/?$/, '/') + API_PATH + endPoint;
  const request = new serverSettings.Request(url, { ...serverSettings.init, ...init });
  if (serverSettings.token) {
    request.headers.set('Authorization', `token ${serverSettings.token}`);
  }
  const xsrf = xsrfCookie();
  if (xsrf) {
    request.headers.set('X-XSRFToken', xsrf);
  }
  if (!request.headers.has('Content-Type')) {
    // a body-less request the server can tell apart from a cross-site form
    request.headers.set('Content-Type', 'application/json');
  }

  let response: Response;
  try {
    response = await serverSettings.fetch.call(null, request);
  } catch (error) {
    throw networkError(error, init);
  }

  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw networkError(error, init);
  }
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
 * A query string (`?a=1&key=x&key=y`) from parameters; arrays repeat the
 * key, and `undefined`, `null` and `''` values are left out.
 */
export function queryString(params: {
  [name: string]: QueryValue | QueryValue[];
}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null && item !== '') {
        search.append(name, String(item));
      }
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * A value of one query parameter.
 */
export type QueryValue = string | number | boolean | null | undefined;

/**
 * `init` for a request with a JSON body.
 */
export function jsonBody(method: string, body: unknown): RequestInit {
  return {
    method,
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' }
  };
}

/**
 * The error for a request that got no (complete) response.
 */
function networkError(error: unknown, init: RequestInit): ModelboxAPIError {
  if (init.signal?.aborted) {
    return new ModelboxAPIError('The request was cancelled.', 0, CANCELLED);
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new ModelboxAPIError(
    `Could not reach the Jupyter server (${detail}).`,
    0
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

/**
 * How to reach the Jupyter server that served this page, from its
 * `jupyter-config-data` (JupyterLab, Notebook 7); `null` where the page has
 * none (e.g. VS Code).
 */
export function pageConnection(): IConnection | null {
  const element = document.getElementById('jupyter-config-data');
  let config: { baseUrl?: unknown; token?: unknown };
  try {
    config = JSON.parse(element?.textContent || 'null');
  } catch {
    return null;
  }
  if (!config || typeof config.baseUrl !== 'string') {
    return null;
  }
  return {
    baseUrl: config.baseUrl,
    token: typeof config.token === 'string' ? config.token : '',
    init: { cache: 'no-store', credentials: 'same-origin' },
    fetch: (input, init) => fetch(input, init),
    Request
  };
}

function xsrfCookie(): string | null {
  let cookie = '';
  try {
    cookie = document.cookie;
  } catch {
    return null; // e.g. a sandboxed page
  }
  const match = /(?:^|;\s*)_xsrf=([^;]*)/.exec(cookie);
  return match ? decodeURIComponent(match[1]) : null;
}

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
