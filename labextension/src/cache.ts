// The registry state the side panel and the main-area pages share: each answer of a read, held once
// for every view that shows it, until an event of the registry's feed (or a write) says it changed.

import { ModelboxClient } from './api';
import { RESET_EVENT } from './events';
import type { IConnection } from './request';
import type { IEvent } from './tokens';

/** Answers held at most; the oldest go first. */
const MAX_ENTRIES = 500;

/** Reads whose answers are registry state (not the event feed, server info or uploads). */
const STATE = /^(models|namespaces|versions|checkpoints|experiments|objects)(\/|\?|$)/;

/** Reads across many objects (lists, searches): any change may alter them. */
const QUERY = /^(models|versions|experiments|namespaces)(\?|$)/;

/** Fields of an answer that name the objects it belongs to. */
const OWNER_FIELDS = ['model_id', 'experiment_id'] as const;

interface IEntry {
  answer: Promise<unknown>;
  /** Ids of the objects the answer shows: those in its path, then its owners once it arrived. */
  subjects: Set<string>;
}

/**
 * Answers of registry reads keyed by their endpoint, shared by every view.
 *
 * A read of an endpoint already asked for gets the same answer (in flight or
 * arrived). An event forgets the answers of the objects it names (a version's
 * answer also belongs to its model: moving a tag changes two versions); a
 * write through the client forgets everything, so a view that reloads after
 * its own change sees it. A failed read is not kept.
 */
export class RegistryCache {
  /**
   * Whether answers are kept: a model holds them only while it follows the
   * event feed, since an answer nothing can forget would go stale.
   */
  holding = true;

  /** The answer of `endPoint`, asking `fetch` only when none is held. */
  read<T>(endPoint: string, fetch: () => Promise<T>): Promise<T> {
    if (!this.holding || !STATE.test(endPoint)) {
      return fetch();
    }
    const held = this._entries.get(endPoint);
    if (held) {
      return held.answer as Promise<T>;
    }
    const entry: IEntry = { answer: fetch(), subjects: subjectsOf(endPoint) };
    this._entries.set(endPoint, entry);
    entry.answer.then(
      answer => {
        for (const owner of ownersOf(answer)) {
          entry.subjects.add(owner);
        }
      },
      () => {
        if (this._entries.get(endPoint) === entry) {
          this._entries.delete(endPoint);
        }
      }
    );
    if (this._entries.size > MAX_ENTRIES) {
      this._entries.delete(this._entries.keys().next().value as string);
    }
    return entry.answer as Promise<T>;
  }

  /** Forget what the events changed. */
  forget(events: readonly IEvent[]): void {
    for (const event of events) {
      const ids = idsOf(event);
      if (event.kind === RESET_EVENT || ids.size === 0) {
        this.clear();
        return;
      }
      this._forgetWhere(event.kind === 'metrics.logged' ? metricsOf(ids) : changedBy(ids));
    }
  }

  /** Forget every answer. */
  clear(): void {
    this._entries.clear();
  }

  /** Endpoints whose answers are held (in flight or arrived). */
  get endPoints(): string[] {
    return [...this._entries.keys()];
  }

  private _forgetWhere(changed: (endPoint: string, entry: IEntry) => boolean): void {
    for (const [endPoint, entry] of [...this._entries]) {
      if (changed(endPoint, entry)) {
        this._entries.delete(endPoint);
      }
    }
  }

  private readonly _entries = new Map<string, IEntry>();
}

/**
 * The REST client whose reads of registry state go through a `RegistryCache`
 * and whose writes forget it once they answer (or fail: a refused write may
 * mean the object changed).
 */
export class CachingClient extends ModelboxClient {
  constructor(
    serverSettings: IConnection,
    readonly cache: RegistryCache
  ) {
    super(serverSettings);
  }

  protected override _get<T>(endPoint: string): Promise<T> {
    return this.cache.read(endPoint, () => super._get<T>(endPoint));
  }

  protected override _call<T>(endPoint: string, init: RequestInit): Promise<T> {
    const answer = super._call<T>(endPoint, init);
    const method = (init.method ?? 'GET').toUpperCase();
    return method === 'GET' ? answer : answer.finally(() => this.cache.clear());
  }
}

function idsOf(event: IEvent): Set<string> {
  const fields = event as Record<string, unknown>;
  const ids = ['model_id', 'version_id', 'object_id', 'experiment_id'].map(field => fields[field]);
  return new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''));
}

function subjectsOf(endPoint: string): Set<string> {
  const path = endPoint.split('?')[0];
  return new Set(path.split('/').slice(1).map(decodeURIComponent));
}

function ownersOf(answer: unknown): string[] {
  if (typeof answer !== 'object' || answer === null) {
    return [];
  }
  const fields = answer as Record<string, unknown>;
  return OWNER_FIELDS.map(field => fields[field]).filter((id): id is string => typeof id === 'string');
}

/** Logged points change the object's metric reads only. */
function metricsOf(ids: Set<string>): (endPoint: string) => boolean {
  return endPoint => [...ids].some(id => endPoint.startsWith(`objects/${encodeURIComponent(id)}/metric`));
}

function changedBy(ids: Set<string>): (endPoint: string, entry: IEntry) => boolean {
  return (endPoint, entry) => QUERY.test(endPoint) || [...ids].some(id => entry.subjects.has(id));
}
