import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AvroCodec, LocalSchemaRegistry, isLifelongError, type GlobalTableDefinition, type Item } from '../../../../src/index.js';
import { MaterializedGlobalTable } from '../../../../src/state/global-table.js';
import { fallbackEmbedding } from '../../../../topologies/interest/fallback-embedding.js';
import { itemTable, SIGNATURE_INDEX, type CatalogItem } from '../../../../topologies/interest/item-catalog.js';
import type { SignatureIndex } from '../../../../topologies/interest/signature-index.js';
import { SimHasher } from '../../../../topologies/interest/simhash.js';
import type { LogRecord } from '../../../../src/transports/contract.js';

const codec = new AvroCodec<Item>('Item', new LocalSchemaRegistry());
const hasher = new SimHasher(4, 3, 2, 1);
const definition = itemTable({ topic: 'items', hasher, indexItemsPerBucket: 8 }) as unknown as GlobalTableDefinition<CatalogItem>;

const item = (fields: Partial<Item> = {}): Item => ({ itemId: 'i1', authorId: 'a1', category: 'music', tags: ['jazz'], embedding: [3, 0, 4, 0], createdAt: 1_000, deleted: false, ...fields });

let offset = 0;
const record = (key: string | null, value: Item | null, framed = false): LogRecord => ({
  topic: 'items',
  partition: 0,
  offset: offset++,
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : codec.encode(value, framed),
  timestamp: 0,
});

describe('the item catalog table', () => {
  test('decodes raw and Confluent-framed items, unit-normalises the embedding and hashes it once', () => {
    for (const framed of [false, true]) {
      const decoded = definition.decode('i1', codec.encode(item(), framed))!;
      assert.deepEqual([...decoded.embedding], [0.6000000238418579, 0, 0.800000011920929, 0]);
      assert.equal(decoded.fallback, false);
      assert.deepEqual(decoded.codes, hasher.codes(decoded.embedding));
      assert.equal(decoded.authorId, 'a1');
    }
  });

  test('an item without an embedding gets the fallback from its category and tags, flagged', () => {
    const decoded = definition.decode('i1', codec.encode(item({ embedding: null })))!;
    assert.equal(decoded.fallback, true);
    assert.deepEqual(decoded.embedding, fallbackEmbedding(4, 'music', ['jazz']));
    assert.equal(definition.decode('i1', codec.encode(item({ embedding: [] })))!.fallback, true);
  });

  test('deleted = true removes; a wrong length, a zero vector or a key that is not the itemId is refused', () => {
    assert.equal(definition.decode('i1', codec.encode(item({ deleted: true }))), null);
    for (const [key, bad] of [
      ['i1', item({ embedding: [1, 2] })],
      ['i1', item({ embedding: [0, 0, 0, 0] })],
      ['other', item()],
    ] as const) {
      assert.throws(() => definition.decode(key, codec.encode(bad)), (e: unknown) => isLifelongError(e, 'RECORD_INVALID'));
    }
  });

  test('as a materialized table: puts, tombstones, deleted flags and refused records, with the index in step', () => {
    const table = new MaterializedGlobalTable(definition);
    const refused: string[] = [];
    const onInvalid = (e: { code: string }) => refused.push(e.code);
    assert.equal(table.apply(record('i1', item()), onInvalid), 'put');
    assert.equal(table.apply(record('i2', item({ itemId: 'i2', createdAt: 2_000 })), onInvalid), 'put');
    const index = table.index<SignatureIndex>(SIGNATURE_INDEX);
    const codes = table.get('i1')!.codes;
    assert.deepEqual([...index.newest(0, codes[0]!)], ['i2', 'i1'], 'same embedding, newest first');
    assert.equal(table.apply(record('i1', null), onInvalid), 'delete');
    assert.equal(table.get('i1'), undefined);
    assert.deepEqual([...index.newest(0, codes[0]!)], ['i2']);
    assert.equal(table.apply(record('i2', item({ itemId: 'i2', deleted: true })), onInvalid), 'delete');
    assert.equal(table.size, 0);
    assert.deepEqual([...index.newest(0, codes[0]!)], []);
    assert.equal(table.apply(record('i3', item({ embedding: [1] })), onInvalid), 'invalid');
    assert.equal(table.apply(record(null, item()), onInvalid), 'invalid');
    assert.equal(table.apply({ ...record('i4', null), value: Buffer.from([1, 2, 3]) }, onInvalid), 'invalid');
    assert.deepEqual(refused, ['LIFELONG_ERR_GLOBAL_RECORD_INVALID', 'LIFELONG_ERR_GLOBAL_RECORD_INVALID', 'LIFELONG_ERR_GLOBAL_RECORD_INVALID']);
    assert.equal(table.size, 0);
  });
});
