import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RecentEventIds, hashEventId, recentEventIdsCodec } from '../../../src/runtime/recent-event-ids.js';

/** The plain reference: the last `window` ids, as the runtime kept them before. */
function reference(ids: readonly string[], window: number): string[] {
  const recent: string[] = [];
  for (const id of ids) {
    if (recent.includes(id)) continue;
    recent.push(id);
    if (recent.length > window) recent.splice(0, recent.length - window);
  }
  return recent;
}

test('remembers exactly the last window of distinct ids, through encode and decode at any point', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 40 }).map((n) => `e-${n}`), { maxLength: 200 }), fc.integer({ min: 1, max: 24 }), fc.nat(200), (ids, window, restartAt) => {
      let recent = RecentEventIds.empty();
      const seen: string[] = [];
      for (const [i, id] of ids.entries()) {
        if (i === restartAt) recent = recentEventIdsCodec.decode(recentEventIdsCodec.encode(recent));
        const want = reference(seen, window).includes(id);
        assert.equal(recent.has(id), want, `id ${id} at ${i}`);
        seen.push(id);
        if (!want) recent.add(id, window);
      }
      const kept = reference(seen, window);
      assert.equal(recent.size, kept.length);
      for (const id of kept) assert.ok(recent.has(id));
    }),
  );
});

test('reads state written before the hashed format (a JSON array of ids)', () => {
  const recent = recentEventIdsCodec.decode(Buffer.from(JSON.stringify(['a', 'b', 'c'])));
  assert.deepEqual(['a', 'b', 'c', 'd'].map((id) => recent.has(id)), [true, true, true, false]);
  recent.add('d', 3);
  assert.deepEqual(['a', 'b', 'c', 'd'].map((id) => recent.has(id)), [false, true, true, true]);
});

test('a smaller window keeps the newest ids', () => {
  const recent = RecentEventIds.empty();
  for (const id of ['a', 'b', 'c', 'd']) recent.add(id, 4);
  recent.add('e', 2);
  assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((id) => recent.has(id)), [false, false, false, true, true]);
});

test('hashes are exact integers below 2^53 and distinct across a million generator-like ids', () => {
  const hashes = new Set<number>();
  for (let u = 0; u < 1_000; u++) for (let e = 0; e < 1_000; e++) hashes.add(hashEventId(`user-${u}-${e >> 5}-${e & 31}`));
  assert.equal(hashes.size, 1_000_000);
  for (const h of [...hashes].slice(0, 1_000)) assert.ok(Number.isSafeInteger(h) && h >= 0);
});
