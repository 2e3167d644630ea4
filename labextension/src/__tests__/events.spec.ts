import { ModelboxClient } from '../api';
import { EventPoller, RESET_EVENT } from '../events';
import type { IEvent } from '../tokens';
import { calls, fakeAPI, jsonResponse, settingsWith, settle } from './fake-server';

function event(seq: number, kind = 'model.created'): IEvent {
  return { seq, kind, at: '2026-01-01T00:00:00Z', actor: 'alice', model_id: 'm1' };
}

/** A feed that answers the n-th events call with `answers[n]`, then holds calls open until aborted. */
function feed(answers: ((request: Request) => Response)[]) {
  let n = 0;
  const fetch = fakeAPI([
    ['GET', /^info$/, () => jsonResponse({ last_event_seq: 10 })],
    [
      'GET',
      /^events$/,
      request => {
        const answer = answers[n++];
        return answer
          ? answer(request)
          : new Promise<Response>((_, reject) =>
              request.signal.addEventListener('abort', () => reject(new Error('aborted')))
            );
      }
    ]
  ]);
  const poller = new EventPoller(new ModelboxClient(settingsWith(fetch)), {
    timeoutSeconds: 30,
    minBackoffMs: 5,
    maxBackoffMs: 20
  });
  const received: IEvent[][] = [];
  poller.received.connect((_, events) => received.push(events));
  return { fetch, poller, received };
}

describe('EventPoller', () => {
  it('starts at the current sequence and follows last_seq', async () => {
    const { fetch, poller, received } = feed([
      () => jsonResponse({ events: [event(11), event(12)], last_seq: 12 }),
      () => jsonResponse({ events: [event(13)], last_seq: 13 })
    ]);

    poller.start();
    await settle();
    poller.dispose();

    expect(calls(fetch).slice(0, 4)).toEqual([
      'GET info',
      'GET events?since=10&timeout=30',
      'GET events?since=12&timeout=30',
      'GET events?since=13&timeout=30'
    ]);
    expect(received.map(batch => batch.map(e => e.seq))).toEqual([[11, 12], [13]]);
  });

  it('backs off after failures and carries on', async () => {
    const failures: number[] = [];
    const { poller, received } = feed([
      () => jsonResponse({ message: 'boom' }, 500),
      () => jsonResponse({ message: 'boom' }, 500),
      () => jsonResponse({ events: [event(11)], last_seq: 11 })
    ]);
    poller.failed.connect(() => failures.push(Date.now()));

    poller.start();
    await new Promise(resolve => setTimeout(resolve, 80));
    poller.dispose();

    expect(failures).toHaveLength(2);
    expect(failures[1] - failures[0]).toBeGreaterThanOrEqual(5);
    expect(received.map(batch => batch.map(e => e.seq))).toEqual([[11]]);
  });

  it('stops polling when disposed', async () => {
    const { fetch, poller } = feed([]);

    poller.start();
    await settle();
    const made = fetch.mock.calls.length;
    poller.dispose();
    await poller.stopped;
    await settle();

    expect(poller.isDisposed).toBe(true);
    expect(fetch.mock.calls.length).toBe(made);
  });

  it('announces a reset when the sequence goes backwards', async () => {
    const { poller, received } = feed([() => jsonResponse({ events: [], last_seq: 2 })]);

    poller.start();
    await settle();
    poller.dispose();

    expect(received[0].map(e => e.kind)).toEqual([RESET_EVENT]);
  });
});
