import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import fc from 'fast-check';
import { sessionWindows, type ClosedSession, type SessionSlot, type SessionWindowSpec } from '../../../src/operators/session-windows.js';
import { ChangelogStore, jsonCodec, type KeyValueStore } from '../../../src/state/store.js';
import type { LifelongError } from '../../../src/errors/catalog.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { PartitionContext, StreamItem, StreamRecord, StreamTick } from '../../../src/topology/topology.js';

/** A tiny event: an id, an event time, and optionally a session id and a boundary marker. */
interface Ev {
  readonly id: string;
  readonly ts: number;
  readonly sid?: string;
  readonly mark?: 'start' | 'end';
}

/** The accumulator: how many events, and which, in arrival order. */
interface Count {
  n: number;
  ids: string[];
}

const MIN = 60_000;
const GAP = 30 * MIN;
const LATENESS = 5 * MIN;
const T0 = Date.UTC(2024, 0, 1);

const spec: SessionWindowSpec<Ev, Count> = {
  storeName: 'sessions',
  gapMs: GAP,
  allowedLatenessMs: LATENESS,
  timeOf: (e) => e.ts,
  sessionIdOf: (e) => e.sid ?? null,
  boundaryOf: (e) => e.mark ?? null,
  create: () => ({ n: 0, ids: [] }),
  add: (acc, e) => {
    acc.n++;
    acc.ids.push(e.id);
  },
};

interface Harness {
  readonly context: PartitionContext;
  readonly store: ChangelogStore<SessionSlot<Count>>;
  readonly deadLetters: Array<{ record: StreamRecord<unknown>; error: LifelongError }>;
}

function harness(): Harness {
  const store = new ChangelogStore<SessionSlot<Count>>('sessions', jsonCodec());
  const deadLetters: Harness['deadLetters'] = [];
  const context: PartitionContext = {
    partition: 0,
    topology: 'test',
    logger: silentLogger(),
    store: <V>(name: string): KeyValueStore<V> => {
      assert.equal(name, 'sessions');
      return store as unknown as KeyValueStore<V>;
    },
    readStore: (name) => assert.fail(`no store ${name} of another topology in this harness`),
    globalTable: (name) => assert.fail(`no global table ${name} in this harness`),
    streamTime: () => T0,
    observe: () => {},
    deadLetter: (record, error) => {
      deadLetters.push({ record, error });
    },
  };
  return { context, store, deadLetters };
}

let offset = 0;
function rec(key: string, e: Ev): StreamRecord<Ev> {
  const o = offset++;
  return { kind: 'record', key, value: e, partition: 0, offset: o, source: { topic: 't', partition: 0, offset: o, key: Buffer.from(key), value: null, timestamp: 0 } };
}
const tick = (streamTime: number): StreamTick => ({ kind: 'tick', streamTime });

/** The expected emission, computed by hand in each test. */
function closed(key: string, id: string, events: Ev[], reason: ClosedSession<Count>['reason']): ClosedSession<Count> {
  const times = events.map((e) => e.ts);
  return { key, window: { id, startMs: Math.min(...times), lastMs: Math.max(...times), acc: { n: events.length, ids: events.map((e) => e.id) } }, reason };
}

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/** Runs one marble case against a fresh store and returns the harness for later checks. */
function run(input: string, inputs: Record<string, StreamItem<Ev>>, expected: string, outputs: Record<string, ClosedSession<Count>>): Harness {
  const h = harness();
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold<StreamItem<Ev>>(input, inputs);
    expectObservable(source.pipe(sessionWindows(spec, h.context))).toBe(expected, outputs);
  });
  return h;
}

