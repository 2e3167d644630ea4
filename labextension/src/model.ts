import { Debouncer } from '@lumino/polling';
import { type ISignal, Signal } from '@lumino/signaling';

import type { ModelboxClient } from './api';
import { EventPoller } from './events';
import type { IEvent, IRegistryModel } from './tokens';

/** Milliseconds to gather events before the views hear of them. */
const EVENT_DEBOUNCE_MS = 150;

/**
 * The registry as the side panel and the main-area pages see it: the REST
 * client and one follower of the event feed for all of them (a
 * `@lumino/polling` `Poll`, standing by while the page is hidden), whose
 * events are gathered and announced in batches through `changed`. Each view
 * observes it and reloads what the events concern, instead of following the
 * feed itself.
 */
export class RegistryModel implements IRegistryModel {
  constructor(options: RegistryModel.IOptions) {
    this.client = options.client;
    this._poller = new EventPoller(this.client, options.pollOptions);
    this._poller.received.connect((_, events) => {
      this._pending.push(...events);
      void this._debouncer.invoke();
    });
  }

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
    client: ModelboxClient;
    /** Timing of the event feed. */
    pollOptions?: EventPoller.IOptions;
  }
}
