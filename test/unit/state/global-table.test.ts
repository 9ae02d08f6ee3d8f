import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LifelongError, isLifelongError } from '../../../src/errors/catalog.js';
import { MaterializedGlobalTable, type GlobalIndex, type GlobalTableDefinition } from '../../../src/state/global-table.js';
import type { LogRecord } from '../../../src/transports/contract.js';

interface Price {
  readonly amount: number;
}

/** Records changes in order, as an index sees them. */
class ChangeLog implements GlobalIndex<Price> {
  readonly seen: string[] = [];
  put(key: string, value: Price, previous: Price | undefined): void {
    this.seen.push(`put ${key}=${value.amount}${previous ? ` (was ${previous.amount})` : ''}`);
  }
  remove(key: string, previous: Price): void {
    this.seen.push(`remove ${key} (was ${previous.amount})`);
  }
}

const definition: GlobalTableDefinition<Price> = {
  name: 'prices',
  topic: 'prices-topic',
  doc: 'test',
  decode: (_key, value) => {
    const text = value.toString('utf8');
    if (text === 'gone') return null;
    const amount = Number(text);
    if (!Number.isFinite(amount)) throw new LifelongError('RECORD_INVALID', { detail: `not a number: ${text}` });
    return { amount };
  },
  indexes: [{ name: 'log', create: () => new ChangeLog() }],
};

let offset = 0;
const rec = (key: string | null, value: string | null): LogRecord => ({ topic: 'prices-topic', partition: 1, offset: offset++, key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp: 0 });

describe('MaterializedGlobalTable', () => {
  test('later records win; tombstones and decoded nulls remove; indexes see every change in order', () => {
    const table = new MaterializedGlobalTable(definition);
    assert.equal(table.apply(rec('a', '1')), 'put');
    assert.equal(table.apply(rec('a', '2')), 'put');
    assert.equal(table.apply(rec('b', '5')), 'put');
    assert.equal(table.apply(rec('a', null)), 'delete');
    assert.equal(table.apply(rec('b', 'gone')), 'delete');
    assert.equal(table.apply(rec('c', null)), 'delete', 'deleting an absent key is harmless');
    assert.equal(table.size, 0);
    assert.deepEqual(table.index<ChangeLog>('log').seen, ['put a=1', 'put a=2 (was 1)', 'put b=5', 'remove a (was 2)', 'remove b (was 5)']);
  });

  test('a refused record changes nothing and is reported with table, topic, partition and offset', () => {
    const table = new MaterializedGlobalTable(definition);
    table.apply(rec('a', '1'));
    const errors: LifelongError[] = [];
    const bad = rec('a', 'NaN?');
    assert.equal(table.apply(bad, (e) => errors.push(e)), 'invalid');
    assert.equal(table.apply(rec(null, '3'), (e) => errors.push(e)), 'invalid');
    assert.deepEqual(table.get('a'), { amount: 1 });
    assert.equal(errors.length, 2);
    assert.ok(isLifelongError(errors[0], 'GLOBAL_RECORD_INVALID'));
    assert.ok(errors[0]!.message.includes(`prices-topic/1@${bad.offset}`) && errors[0]!.message.includes('not a number'), errors[0]!.message);
  });

  test('an unknown index name is a programming error', () => {
    assert.throws(() => new MaterializedGlobalTable(definition).index('nope'), /no index named nope/);
  });
});
