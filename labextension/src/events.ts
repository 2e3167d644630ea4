import type { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
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
 * The calls are ticks of a `@lumino/polling` `Poll`: after a failed call it
 * waits before trying again, growing the wait up to `maxBackoffMs`, and it
 * stands by while the page is hidden. Disposing it aborts the pending call
 * and stops.
 */
export class EventPoller implements IDisposable {
  constructor(
    private readonly _client: ModelboxClient,
    options: EventPoller.IOptions = {}
  ) {
    this._timeoutSeconds = options.timeoutSeconds ?? 30;
    const interval = options.minBackoffMs ?? 500;
    this._minBackoffMs = interval;
    this._poll = new Poll({
      auto: false,
      factory: () => this._tick(),
      frequency: { interval, backoff: true, max: Math.max(interval, options.maxBackoffMs ?? 30_000) },
      standby: options.standby ?? 'when-hidden',
      name: 'modelbox:events'
    });
  }

  /** New events, oldest first. */
  get received(): ISignal<this, IEvent[]> {
    return this._received;
  }

  /** Emitted once the poller knows where the feed stands: every later change reaches `received`. */
  get following(): ISignal<this, void> {
    return this._following;
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
    if (!this._started && !this.isDisposed) {
      this._started = true;
      void this._poll.start();
    }
  }

  /** Resolves when the pending call has ended (after `dispose`). */
  get stopped(): Promise<void> {
    return this._pending.then(
      () => undefined,
      () => undefined
    );
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._abort.abort();
    this._poll.dispose();
    Signal.clearData(this);
  }

  /** One call of the feed; a rejection makes the poll back off. */
  private _tick(): Promise<void> {
    this._pending = this._follow().catch(async error => {
      if (this.isDisposed) {
        return;
      }
      this._failed.emit(error);
      // Lumino's first wait after a success is drawn below `interval`: hold the
      // rejection so that every failed call is followed by at least that wait
      await this._wait(this._minBackoffMs);
      throw error;
    });
    return this._pending;
  }

  private async _follow(): Promise<void> {
    if (this._since === null) {
      this._since = await this._client.lastEventSeq();
      this._following.emit();
    }
    const since = this._since;
    const batch = await this._client.events(since, this._timeoutSeconds, this._abort.signal);
    if (this.isDisposed) {
      return;
    }
    if (batch.events.length > 0) {
      this._since = batch.last_seq;
      this._received.emit(batch.events);
    } else if (batch.last_seq < since) {
      this._since = batch.last_seq;
      this._received.emit([{ seq: batch.last_seq, kind: RESET_EVENT, at: new Date().toISOString(), actor: null }]);
    }
    // the next call right away: the server holds it open until something happens
    if (!this.isDisposed) {
      void this._poll.schedule({ interval: Poll.IMMEDIATE });
    }
  }

  private _wait(ms: number): Promise<void> {
    return new Promise(resolve => {
      const timer = setTimeout(resolve, ms);
      this._abort.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true }
      );
    });
  }

  private readonly _abort = new AbortController();
  private readonly _timeoutSeconds: number;
  private readonly _minBackoffMs: number;
  private readonly _poll: Poll;
  private readonly _received = new Signal<this, IEvent[]>(this);
  private readonly _failed = new Signal<this, unknown>(this);
  private readonly _following = new Signal<this, void>(this);
  private _since: number | null = null;
  private _started = false;
  private _pending: Promise<void> = Promise.resolve();
}

export namespace EventPoller {
  export interface IOptions {
    /** Seconds the server may hold one call open. */
    timeoutSeconds?: number;
    /** Wait after the first failure. */
    minBackoffMs?: number;
    /** Longest wait between failing calls. */
    maxBackoffMs?: number;
    /** When to stop calling: by default while the page is hidden. */
    standby?: Poll.Standby | (() => boolean | Poll.Standby);
  }
}
