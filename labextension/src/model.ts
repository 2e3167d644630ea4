import { Debouncer } from '@lumino/polling';
import { type ISignal, Signal } from '@lumino/signaling';

import type { ModelboxClient } from './api';
import { CachingClient, RegistryCache } from './cache';
import { EventPoller } from './events';
import type { IEvent, IRegistryModel } from './tokens';

/** Milliseconds to gather events before the views hear of them. */
const EVENT_DEBOUNCE_MS = 150;

/**
 * The registry as the side panel and the main-area pages see it: one state
 * of the registry for all of them (`cache`: every read's answer, shared by
 * the views that show it), the REST client that reads through it, and one
 * follower of the event feed (a `@lumino/polling` `Poll`, standing by while
 * the page is hidden). An event forgets the answers it changed at once; the
 * events are then gathered and announced in batches through `changed`, and
 * each view reloads what they concern, from one request per changed answer
 * however many views show it.
 */
export class RegistryModel implements IRegistryModel {
  constructor(options: RegistryModel.IOptions) {
    this.client = new CachingClient(options.client.serverSettings, this.cache);
    this._poller = new EventPoller(this.client, options.pollOptions);
    this._poller.received.connect((_, events) => {
      this.cache.forget(events);
      this._pending.push(...events);
      void this._debouncer.invoke();
    });
    // changes before the feed's first sequence, or while it is down, go unheard: read afresh
    this.cache.holding = false;
    this._poller.following.connect(() => (this.cache.holding = true));
    this._poller.failed.connect(() => this.cache.clear());
  }

  /** The registry's answers shared by every view. */
  readonly cache = new RegistryCache();

  /** Calls of the REST API; its reads go through `cache`, its writes forget it. */
  readonly client: ModelboxClient;

  /** Batches of registry changes, oldest first. */
  get changed(): ISignal<this, IEvent[]> {
    return this._changed;
  }

  /** The follower of the event feed. */
  get poller(): EventPoller {
    return this._poller;
  }

  get isDisposed(): boolean {
    return this._poller.isDisposed;
  }

  /** Start following the event feed (again does nothing). */
  start(): void {
    this._poller.start();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._debouncer.dispose();
    this._poller.dispose();
    Signal.clearData(this);
  }

  private _announce(): void {
    const events = this._pending;
    this._pending = [];
    if (events.length > 0 && !this.isDisposed) {
      this._changed.emit(events);
    }
  }

  private readonly _poller: EventPoller;
  private readonly _debouncer = new Debouncer(() => this._announce(), EVENT_DEBOUNCE_MS);
  private readonly _changed = new Signal<this, IEvent[]>(this);
  private _pending: IEvent[] = [];
}

export namespace RegistryModel {
  export interface IOptions {
    /** The server to call (the model reads and writes through a client of its own on its settings). */
    client: ModelboxClient;
    /** Timing of the event feed. */
    pollOptions?: EventPoller.IOptions;
  }
}
