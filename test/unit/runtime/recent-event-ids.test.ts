import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RecentEventIds, hashEventId, recentEventIdsCodec } from '../../../src/runtime/recent-event-ids.js';

type Outcome = 'late' | 'duplicate' | 'accepted' | 'other user';
interface SentEvent {
  readonly id: string;
  readonly ts: number;
}
/** Another user's event on the partition: it moves stream time only. */
const OTHER_USER = 'other';

/**
 * One user's events through the partition's checks, as PartitionTask orders them:
 * lateness against stream time, then de-duplication; stream time advances on what passes.
 * The state goes through its codec at `restartAt`, as on a restart.
 */
function run(events: readonly SentEvent[], window: number, allowedLatenessMs: number, restartAt = -1, onAdded?: (recent: RecentEventIds, streamTime: number, added: SentEvent) => void): Outcome[] {
  let recent = RecentEventIds.empty();
  let streamTime = -Infinity;
  return events.map(({ id, ts }, i) => {
    if (i === restartAt) recent = recentEventIdsCodec.decode(recentEventIdsCodec.encode(recent));
    if (ts < streamTime - allowedLatenessMs) return 'late';
    if (id === OTHER_USER) {
      streamTime = Math.max(streamTime, ts);
      return 'other user';
    }
    if (recent.has(id)) return 'duplicate';
    recent.add(id, ts, { window, streamTime, allowedLatenessMs });
    streamTime = Math.max(streamTime, ts);
    onAdded?.(recent, streamTime, { id, ts });
    return 'accepted';
  });
}

/** The guarantee, by brute force: an event is late by stream time; else a duplicate exactly when its id was accepted before. */
function reference(events: readonly SentEvent[], allowedLatenessMs: number): Outcome[] {
  const accepted = new Set<string>();
  let streamTime = -Infinity;
  return events.map(({ id, ts }) => {
    if (ts < streamTime - allowedLatenessMs) return 'late';
    if (id === OTHER_USER) {
      streamTime = Math.max(streamTime, ts);
      return 'other user';
    }
    if (accepted.has(id)) return 'duplicate';
    accepted.add(id);
    streamTime = Math.max(streamTime, ts);
    return 'accepted';
  });
}

/** Events of 31 distinct ids in any order, copies among them (a copy carries its event's time), between other users' events. */
const sentEvents = (maxLength: number) =>
  fc
    .tuple(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 31, maxLength: 31 }), fc.array(fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 100 }).map((ts) => ({ ts }))), { maxLength }))
    .map(([times, sent]) => sent.map((n) => (typeof n === 'number' ? { id: `e-${n}`, ts: times[n]! } : { id: OTHER_USER, ts: n.ts })));

test('within the window, no accepted event is accepted again: a copy is late or a duplicate, through a restart at any point', () => {
  fc.assert(
    fc.property(sentEvents(150), fc.integer({ min: 0, max: 40 }), fc.nat(150), (events, lateness, restartAt) => {
      assert.deepEqual(run(events, events.length + 1, lateness, restartAt), reference(events, lateness));
    }),
  );
});

test('holds the accepted ids from the oldest still within the allowed lateness of stream time on, at most the window of them', () => {
  fc.assert(
    fc.property(sentEvents(150), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 30 }), fc.boolean(), (unsorted, window, lateness, inOrder) => {
      const events = inOrder ? [...unsorted].sort((a, b) => a.ts - b.ts) : unsorted;
      // Brute force over a plain list: forget from the oldest while it is behind the horizon or over the window.
      const held: SentEvent[] = [];
      const accepted: SentEvent[] = [];
      run(events, window, lateness, -1, (recent, streamTime, added) => {
        accepted.push(added);
        while (held.length > 0 && held[0]!.ts < streamTime - lateness) held.shift();
        if (held.length === window) held.shift();
        held.push(added);
        assert.equal(recent.size, held.length);
        for (const { id } of held) assert.ok(recent.has(id));
        // In event-time order, that is exactly the accepted ids within the horizon.
        if (inOrder) assert.equal(recent.size, Math.min(window, accepted.filter((e) => e.ts >= streamTime - lateness).length));
      });
    }),
  );
});

test('with no time bound it remembers exactly the last window of distinct ids', () => {
  const lastDistinct = (ids: readonly string[], window: number): string[] => {
    const recent: string[] = [];
    for (const id of ids) {
      if (recent.includes(id)) continue;
      recent.push(id);
      if (recent.length > window) recent.splice(0, recent.length - window);
    }
    return recent;
  };
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 40 }).map((n) => `e-${n}`), { maxLength: 200 }), fc.integer({ min: 1, max: 24 }), fc.nat(200), (ids, window, restartAt) => {
      const outcomes = run(ids.map((id) => ({ id, ts: 0 })), window, Infinity, restartAt);
      outcomes.forEach((outcome, i) => assert.equal(outcome === 'duplicate', lastDistinct(ids.slice(0, i), window).includes(ids[i]!), `id ${ids[i]} at ${i}`));
    }),
  );
});

test('ids restored from the formats without times are kept until the lateness has passed after the restore', () => {
  const bounds = (streamTime: number) => ({ window: 256, streamTime, allowedLatenessMs: 10 });
  const hashed = Buffer.alloc(1 + 2 * 8);
  hashed[0] = 0x01;
  hashed.writeDoubleLE(hashEventId('a'), 1);
  hashed.writeDoubleLE(hashEventId('b'), 9);
  for (const bytes of [hashed, Buffer.from(JSON.stringify(['a', 'b']))]) {
    const recent = recentEventIdsCodec.decode(bytes);
    recent.add('c', 100, bounds(100));
    assert.deepEqual(['a', 'b', 'c'].map((id) => recent.has(id)), [true, true, true], 'dated by the stream time they were restored under');
    recent.add('d', 110, bounds(100));
    assert.deepEqual(['a', 'b', 'c', 'd'].map((id) => recent.has(id)), [true, true, true, true], 'an event at the horizon itself is still accepted');
    recent.add('e', 111, bounds(110));
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((id) => recent.has(id)), [false, false, false, true, true]);
  }
});

test('a smaller window keeps the newest ids', () => {
  const recent = RecentEventIds.empty();
  for (const id of ['a', 'b', 'c', 'd']) recent.add(id, 0, { window: 4, streamTime: 0, allowedLatenessMs: 0 });
  recent.add('e', 0, { window: 2, streamTime: 0, allowedLatenessMs: 0 });
  assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((id) => recent.has(id)), [false, false, false, true, true]);
});

test('hashes are exact integers below 2^53 and distinct across a million generator-like ids', () => {
  const hashes = new Set<number>();
  for (let u = 0; u < 1_000; u++) for (let e = 0; e < 1_000; e++) hashes.add(hashEventId(`user-${u}-${e >> 5}-${e & 31}`));
  assert.equal(hashes.size, 1_000_000);
  for (const h of [...hashes].slice(0, 1_000)) assert.ok(Number.isSafeInteger(h) && h >= 0);
});
