import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTransport } from '../../../src/transports/memory/memory-transport.js';
import type { LogRecord } from '../../../src/transports/contract.js';

const rec = (key: string, value: string) => ({ topic: 'items', key: Buffer.from(key), value: Buffer.from(value) });

/** Resolves once `seen` holds `count` records (woken by each delivery; no sleeping). */
function waitForCount(seen: LogRecord[], count: number, onRecord: { notify?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (seen.length >= count) resolve();
    };
    onRecord.notify = check;
    check();
  });
}

describe('MemoryTransport.follow', () => {
  test('delivers what is already there before caughtUp, then live appends, until stopped', async () => {
    const transport = new MemoryTransport();
    await transport.ensureTopics([{ name: 'items', partitions: 3, compacted: true }]);
    await transport.produce([rec('a', '1'), rec('b', '2'), rec('c', '3'), rec('a', '4')]);
    const seen: LogRecord[] = [];
    const hook: { notify?: () => void } = {};
    const follower = transport.follow({
      topic: 'items',
      onRecord: (r) => {
        seen.push(r);
        hook.notify?.();
      },
    });
    await follower.caughtUp;
    assert.equal(seen.length, 4, 'the existing records, before caughtUp resolved');
    const byKey = seen.filter((r) => r.key?.toString() === 'a').map((r) => r.value?.toString());
    assert.deepEqual(byKey, ['1', '4'], 'per key in offset order');

    await transport.produce([rec('d', '5'), rec('a', '6')]);
    await waitForCount(seen, 6, hook);
    assert.deepEqual(seen.slice(4).map((r) => r.value?.toString()).sort(), ['5', '6']);

    await follower.stop();
    await transport.produce([rec('e', '7')]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(seen.length, 6, 'nothing after stop');
  });

  test('an empty topic is caught up at once', async () => {
    const transport = new MemoryTransport();
    await transport.ensureTopics([{ name: 'items', partitions: 2 }]);
    const follower = transport.follow({ topic: 'items', onRecord: () => assert.fail('no records') });
    await follower.caughtUp;
    await follower.stop();
  });

  test('a failing handler during the initial read rejects caughtUp', async () => {
    const transport = new MemoryTransport();
    await transport.ensureTopics([{ name: 'items', partitions: 1 }]);
    await transport.produce([rec('a', '1')]);
    const follower = transport.follow({
      topic: 'items',
      onRecord: () => {
        throw new Error('boom');
      },
    });
    await assert.rejects(follower.caughtUp, /boom/);
    await follower.stop();
  });
});