describe('sessionWindows', () => {
  test('splits on an event-time gap, not on marble time', () => {
    const a: Ev = { id: 'a', ts: T0 };
    const b: Ev = { id: 'b', ts: T0 + 10 * MIN };
    const c: Ev = { id: 'c', ts: T0 + 10 * MIN + GAP + 1 }; // one ms past the gap after b
    const h = run(
      '  a-b-c-|',
      { a: rec('u', a), b: rec('u', b), c: rec('u', c) },
      '  ----x-|',
      { x: closed('u', `u:${T0}`, [a, b], 'gap') },
    );
    assert.deepEqual(h.deadLetters, []);
    // The session opened by c is still open, and the store knows where the closed one ended.
    const slot = h.store.get('u')!;
    assert.equal(slot.lastClosedEndMs, b.ts);
    assert.deepEqual(slot.open, { id: `u:${c.ts}`, startMs: c.ts, lastMs: c.ts, acc: { n: 1, ids: ['c'] } });
  });

  test('events far apart in marble time but within the gap in event time stay together', () => {
    const a: Ev = { id: 'a', ts: T0 };
    const b: Ev = { id: 'b', ts: T0 + GAP }; // exactly the gap: not more than it
    const c: Ev = { id: 'c', ts: T0 + 2 * GAP };
    run(
      '  a 999ms b 999ms c 999ms |',
      { a: rec('u', a), b: rec('u', b), c: rec('u', c) },
      '  - 999ms - 999ms - 999ms |',
      {},
    );
  });

  test('keys are sessionized independently', () => {
    const a1: Ev = { id: 'a1', ts: T0 };
    const b1: Ev = { id: 'b1', ts: T0 + 1 };
    const a2: Ev = { id: 'a2', ts: T0 + GAP + 1 };
    const b2: Ev = { id: 'b2', ts: T0 + GAP };
    run(
      '  a-b-c-d-|',
      { a: rec('alice', a1), b: rec('bob', b1), c: rec('alice', a2), d: rec('bob', b2) },
      '  ----x---|',
      { x: closed('alice', `alice:${T0}`, [a1], 'gap') },
    );
  });

  test('an out-of-order event within the gap extends the session backwards', () => {
    const a: Ev = { id: 'a', ts: T0 + 10 * MIN };
    const b: Ev = { id: 'b', ts: T0 + 2 * MIN };
    const end: Ev = { id: 'end', ts: T0 + 11 * MIN, mark: 'end' };
    run(
      '  a-b-e-|',
      { a: rec('u', a), b: rec('u', b), e: rec('u', end) },
      '  ----x-|',
      // The id is fixed when the session opens (at a), the bounds follow the events.
      { x: { key: 'u', window: { id: `u:${a.ts}`, startMs: b.ts, lastMs: end.ts, acc: { n: 3, ids: ['a', 'b', 'end'] } }, reason: 'end' } },
    );
  });

  test('explicit SESSION_START and SESSION_END', () => {
    const s1: Ev = { id: 's1', ts: T0, mark: 'start' };
    const x: Ev = { id: 'x', ts: T0 + 1 };
    const e1: Ev = { id: 'e1', ts: T0 + 2, mark: 'end' };
    const s2: Ev = { id: 's2', ts: T0 + 3, mark: 'start' };
    const y: Ev = { id: 'y', ts: T0 + 4 };
    const s3: Ev = { id: 's3', ts: T0 + 5, mark: 'start' }; // a start while open restarts
    const e3: Ev = { id: 'e3', ts: T0 + 6, mark: 'end' };
    run(
      '  a-b-c-d-e-f-g-|',
      { a: rec('u', s1), b: rec('u', x), c: rec('u', e1), d: rec('u', s2), e: rec('u', y), f: rec('u', s3), g: rec('u', e3) },
      '  ----p-----q-r-|',
      {
        p: closed('u', `u:${s1.ts}`, [s1, x, e1], 'end'),
        q: closed('u', `u:${s2.ts}`, [s2, y], 'new-session'),
        r: closed('u', `u:${s3.ts}`, [s3, e3], 'end'),
      },
    );
  });

  test('a lone SESSION_END is a one-event session', () => {
    const e: Ev = { id: 'e', ts: T0, mark: 'end' };
    run('  a-|', { a: rec('u', e) }, '  x-|', { x: closed('u', `u:${T0}`, [e], 'end') });
  });

  test('explicit session ids: a new id closes the open session, whatever the time', () => {
    const a: Ev = { id: 'a', ts: T0, sid: 's1' };
    const b: Ev = { id: 'b', ts: T0 + 3 * GAP, sid: 's1' }; // long after the gap, but the same id
    const c: Ev = { id: 'c', ts: T0 + 3 * GAP + 1, sid: 's2' };
    const d: Ev = { id: 'd', ts: T0 + 3 * GAP + 2, sid: 's3', mark: 'end' };
    run(
      '  a-b-c-d---|',
      { a: rec('u', a), b: rec('u', b), c: rec('u', c), d: rec('u', d) },
      '  ----x-(yz)|',
      { x: closed('u', 's1', [a, b], 'new-session'), y: closed('u', 's2', [c], 'new-session'), z: closed('u', 's3', [d], 'end') },
    );
  });

  test('a tick closes a session only once stream time is beyond lastMs + gap + lateness', () => {
    const a: Ev = { id: 'a', ts: T0 };
    const b: Ev = { id: 'b', ts: T0 + MIN };
    const edge = b.ts + GAP + LATENESS;
    run(
      '  a-b-s-t-u-|',
      { a: rec('u', a), b: rec('u', b), s: tick(edge - 1), t: tick(edge), u: tick(edge + 1) },
      '  --------x-|',
      { x: closed('u', `u:${T0}`, [a, b], 'gap') },
    );
  });

  test('a tick closes every expired key at once and leaves fresh ones open', () => {
    const a: Ev = { id: 'a', ts: T0 };
    const b: Ev = { id: 'b', ts: T0 + 2 };
    const c: Ev = { id: 'c', ts: T0 + 2 * LATENESS };
    const h = run(
      '  a-b-c-t-u-|',
      { a: rec('alice', a), b: rec('bob', b), c: rec('carol', c), t: tick(T0 + 2 + GAP + LATENESS + 1), u: tick(T0 + 2 + GAP + LATENESS + 2) },
      '  ------(xy)|',
      { x: closed('alice', `alice:${T0}`, [a], 'gap'), y: closed('bob', `bob:${b.ts}`, [b], 'gap') },
    );
    assert.equal(h.store.get('alice')!.open, null);
    assert.equal(h.store.get('bob')!.lastClosedEndMs, b.ts);
    assert.equal(h.store.get('carol')!.open?.id, `carol:${c.ts}`);
  });

  test('a tick without open sessions emits nothing', () => {
    run('  t-|', { t: tick(T0) }, '  --|', {});
  });

  test('an event before the end of a closed session is dead-lettered as late, and nothing is emitted', () => {
    const a: Ev = { id: 'a', ts: T0 };
    const end: Ev = { id: 'end', ts: T0 + MIN, mark: 'end' };
    const late: Ev = { id: 'late', ts: T0 + MIN - 1 };
    const h = run(
      '  a-b-c-|',
      { a: rec('u', a), b: rec('u', end), c: rec('u', late) },
      '  --x---|',
      { x: closed('u', `u:${T0}`, [a, end], 'end') },
    );
    assert.equal(h.deadLetters.length, 1);
    assert.equal(h.deadLetters[0]!.error.code, 'LIFELONG_ERR_LATE_EVENT');
    assert.equal((h.deadLetters[0]!.record.value as Ev).id, 'late');
    assert.equal(h.store.get('u')!.open, null, 'the late event opened no session');
  });

  test('after a tick-closed session, a late event is dead-lettered; one at the closed end opens a new session', () => {
    const a: Ev = { id: 'a', ts: T0 };
    const late: Ev = { id: 'late', ts: T0 - 1 };
    const atEnd: Ev = { id: 'at-end', ts: T0, mark: 'end' };
    const h = run(
      '  a-t-l-e-|',
      { a: rec('u', a), t: tick(T0 + GAP + LATENESS + 1), l: rec('u', late), e: rec('u', atEnd) },
      '  --x---y-|',
      { x: closed('u', `u:${T0}`, [a], 'gap'), y: closed('u', `u:${T0}`, [atEnd], 'end') },
    );
    assert.deepEqual(
      h.deadLetters.map((d) => [(d.record.value as Ev).id, d.error.code]),
      [['late', 'LIFELONG_ERR_LATE_EVENT']],
    );
  });

  test('while a newer session is open, an event before the previous session end is still late', () => {
    const a: Ev = { id: 'a', ts: T0, sid: 's1' };
    const b: Ev = { id: 'b', ts: T0 + 10, sid: 's2' };
    const late: Ev = { id: 'late', ts: T0 - 1, sid: 's2' };
    const h = run(
      '  a-b-c-|',
      { a: rec('u', a), b: rec('u', b), c: rec('u', late) },
      '  --x---|',
      { x: closed('u', 's1', [a], 'new-session') },
    );
    assert.equal(h.deadLetters.length, 1);
    assert.equal(h.deadLetters[0]!.error.code, 'LIFELONG_ERR_LATE_EVENT');
    assert.deepEqual(h.store.get('u')!.open!.acc, { n: 1, ids: ['b'] }, 'the late event was not added');
  });

  test('state lives in the store: a rebuilt pipeline over the same store carries on', () => {
    const h = harness();
    const a: Ev = { id: 'a', ts: T0 };
    const b: Ev = { id: 'b', ts: T0 + MIN, mark: 'end' };
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<StreamItem<Ev>>('a|', { a: rec('u', a) }).pipe(sessionWindows(spec, h.context))).toBe('-|');
    });
    // The open window survives a JSON round trip, as it does through the changelog.
    const restored = new ChangelogStore<SessionSlot<Count>>('sessions', jsonCodec());
    for (const change of h.store.drainChanges()) restored.restore(change.key, change.value);
    const context: PartitionContext = { ...h.context, store: <V>() => restored as unknown as KeyValueStore<V> };
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<StreamItem<Ev>>('b|', { b: rec('u', b) }).pipe(sessionWindows(spec, context))).toBe('x|', { x: closed('u', `u:${T0}`, [a, b], 'end') });
    });
  });

  test('a tick closes exactly the sessions a scan of the whole store finds expired, in order of last event, then key (property)', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'constructor');
    const step = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('event' as const), key, advance: fc.integer({ min: -LATENESS, max: GAP }), mark: fc.constantFrom(undefined, undefined, undefined, 'start' as const, 'end' as const) }), weight: 4 },
      { arbitrary: fc.record({ kind: fc.constant('tick' as const), advance: fc.integer({ min: 0, max: 2 * GAP }) }), weight: 1 },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), fc.boolean(), (steps, restartHalfway) => {
        let h = harness();
        const emitted: ClosedSession<Count>[] = [];
        const input = new Subject<StreamItem<Ev>>();
        input.pipe(sessionWindows(spec, h.context)).subscribe((closedSession) => emitted.push(closedSession));
        let clock = T0;
        let current = input;
        steps.forEach((s, i) => {
          if (restartHalfway && i === Math.floor(steps.length / 2)) {
            // A restart: the index is rebuilt from the restored store.
            const restored = new ChangelogStore<SessionSlot<Count>>('sessions', jsonCodec());
            for (const change of h.store.drainChanges()) restored.restore(change.key, change.value);
            h = { ...h, store: restored, context: { ...h.context, store: <V>() => restored as unknown as KeyValueStore<V> } };
            current = new Subject<StreamItem<Ev>>();
            current.pipe(sessionWindows(spec, h.context)).subscribe((closedSession) => emitted.push(closedSession));
          }
          clock += s.advance;
          if (s.kind === 'event') {
            current.next(rec(s.key, { id: `e${i}`, ts: clock, ...(s.mark ? { mark: s.mark } : {}) }));
            return;
          }
          const horizon = clock - LATENESS - GAP;
          const due = [...h.store.entries()].filter(([, slot]) => slot.open !== null && slot.open.lastMs < horizon).map(([k, slot]) => [k, slot.open!.lastMs] as const);
          emitted.length = 0;
          current.next(tick(clock));
          const gapClosed = emitted.filter((c) => c.reason === 'gap').map((c) => [c.key, c.window.lastMs] as const);
          due.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1));
          assert.deepEqual(gapClosed, due);
          for (const [, slot] of h.store.entries()) assert.ok(slot.open === null || slot.open.lastMs >= horizon, 'nothing expired is left open');
        });
      }),
      { numRuns: 300 },
    );
  });
});
