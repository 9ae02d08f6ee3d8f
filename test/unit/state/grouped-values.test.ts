import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GroupedValues } from '../../../src/state/grouped-values.js';
import { pairKey, pairKeyUserLength } from '../../../src/learning/transition.js';

const sorted = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('GroupedValues', () => {
  test('property: reads, size and entries equal a Map of the same writes, whatever the lengths and staging', () => {
    // Lengths past 127 and 16,383 take varints of two and three chars; members may be
    // empty, long, or outside latin1 (the group string then holds two-byte chars).
    const member = fc.oneof(fc.constantFrom('', 'a', 'b', 'ab', 'ü', '字', 'x'.repeat(130)), fc.string({ maxLength: 4 }));
    const group = fc.constantFrom('u1\u001f', 'u2\u001f', '\u001f');
    const key = fc.tuple(group, member).map(([g, m]) => g + m);
    const bytes = fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 200 }), fc.integer({ min: 0, max: 20_000 }).map((n) => 'v'.repeat(n)));
    const op = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), key, bytes }) },
      fc.record({ kind: fc.constant('fresh' as const), key }),
      fc.record({ kind: fc.constant('delete' as const), key }),
      fc.record({ kind: fc.constant('get' as const), key }),
      fc.record({ kind: fc.constant('apply' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (ops, maxStaged) => {
        const grouped = new GroupedValues(pairKeyUserLength, maxStaged);
        const reference = new Map<string, string | null>();
        for (const o of ops) {
          switch (o.kind) {
            case 'set':
              grouped.set(o.key, o.bytes);
              reference.set(o.key, o.bytes);
              break;
            case 'fresh':
              // As the store marks a key put for the first time: only a key not held.
              if (!reference.has(o.key)) {
                grouped.set(o.key, null);
                reference.set(o.key, null);
              }
              break;
            case 'delete':
              assert.equal(grouped.delete(o.key), reference.delete(o.key));
              break;
            case 'get':
              assert.equal(grouped.get(o.key), reference.get(o.key));
              assert.equal(grouped.has(o.key), reference.has(o.key));
              break;
            case 'apply':
              grouped.applyStaged();
              break;
          }
          assert.equal(grouped.size, reference.size);
        }
        assert.deepEqual(sorted(grouped.entries()), sorted(reference));
      }),
      { numRuns: 400 },
    );
  });

  test('a user’s pairs share one group; ids that prefix one another stay apart', () => {
    const grouped = new GroupedValues(pairKeyUserLength);
    grouped.set(pairKey('u1', 'a'), 'A');
    grouped.set(pairKey('u1', 'ab'), 'AB');
    grouped.set(pairKey('u11', 'a'), 'other user');
    grouped.set(pairKey('u1', 'a'), 'A2');
    assert.equal(grouped.get(pairKey('u1', 'a')), 'A2');
    assert.equal(grouped.get(pairKey('u1', 'ab')), 'AB');
    assert.equal(grouped.get(pairKey('u11', 'a')), 'other user');
    assert.equal(grouped.get(pairKey('u1', 'abc')), undefined);
    assert.equal(grouped.size, 3);
    assert.equal(grouped.delete(pairKey('u1', 'a')), true);
    assert.equal(grouped.delete(pairKey('u1', 'a')), false);
    assert.deepEqual(sorted(grouped.entries()), [
      [pairKey('u1', 'ab'), 'AB'],
      [pairKey('u11', 'a'), 'other user'],
    ]);
  });
});
