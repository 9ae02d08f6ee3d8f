import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OldestFirst } from '../../../src/learning/oldest-first.js';
import { PairValueCache } from '../../../src/learning/pair-value-cache.js';
import { OUTPUT_COUNT } from '../../../src/learning/critic-network.js';

const WEIGHTS = { click: 1, follow: 0, gift: 0 };

/** The plain model of the waiting states: newest note per key, least recently noted first, at most `capacity`. */
class ReferencePending {
  readonly states = new Map<string, number[]>();
  constructor(private readonly capacity: number) {}
  note(key: string, state: number[]): void {
    this.states.delete(key);
    this.states.set(key, state);
    if (this.states.size > this.capacity) this.states.delete(this.states.keys().next().value!);
  }
  take(max: number): { keys: string[]; states: number[] } | undefined {
    if (this.states.size === 0) return undefined;
    const keys = [...this.states.keys()].slice(0, max);
    const states = keys.flatMap((key) => this.states.get(key)!);
    for (const key of keys) this.states.delete(key);
    return { keys, states };
  }
}

describe('PairValueCache: states waiting for a value', () => {
  test('notes and takes like the plain model: newest state per pair, oldest first, bounded, slots reused', () => {
    const dim = 3;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('note' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), state: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: dim, maxLength: dim }) }),
      fc.record({ kind: fc.constant('take' as const), max: fc.integer({ min: 1, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const cache = new PairValueCache(dim, capacity, WEIGHTS);
        const reference = new ReferencePending(capacity);
        for (const o of ops) {
          if (o.kind === 'note') {
            cache.note(o.key, o.state);
            reference.note(o.key, o.state.map((x) => Math.fround(x)));
          } else {
            const got = cache.take(o.max);
            const want = reference.take(o.max);
            assert.deepEqual(got && { keys: [...got.keys], states: [...got.states] }, want);
          }
          assert.equal(cache.pendingCount, reference.states.size);
        }
      }),
    );
  });

  test('the slab grows past its first 1,024 slots without losing a state', () => {
    const cache = new PairValueCache(2, 3_000, WEIGHTS);
    for (let i = 0; i < 2_500; i++) cache.note(`k${i}`, [i, -i]);
    const taken = cache.take(3_000)!;
    assert.equal(taken.keys.length, 2_500);
    for (let row = 0; row < 2_500; row++) {
      assert.equal(taken.keys[row], `k${row}`);
      assert.deepEqual([taken.states[2 * row], taken.states[2 * row + 1]], [row, -row]);
    }
  });

  test('values beyond capacity go least recently computed first', () => {
    const cache = new PairValueCache(1, 3, WEIGHTS);
    const outputs = (n: number): Float32Array => new Float32Array(n * OUTPUT_COUNT).fill(1);
    cache.apply(['a', 'b', 'c'], outputs(3), 1);
    cache.apply(['a'], outputs(1), 2); // a is the newest now
    cache.apply(['d', 'e'], outputs(2), 3);
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].filter((k) => cache.get(k) !== undefined), ['a', 'd', 'e']);
    assert.equal(cache.get('a')!.modelVersion, 2);
  });

  test('a state noted with the wrong number of features, or a cache of no pairs, is refused', () => {
    assert.throws(() => new PairValueCache(3, 4, WEIGHTS).note('a', [1, 2]), /2 features, expected 3/);
    assert.throws(() => new PairValueCache(3, 0, WEIGHTS), /capacity of at least 1/);
  });
});

describe('OldestFirst', () => {
  test('gives the oldest entry of a Map used as a queue, as a fresh iterator would, whatever was deleted or moved', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('move' as const), key: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('take' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const map = new Map<number, number>();
        const oldest = new OldestFirst(map);
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'set') map.set(o.key, n++);
          else if (o.kind === 'move') {
            map.delete(o.key);
            map.set(o.key, n++);
          } else if (o.kind === 'delete') map.delete(o.key);
          else if (map.size > 0) {
            const want = map.entries().next().value!;
            const got = oldest.take();
            assert.deepEqual(got, want);
            map.delete(got[0]);
          } else assert.throws(() => oldest.take(), /empty/);
        }
      }),
    );
  });
});
