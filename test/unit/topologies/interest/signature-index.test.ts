import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CatalogItem } from '../../../../topologies/interest/item-catalog.js';
import { SignatureIndex } from '../../../../topologies/interest/signature-index.js';

const item = (itemId: string, createdAt: number, codes: number[]): CatalogItem => ({
  itemId,
  authorId: 'a',
  category: 'c',
  tags: [],
  createdAt,
  embedding: new Float32Array(2),
  fallback: false,
  codes: Uint16Array.from(codes),
});

describe('SignatureIndex', () => {
  test('lists a bucket newest first (ties by id) and keeps at most `capacity`', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3 })), { maxLength: 80 }), fc.integer({ min: 1, max: 10 }), (entries, capacity) => {
        const index = new SignatureIndex(1, 2, capacity);
        const items = entries.map(([t, code], i) => item(`i${i}`, t, [code]));
        for (const it of items) index.put(it.itemId, it, undefined);
        for (let code = 0; code < 4; code++) {
          const want = items
            .filter((it) => it.codes[0] === code)
            .sort((a, b) => b.createdAt - a.createdAt || (a.itemId < b.itemId ? -1 : 1))
            .slice(0, capacity)
            .map((it) => it.itemId);
          assert.deepEqual([...index.newest(0, code)], want);
        }
      }),
    );
  });

  test('an update moves the item to its new buckets; a removal drops it everywhere', () => {
    const index = new SignatureIndex(2, 1, 10);
    const v1 = item('x', 5, [0, 1]);
    index.put('x', v1, undefined);
    assert.deepEqual([...index.newest(0, 0)], ['x']);
    assert.deepEqual([...index.newest(1, 1)], ['x']);
    const v2 = item('x', 6, [1, 1]);
    index.put('x', v2, v1);
    assert.deepEqual([...index.newest(0, 0)], []);
    assert.deepEqual([...index.newest(0, 1)], ['x']);
    assert.deepEqual([...index.newest(1, 1)], ['x']);
    index.remove('x', v2);
    assert.deepEqual([...index.newest(0, 1)], []);
    assert.deepEqual([...index.newest(1, 1)], []);
  });
});
