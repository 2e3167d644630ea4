import { createSHA256 } from 'hash-wasm';

import type { ModelboxClient } from './api';
import { CANCELLED, ModelboxAPIError } from './request';
import type { IArtifact, IBlob } from './tokens';

/**
 * Bytes per PUT. Progress is reported once per chunk, and a failed chunk is
 * the most that is sent twice.
 */
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * How an upload goes.
 */
export interface IUploadOptions {
  /** Bytes per PUT request. */
  chunkBytes?: number;
  /** Aborting it cancels the upload on the server too. */
  signal?: AbortSignal;
  /** Called after every chunk the server acknowledged. */
  onProgress?: (sentBytes: number, totalBytes: number) => void;
  /** Failed chunk requests retried (resuming at the server's offset) before giving up. */
  retries?: number;
  /** Milliseconds before the first retry; doubled for each next one. */
  retryDelayMs?: number;
  /** sha256 hex digest of the bytes; `sha256Hex` unless replaced (tests). */
  digest?: (bytes: Blob, signal?: AbortSignal) => Promise<string>;
}

/**
 * Upload a file's bytes to the registry in chunks and return the stored blob.
 *
 * A chunk that fails (network error, server error, offset conflict) is
 * retried from the offset the server reports, so an interrupted upload
 * resumes rather than restarts. The sha256 is computed in the browser
 * meanwhile (streamed, see `sha256Hex`), and the server checks it when the upload finishes. On failure
 * or cancellation the upload is deleted on the server.
 *
 * @throws {ModelboxAPIError} With reason `CANCELLED` when `signal` aborted.
 */
export async function uploadBytes(
  client: ModelboxClient,
  bytes: Blob,
  options: IUploadOptions = {}
): Promise<IBlob> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const retries = options.retries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const { signal } = options;
  const total = bytes.size;

  throwIfCancelled(signal);
  const checksum = (options.digest ?? sha256Hex)(bytes, signal);
  checksum.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
  const uploadId = await client.startUpload();
  try {
    let offset = 0;
    let failures = 0;
    options.onProgress?.(0, total);
    while (offset < total) {
      throwIfCancelled(signal);
      const chunk = bytes.slice(offset, Math.min(offset + chunkBytes, total));
      try {
        offset = await client.putChunk(uploadId, offset, chunk, signal);
        failures = 0;
      } catch (error) {
        if (isCancelled(error) || ++failures > retries || !isRetryable(error)) {
          throw error;
        }
        await sleep(retryDelayMs * 2 ** (failures - 1), signal);
        offset = await client.uploadOffset(uploadId);
      }
      options.onProgress?.(offset, total);
    }
    throwIfCancelled(signal);
    return await client.finishUpload(uploadId, await checksum);
  } catch (error) {
    await client.cancelUpload(uploadId).catch(() => undefined);
    throw error;
  }
}

/**
 * Upload a file and record it as an artifact of a model or version, at
 * `path` (e.g. `eval/scores.json`).
 */
export async function uploadArtifact(
  client: ModelboxClient,
  objectId: string,
  file: File,
  path: string,
  options: IUploadOptions = {}
): Promise<IArtifact> {
  const blob = await uploadBytes(client, file, options);
  return client.addArtifact(objectId, path, blob);
}

/** Bytes read from the file and hashed at a time. */
export const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The sha256 hex digest of some bytes, streamed: the file is read in
 * `chunkBytes` slices into an incremental SHA-256 (hash-wasm, bundled
 * WebAssembly), so memory stays at one slice whatever the file's size, and
 * it works on plain-http pages (Web Crypto exists only on https/localhost
 * and has no streaming interface).
 *
 * @throws {ModelboxAPIError} With reason `CANCELLED` when `signal` aborted.
 */
export async function sha256Hex(
  bytes: Blob,
  signal?: AbortSignal,
  chunkBytes = HASH_CHUNK_BYTES
): Promise<string> {
  const hasher = await createSHA256();
  hasher.init();
  for (let offset = 0; offset < bytes.size; offset += chunkBytes) {
    throwIfCancelled(signal);
    const slice = bytes.slice(offset, Math.min(offset + chunkBytes, bytes.size));
    hasher.update(new Uint8Array(await slice.arrayBuffer()));
  }
  throwIfCancelled(signal);
  return hasher.digest('hex');
}

/**
 * Whether an error is the cancellation of a request.
 */
export function isCancelled(error: unknown): boolean {
  return error instanceof ModelboxAPIError && error.reason === CANCELLED;
}

function isRetryable(error: unknown): boolean {
  if (!(error instanceof ModelboxAPIError)) {
    return false;
  }
  // no response, a server failure, or an offset conflict (resume from the server's offset)
  return error.status === 0 || error.status >= 500 || error.status === 409;
}

function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) {
    throw new ModelboxAPIError('The upload was cancelled.', 0, CANCELLED);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted(): void {
      clearTimeout(timer);
      reject(new ModelboxAPIError('The upload was cancelled.', 0, CANCELLED));
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
