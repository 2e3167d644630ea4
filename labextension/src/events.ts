import type { IDisposable } from '@lumino/disposable';
import { type ISignal, Signal } from '@lumino/signaling';

import type { ModelboxClient } from './api';
import type { IEvent } from './tokens';

/**
 * Kind of the event emitted when the registry's sequence went backwards
 * (a new registry behind the same server): everything may have changed.
 */
export const RESET_EVENT = 'registry.reset';

/**
 * Follows the registry's change feed (`GET events` long-poll) and emits
 * each batch of new events.
 *
 * After a failed call it waits before trying again, doubling the wait up
 * to `maxBackoffMs`. Disposing it aborts the pending call and stops.
 */
export class EventPoller implements IDisposable {
  constructor(
    private readonly _client: ModelboxClient,
    options: EventPoller.IOptions = {}
  ) {
    this._timeoutSeconds = options.timeoutSeconds ?? 30;
    this._minBackoffMs = options.minBackoffMs ?? 1000;
    this._maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /** New events, oldest first. */
  get received(): ISignal<this, IEvent[]> {
    return this._received;
  }

  /** Failures of the feed (the poller keeps trying). */
  get failed(): ISignal<this, unknown> {
    return this._failed;
  }

  get isDisposed(): boolean {
    return this._abort.signal.aborted;
  }

  /** Start following the feed; calling it again does nothing. */
  start(): void {
    if (!this._running && !this.isDisposed) {
      this._running = this._run();
    }
  }

  /** Resolves when the loop has stopped (after `dispose`). */
  get stopped(): Promise<void> {
    return this._running ?? Promise.resolve();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._abort.abort();
    clearTimeout(this._timer);
    this._wake?.();
    Signal.clearData(this);
  }

  private async _run(): Promise<void> {
    let since: number | null = null;
    let backoff = this._minBackoffMs;
    while (!this.isDisposed) {
      try {
        if (since === null) {
          since = await this._client.lastEventSeq();
        }
        const batch = await this._client.events(
          since,
          this._timeoutSeconds,
          this._abort.signal
        );
        backoff = this._minBackoffMs;
        if (this.isDisposed) {
          break;
        }
        if (batch.events.length > 0) {
          since = batch.last_seq;
          this._received.emit(batch.events);
        } else if (batch.last_seq < since) {
          since = batch.last_seq;
          this._received.emit([
            { seq: since, kind: RESET_EVENT, at: new Date().toISOString(), actor: null }
          ]);
        }
      } catch (error) {
        if (this.isDisposed) {
          break;
        }
        this._failed.emit(error);
        await this._pause(backoff);
        backoff = Math.min(backoff * 2, this._maxBackoffMs);
      }
    }
  }

  private _pause(ms: number): Promise<void> {
    return new Promise(resolve => {
      this._wake = resolve;
      this._timer = setTimeout(resolve, ms);
    });
  }

  private readonly _abort = new AbortController();
  private readonly _timeoutSeconds: number;
  private readonly _minBackoffMs: number;
  private readonly _maxBackoffMs: number;
  private readonly _received = new Signal<this, IEvent[]>(this);
  private readonly _failed = new Signal<this, unknown>(this);
  private _running: Promise<void> | null = null;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _wake: (() => void) | null = null;
}

export namespace EventPoller {
  export interface IOptions {
    /** Seconds the server may hold one call open. */
    timeoutSeconds?: number;
    /** Wait after the first failure. */
    minBackoffMs?: number;
    /** Longest wait between failing calls. */
    maxBackoffMs?: number;
  }
}
