import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LargeMap } from '../../../src/state/large-map.js';

describe('LargeMap', () => {
  test('behaves as a Map across its shards: values, size, deletes, iteration of every key once', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 12 }), value: fc.option(fc.integer(), { nil: undefined }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 80 }), (keysPerMap, ops) => {
        const large = new LargeMap<number, number | undefined>(keysPerMap);
        const reference = new Map<number, number | undefined>();
        for (const o of ops) {
          if (o.kind === 'set') {
            large.set(o.key, o.value);
            reference.set(o.key, o.value);
          } else if (o.kind === 'delete') {
            assert.equal(large.delete(o.key), reference.delete(o.key));
          } else {
            large.clear();
            reference.clear();
          }
          assert.equal(large.size, reference.size);
          for (let key = 0; key <= 12; key++) {
            assert.equal(large.has(key), reference.has(key));
            assert.equal(large.get(key), reference.get(key));
          }
          assert.deepEqual(new Map(large.entries()), reference);
          assert.equal([...large].length, reference.size, 'each key once');
        }
      }),
    );
  });

  test('holds more keys than one V8 Map can (2^24)', { timeout: 120_000 }, () => {
    // What a partition's pair store reaches at ~350,000 users with 48 authors each.
    const count = 2 ** 24 + 10;
    const map = new LargeMap<number, number>();
    for (let i = 0; i < count; i++) map.set(i, i);
    assert.equal(map.size, count);
    assert.equal(map.get(count - 1), count - 1);
    assert.equal(map.get(3), 3);
    assert.throws(() => {
      const plain = new Map<number, number>();
      for (let i = 0; i < count; i++) plain.set(i, i);
    }, /Map maximum size exceeded/);
  });
});
