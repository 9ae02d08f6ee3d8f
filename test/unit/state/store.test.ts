import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChangelogStore, jsonCodec, type ChangelogEntry } from '../../../src/state/store.js';

type Value = { n: number; tags: string[] };

const newStore = () => new ChangelogStore<Value>('s', jsonCodec<Value>());

/** Changelog entries as plain [key, decoded value | null] pairs, for readable comparisons. */
const decoded = (entries: readonly ChangelogEntry[]): Array<[string, Value | null]> =>
  entries.map((e) => [e.key.toString('utf8'), e.value === null ? null : (JSON.parse(e.value.toString('utf8')) as Value)]);

const byKey = (pairs: Array<[string, Value | null]>) => [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('ChangelogStore', () => {
  test('starts clean and empty', () => {
    const store = newStore();
    assert.equal(store.hasChanges, false);
    assert.equal(store.size, 0);
    assert.deepEqual(store.drainChanges(), []);
  });

  test('put marks the key dirty; drain clears it', () => {
    const store = newStore();
    store.put('a', { n: 1, tags: [] });
    assert.equal(store.hasChanges, true);
    assert.deepEqual(decoded(store.drainChanges()), [['a', { n: 1, tags: [] }]]);
    assert.equal(store.hasChanges, false);
    assert.deepEqual(store.drainChanges(), []);
    assert.deepEqual(store.get('a'), { n: 1, tags: [] }, 'draining keeps the data');
  });

  test('one record per key, carrying the last value', () => {
    const store = newStore();
    store.put('a', { n: 1, tags: [] });
    store.put('b', { n: 2, tags: [] });
    store.put('a', { n: 3, tags: ['x'] });
    assert.deepEqual(byKey(decoded(store.drainChanges())), [
      ['a', { n: 3, tags: ['x'] }],
      ['b', { n: 2, tags: [] }],
    ]);
  });

  test('a value mutated in place after put is drained as it is at drain time', () => {
    const store = newStore();
    const value: Value = { n: 1, tags: [] };
    store.put('a', value);
    value.n = 9;
    value.tags.push('late');
    assert.deepEqual(decoded(store.drainChanges()), [['a', { n: 9, tags: ['late'] }]]);
  });

  test('delete emits a tombstone; deleting a missing key emits nothing', () => {
    const store = newStore();
    store.put('a', { n: 1, tags: [] });
    store.drainChanges();
    store.delete('a');
    store.delete('never-there');
    assert.equal(store.get('a'), undefined);
    assert.equal(store.size, 0);
    const changes = store.drainChanges();
    assert.equal(changes.length, 1);
    assert.equal(changes[0]!.key.toString(), 'a');
    assert.equal(changes[0]!.value, null);
  });

  test('put then delete before a drain ends as a tombstone; delete then put as the value', () => {
    const store = newStore();
    store.put('a', { n: 1, tags: [] });
    store.delete('a');
    store.put('b', { n: 1, tags: [] });
    store.drainChanges();
    store.delete('b');
    store.put('b', { n: 2, tags: [] });
    assert.deepEqual(decoded(store.drainChanges()), [['b', { n: 2, tags: [] }]]);
  });

  test('restore: later records win and null deletes; null keys are ignored', () => {
    const store = newStore();
    const enc = (v: Value) => Buffer.from(JSON.stringify(v));
    store.restore(Buffer.from('a'), enc({ n: 1, tags: [] }));
    store.restore(Buffer.from('b'), enc({ n: 2, tags: [] }));
    store.restore(Buffer.from('a'), enc({ n: 3, tags: [] }));
    store.restore(Buffer.from('b'), null);
    store.restore(null, enc({ n: 4, tags: [] }));
    store.restore(Buffer.from('c'), null);
    assert.deepEqual([...store.entries()], [['a', { n: 3, tags: [] }]]);
    assert.equal(store.hasChanges, false, 'restoring is not a change to write back');
  });

  test('property: restoring the drained changelog rebuilds the same map', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'user:1', 'ünï', '');
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key, n: fc.integer(), tags: fc.array(fc.string(), { maxLength: 3 }) }),
      fc.record({ kind: fc.constant('delete' as const), key }),
      fc.record({ kind: fc.constant('mutate' as const), key, n: fc.integer() }),
      fc.record({ kind: fc.constant('drain' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const original = newStore();
        const reference = new Map<string, Value>();
        const changelog: ChangelogEntry[] = [];
        for (const o of ops) {
          switch (o.kind) {
            case 'put':
              original.put(o.key, { n: o.n, tags: [...o.tags] });
              reference.set(o.key, { n: o.n, tags: [...o.tags] });
              break;
            case 'delete':
              original.delete(o.key);
              reference.delete(o.key);
              break;
            case 'mutate': {
              // The documented pattern: mutate the stored value, then put it again.
              const value = original.get(o.key);
              if (value) {
                value.n = o.n;
                original.put(o.key, value);
                reference.set(o.key, { ...reference.get(o.key)!, n: o.n });
              }
              break;
            }
            case 'drain': {
              const drained = original.drainChanges();
              const keys = drained.map((e) => e.key.toString());
              assert.equal(new Set(keys).size, keys.length, 'one record per key per drain');
              changelog.push(...drained);
              break;
            }
          }
        }
        changelog.push(...original.drainChanges());
        const restored = newStore();
        for (const entry of changelog) restored.restore(entry.key, entry.value);
        const sorted = (m: Iterable<[string, Value]>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        assert.deepEqual(sorted(restored.entries()), sorted(reference));
        assert.deepEqual(sorted(original.entries()), sorted(reference));
        assert.equal(restored.size, reference.size);
      }),
      { numRuns: 500 },
    );
  });
});
