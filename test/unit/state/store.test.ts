import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChangelogStore, jsonCodec, residentFormName, type ChangelogEntry, type ResidentForm, type ValueCodec } from '../../../src/state/store.js';

type Value = { n: number; tags: string[] };

/** Changelog entries as plain [key, decoded value | null] pairs, for readable comparisons. */
const decoded = (entries: readonly ChangelogEntry[]): Array<[string, Value | null]> =>
  entries.map((e) => [e.key.toString('utf8'), e.value === null ? null : (JSON.parse(e.value.toString('utf8')) as Value)]);

const byKey = (pairs: Array<[string, Value | null]>) => [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Groups keys by their prefix up to ':' (keys without one form the group ''). */
const byPrefix: ResidentForm = { groupLength: (key) => key.indexOf(':') + 1 };
/** Keys of the properties: several share a group, one has a non-latin1 member. */
const anyKey = fc.constantFrom('a', 'b', 'c', 'd', 'user:1', 'user:2', 'user:ü', 'user:', 'ünï', 'x:user:1', '');

for (const resident of ['objects', 'bytes', byPrefix] as const) {
  const newStore = () => new ChangelogStore<Value>('s', jsonCodec<Value>(), resident);

  describe(`ChangelogStore (${residentFormName(resident)})`, () => {
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
      const key = anyKey;
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
}


/** The JSON codec, counting its calls. */
function countingCodec(): ValueCodec<Value> & { encodes: number; decodes: number } {
  const json = jsonCodec<Value>();
  const codec = {
    encodes: 0,
    decodes: 0,
    encode: (value: Value) => (codec.encodes++, json.encode(value)),
    decode: (bytes: Buffer) => (codec.decodes++, json.decode(bytes)),
  };
  return codec;
}

describe('ChangelogStore resident bytes', () => {
  const sorted = <T>(m: Iterable<[string, T]>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  test('property: every visible value, size and drained changelog of both bytes forms equal the objects form', () => {
    const key = anyKey;
    const value = fc.record({ n: fc.integer(), tags: fc.array(fc.string({ unit: 'binary' }), { maxLength: 3 }) });
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key, value }),
      fc.record({ kind: fc.constant('delete' as const), key }),
      fc.record({ kind: fc.constant('get' as const), key }),
      // Read, change, put again (the documented way to change a value).
      fc.record({ kind: fc.constant('update' as const), key, n: fc.integer() }),
      // Change a value just put, before the drain: both forms drain it as it is then.
      fc.record({ kind: fc.constant('putThenMutate' as const), key, value, n: fc.integer() }),
      fc.record({ kind: fc.constant('entries' as const) }),
      fc.record({ kind: fc.constant('drain' as const) }),
      fc.record({ kind: fc.constant('restore' as const), key, value: fc.option(value) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const objects = new ChangelogStore<Value>('s', jsonCodec<Value>(), 'objects');
        const held = [new ChangelogStore<Value>('s', jsonCodec<Value>(), 'bytes'), new ChangelogStore<Value>('s', jsonCodec<Value>(), byPrefix)];
        const both = [objects, ...held];
        for (const o of ops) {
          switch (o.kind) {
            case 'put':
              for (const s of both) s.put(o.key, structuredClone(o.value));
              break;
            case 'delete':
              for (const s of both) s.delete(o.key);
              break;
            case 'get':
              for (const bytes of held) assert.deepEqual(bytes.get(o.key), objects.get(o.key));
              break;
            case 'update':
              for (const s of both) {
                const v = s.get(o.key);
                if (v) {
                  v.n = o.n;
                  v.tags.push('u');
                  s.put(o.key, v);
                }
              }
              break;
            case 'putThenMutate':
              for (const s of both) {
                const v = structuredClone(o.value);
                s.put(o.key, v);
                v.n = o.n;
              }
              break;
            case 'entries':
              for (const bytes of held) assert.deepEqual(sorted(bytes.entries()), sorted(objects.entries()));
              break;
            case 'drain': {
              for (const bytes of held) assert.equal(bytes.hasChanges, objects.hasChanges);
              const expected = byKey(decoded(objects.drainChanges()));
              for (const bytes of held) assert.deepEqual(byKey(decoded(bytes.drainChanges())), expected);
              break;
            }
            case 'restore': {
              const encoded = o.value === null ? null : Buffer.from(JSON.stringify(o.value));
              for (const s of both) s.restore(Buffer.from(o.key), encoded);
              break;
            }
          }
          for (const bytes of held) assert.equal(bytes.size, objects.size);
        }
        const expected = byKey(decoded(objects.drainChanges()));
        for (const bytes of held) {
          assert.deepEqual(sorted(bytes.entries()), sorted(objects.entries()));
          assert.deepEqual(byKey(decoded(bytes.drainChanges())), expected);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('a change without put is dropped at the drain, as a restore would drop it', () => {
    const bytes = new ChangelogStore<Value>('s', jsonCodec<Value>(), 'bytes');
    bytes.put('a', { n: 1, tags: [] });
    bytes.drainChanges();
    const read = bytes.get('a')!;
    read.n = 99;
    assert.equal(bytes.get('a'), read, 'the same object until the drain');
    assert.equal(bytes.get('a')!.n, 99);
    assert.deepEqual(bytes.drainChanges(), [], 'not put: nothing to write');
    assert.deepEqual(bytes.get('a'), { n: 1, tags: [] }, 'after the drain the held bytes are decoded afresh');
    assert.notEqual(bytes.get('a'), read);
    // The objects form keeps such a change in memory until a restart, then loses it.
    const objects = new ChangelogStore<Value>('s', jsonCodec<Value>(), 'objects');
    objects.put('a', { n: 1, tags: [] });
    const changelog = objects.drainChanges();
    objects.get('a')!.n = 99;
    assert.equal(objects.get('a')!.n, 99);
    const restored = new ChangelogStore<Value>('s', jsonCodec<Value>(), 'objects');
    for (const e of changelog) restored.restore(e.key, e.value);
    assert.equal(restored.get('a')!.n, 1);
  });

  test('one encode per changed key per drain, one decode per key read per commit, none on restore', () => {
    const codec = countingCodec();
    const store = new ChangelogStore<Value>('s', codec, 'bytes');
    store.restore(Buffer.from('a'), Buffer.from(JSON.stringify({ n: 1, tags: [] })));
    store.restore(Buffer.from('b'), Buffer.from(JSON.stringify({ n: 2, tags: [] })));
    assert.equal(codec.decodes, 0, 'restore keeps the bytes');
    assert.equal(store.size, 2);
    store.get('a');
    store.get('a');
    store.put('a', store.get('a')!);
    store.put('c', { n: 3, tags: [] });
    assert.equal(codec.decodes, 1);
    const drained = store.drainChanges();
    assert.equal(codec.encodes, 2, 'the changelog bytes are the resident bytes');
    assert.deepEqual(byKey(decoded(drained)), [
      ['a', { n: 1, tags: [] }],
      ['c', { n: 3, tags: [] }],
    ]);
    assert.deepEqual(store.get('c'), { n: 3, tags: [] });
    assert.equal(codec.decodes, 2, 'read again after the drain: decoded from the held bytes');
    assert.deepEqual(store.drainChanges(), []);
    assert.equal(codec.encodes, 2, 'nothing put: nothing encoded');
  });

  test('holds a copy of the bytes when the codec returns a slice of a shared buffer (as avsc does)', () => {
    const shared = Buffer.alloc(1024);
    const codec: ValueCodec<Value> = {
      encode: (value) => {
        const n = shared.write(JSON.stringify(value), 0, 'utf8');
        return shared.subarray(0, n);
      },
      decode: (bytes) => JSON.parse(bytes.toString('utf8')) as Value,
    };
    const store = new ChangelogStore<Value>('s', codec, 'bytes');
    store.put('a', { n: 1, tags: ['first'] });
    store.drainChanges();
    store.put('b', { n: 2, tags: ['overwrites the shared buffer'] });
    store.drainChanges();
    assert.deepEqual(store.get('a'), { n: 1, tags: ['first'] });
    assert.deepEqual(store.get('b'), { n: 2, tags: ['overwrites the shared buffer'] });
  });

  test('entries decode without caching; a value in the cache is the one returned', () => {
    const codec = countingCodec();
    const store = new ChangelogStore<Value>('s', codec, 'bytes');
    store.put('a', { n: 1, tags: [] });
    store.put('b', { n: 2, tags: [] });
    store.drainChanges();
    const a = store.get('a')!;
    a.n = 10;
    const seen = new Map(store.entries());
    assert.equal(seen.get('a'), a, 'the cached object, with its change');
    assert.deepEqual(seen.get('b'), { n: 2, tags: [] });
    store.get('b');
    assert.equal(codec.decodes, 3, 'b was decoded by the iteration, then again by get: iteration does not cache');
  });

  test('binary values survive as latin1 strings', () => {
    const raw: ValueCodec<Uint8Array> = { encode: (v) => Buffer.from(v), decode: (b) => new Uint8Array(b) };
    const store = new ChangelogStore<Uint8Array>('s', raw, 'bytes' satisfies ResidentForm);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    store.put('k', all);
    store.drainChanges();
    assert.deepEqual(store.get('k'), all);
  });
});
