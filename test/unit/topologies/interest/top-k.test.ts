import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addToTopK, rankTopK, removeFromTopK, type TopKSlots } from '../../../../topologies/interest/top-k.js';

function slots(size: number): TopKSlots {
  return { values: new Float32Array(size + 3), keys: new Array<string | null>(size + 2).fill(null), valueOffset: 3, keyOffset: 2, size };
}

describe('top-K slots', () => {
  test('with at most K names and positive deltas, weights are the exact sums', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 1, max: 5 })), { maxLength: 40 }), (adds) => {
        const s = slots(4);
        const sums = new Map<string, number>();
        for (const [name, delta] of adds) {
          addToTopK(s, name, delta);
          sums.set(name, (sums.get(name) ?? 0) + delta);
        }
        const ranked = rankTopK(s, 1);
        assert.deepEqual(new Map(ranked.map((r) => [r.name, r.weight])), sums);
      }),
    );
  });

  test('never holds more than K names; a new name replaces the lightest', () => {
    const s = slots(2);
    addToTopK(s, 'a', 5);
    addToTopK(s, 'b', 1);
    addToTopK(s, 'c', 2);
    assert.deepEqual(rankTopK(s, 1), [
      { name: 'a', weight: 5 },
      { name: 'c', weight: 2 },
    ]);
    assert.deepEqual(s.keys.slice(0, 2), [null, null], 'slots outside the range are untouched');
  });

  test('negative deltas lower a weight down to zero and never insert', () => {
    const s = slots(3);
    addToTopK(s, 'a', 1);
    addToTopK(s, 'a', -5);
    addToTopK(s, 'b', -1);
    assert.deepEqual(rankTopK(s, 1), []);
    assert.equal(s.values[3], 0);
  });

  test('removal frees the slot; ranking scales weights', () => {
    const s = slots(3);
    addToTopK(s, 'a', 4);
    addToTopK(s, 'b', 2);
    removeFromTopK(s, 'a');
    assert.deepEqual(rankTopK(s, 0.5), [{ name: 'b', weight: 1 }]);
    addToTopK(s, 'c', 1);
    assert.equal(rankTopK(s, 1).length, 2);
  });
});
