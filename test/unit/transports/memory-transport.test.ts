import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { MemoryTransport } from '../../../src/transports/memory/memory-transport.js';
import { partitionForKey } from '../../../src/transports/partitioner.js';
import type { GroupConsumer, LogRecord, PartitionBatch } from '../../../src/transports/contract.js';

/** Kafka's Utils.murmur2 (the Java client), written out independently as a reference. */
function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & ~3;
  // Java's switch falls through from case 3 to case 1.
  const rest = length % 4;
  if (rest >= 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
const javaPartition = (key: Buffer, partitions: number): number => (murmur2(key) & 0x7fffffff) % partitions;

/** A promise with its resolver outside, to wait for the consumer without sleeping. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const value = (partition: number, i: number) => Buffer.from(`p${partition}-${i}`);

async function topicWith(transport: MemoryTransport, perPartition: number[], name = 'in'): Promise<void> {
  await transport.ensureTopics([
    { name, partitions: perPartition.length },
    { name: 'out', partitions: perPartition.length },
  ]);
  const records = perPartition.flatMap((count, partition) => Array.from({ length: count }, (_, i) => ({ topic: name, partition, key: null, value: value(partition, i) })));
  await transport.produce(records);
}

interface Member {
  readonly consumer: GroupConsumer;
  readonly batches: PartitionBatch[];
  readonly assignments: Array<{ assigned: number[]; revoked: number[] }>;
  /** Resolves once the member has received `count` records in total. */
  received(count: number): Promise<void>;
  /** Resolves on the member's next onAssignment call. */
  nextAssignment(): Promise<{ assigned: number[]; revoked: number[] }>;
  records(): LogRecord[];
  /** Joins the group (resolves once the first assignment has been handled). */
  run(): Promise<void>;
}

/**
 * A group member that commits every batch it is handed (when `commit` says so), with one
 * output record per input record.
 */
function member(transport: MemoryTransport, options: { maxBatchRecords?: number; commit?: (batch: PartitionBatch) => boolean } = {}): Member {
  const consumer = transport.groupConsumer({ groupId: 'g', topic: 'in', concurrency: 4, maxBatchRecords: options.maxBatchRecords ?? 3 });
  const batches: PartitionBatch[] = [];
  const assignments: Member['assignments'] = [];
  let waiters: Array<{ count: number; resolve: () => void }> = [];
  let assignmentWaiters: Array<(a: { assigned: number[]; revoked: number[] }) => void> = [];
  const total = () => batches.reduce((n, b) => n + b.records.length, 0);
  const settle = () => {
    const ready = waiters.filter((w) => total() >= w.count);
    waiters = waiters.filter((w) => total() < w.count);
    for (const w of ready) w.resolve();
  };
  const handlers = {
    onAssignment: async (assigned: readonly number[], revoked: readonly number[]) => {
      const a = { assigned: [...assigned], revoked: [...revoked] };
      assignments.push(a);
      const ws = assignmentWaiters;
      assignmentWaiters = [];
      for (const w of ws) w(a);
    },
    onBatch: async (batch: PartitionBatch) => {
      batches.push(batch);
      if (options.commit?.(batch) ?? true) {
        const last = batch.records[batch.records.length - 1]!;
        await consumer.commit(batch.partition, {
          outputs: batch.records.map((r) => ({ topic: 'out', partition: r.partition, key: null, value: r.value })),
          consumed: { topic: batch.topic, partition: batch.partition, nextOffset: last.offset + 1 },
        });
      }
      settle();
    },
  };
  return {
    consumer,
    batches,
    assignments,
    received: (count) => {
      const d = deferred();
      waiters.push({ count, resolve: d.resolve });
      settle();
      return d.promise;
    },
    nextAssignment: () => {
      const d = deferred<{ assigned: number[]; revoked: number[] }>();
      assignmentWaiters.push(d.resolve);
      return d.promise;
    },
    records: () => batches.flatMap((b) => b.records),
    run: () => consumer.run(handlers),
  };
}

const run = (m: Member) => m.run();

/** Offsets each partition was delivered, in delivery order. */
function deliveredOffsets(records: readonly LogRecord[]): Map<number, number[]> {
  const byPartition = new Map<number, number[]>();
  for (const r of records) {
    const list = byPartition.get(r.partition) ?? [];
    list.push(r.offset);
    byPartition.set(r.partition, list);
  }
  return byPartition;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('MemoryTransport partitioning', () => {
  test('the murmur2 reference matches Kafka’s published test vectors', () => {
    const vectors: Array<[Buffer, number]> = [
      [Buffer.from('21'), -973932308],
      [Buffer.from('foobar'), -790332482],
      [Buffer.from('a-little-bit-long-string'), -985981536],
      [Buffer.from('a-little-bit-longer-string'), -1486304829],
      [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
      [Buffer.from('abc'), 479470107],
    ];
    for (const [key, hash] of vectors) assert.equal(murmur2(key), hash, key.toString());
  });

  test('keyed records land where Kafka’s DefaultPartitioner puts them', async () => {
    const transport = new MemoryTransport();
    const partitions = 7;
    await transport.ensureTopics([{ name: 'keyed', partitions }]);
    const keys = [...range(0, 200).map((i) => `user-${i}`), '', 'ü', 'a-little-bit-longer-string'];
    await transport.produce(keys.map((k) => ({ topic: 'keyed', key: Buffer.from(k), value: Buffer.from(k) })));
    const kafkaDefault = kafkajs.Partitioners.DefaultPartitioner();
    const metadata = range(0, partitions).map((partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], partitionErrorCode: 0 }));
    const seen: LogRecord[] = [];
    await transport.readToEnd({ topic: 'keyed', onRecord: (r) => seen.push(r) });
    assert.equal(seen.length, keys.length);
    const used = new Set<number>();
    for (const record of seen) {
      const key = record.key!;
      used.add(record.partition);
      assert.equal(record.partition, javaPartition(key, partitions), key.toString());
      assert.equal(record.partition, partitionForKey('keyed', key, partitions));
      assert.equal(record.partition, kafkaDefault({ topic: 'keyed', partitionMetadata: metadata, message: { key, value: null } }));
    }
    assert.equal(used.size, partitions, '200 keys reach every partition');
  });

  test('an explicit partition wins over the key; offsets count up per partition', async () => {
    const transport = new MemoryTransport();
    await transport.ensureTopics([{ name: 't', partitions: 3 }]);
    await transport.produce([
      { topic: 't', partition: 2, key: Buffer.from('k'), value: Buffer.from('1') },
      { topic: 't', partition: 2, key: null, value: Buffer.from('2') },
      { topic: 't', partition: 0, key: null, value: Buffer.from('3') },
    ]);
    assert.deepEqual([...(await transport.endOffsets('t'))], [
      [0, 1],
      [1, 0],
      [2, 2],
    ]);
    await assert.rejects(transport.produce([{ topic: 't', partition: 3, key: null, value: null }]), /no partition 3/);
    await assert.rejects(transport.produce([{ topic: 'nope', key: null, value: null }]), /unknown topic/);
  });

  test('ensureTopics leaves an existing topic as it is', async () => {
    const transport = new MemoryTransport();
    assert.equal(await transport.hasTopic('t'), false);
    await transport.ensureTopics([{ name: 't', partitions: 3 }]);
    assert.equal(await transport.hasTopic('t'), true);
    await transport.produce([{ topic: 't', partition: 1, key: null, value: null }]);
    await transport.ensureTopics([{ name: 't', partitions: 8 }]);
    assert.equal(await transport.partitionCount('t'), 3);
    assert.equal((await transport.endOffsets('t')).get(1), 1);
  });
});

describe('MemoryTransport consumer groups', () => {
  test('one member gets every partition, each in offset order, in batches of at most maxBatchRecords', async () => {
    const transport = new MemoryTransport();
    const counts = [5, 0, 7, 3];
    await topicWith(transport, counts);
    const m = member(transport, { maxBatchRecords: 3 });
    await run(m);
    assert.deepEqual(m.assignments, [{ assigned: [0, 1, 2, 3], revoked: [] }]);
    await m.received(15);
    const offsets = deliveredOffsets(m.records());
    for (const [partition, count] of counts.entries()) assert.deepEqual(offsets.get(partition) ?? [], range(0, count), `partition ${partition}`);
    for (const batch of m.batches) {
      assert.ok(batch.records.length >= 1 && batch.records.length <= 3);
      assert.ok(batch.records.every((r) => r.partition === batch.partition && r.topic === 'in'));
      assert.equal(batch.highWatermark, counts[batch.partition]);
    }
    // Records appended while running are delivered too.
    await transport.produce([{ topic: 'in', partition: 1, key: null, value: value(1, 0) }]);
    await m.received(16);
    assert.deepEqual(deliveredOffsets(m.records()).get(1), [0]);
    await m.consumer.stop();
  });

  test('commit appends the outputs and commits the offset together', async () => {
    const transport = new MemoryTransport();
    await topicWith(transport, [4, 2]);
    const m = member(transport, { maxBatchRecords: 10 });
    await run(m);
    await m.received(6);
    assert.deepEqual([...(await transport.committedOffsets('g', 'in'))].sort(), [
      [0, 4],
      [1, 2],
    ]);
    const out: string[] = [];
    await transport.readToEnd({ topic: 'out', onRecord: (r) => out.push(`${r.partition}:${r.value!.toString()}`) });
    assert.deepEqual(out, ['0:p0-0', '0:p0-1', '0:p0-2', '0:p0-3', '1:p1-0', '1:p1-1']);
    await m.consumer.stop();
  });

  test('a commit for a partition the member does not own fails and changes nothing', async () => {
    const transport = new MemoryTransport();
    await topicWith(transport, [1, 1]);
    const a = member(transport);
    const b = member(transport);
    await run(a);
    await a.received(2);
    const bAssigned = b.nextAssignment();
    await run(b);
    await bAssigned;
    const before = await transport.committedOffsets('g', 'in');
    await assert.rejects(
      a.consumer.commit(1, { outputs: [{ topic: 'out', partition: 1, key: null, value: Buffer.from('zombie') }], consumed: { topic: 'in', partition: 1, nextOffset: 99 } }),
      /no longer owned/,
    );
    assert.deepEqual(await transport.committedOffsets('g', 'in'), before);
    assert.equal((await transport.endOffsets('out')).get(1), 1, 'no zombie output');
    await Promise.all([a.consumer.stop(), b.consumer.stop()]);
  });

  test('a second member splits the partitions; the first is told what it lost', async () => {
    const transport = new MemoryTransport();
    await topicWith(transport, [2, 2, 2, 2]);
    const a = member(transport);
    await run(a);
    await a.received(8);
    const aRebalanced = a.nextAssignment();
    const b = member(transport);
    await run(b);
    assert.deepEqual(b.assignments, [{ assigned: [1, 3], revoked: [] }]);
    assert.deepEqual(await aRebalanced, { assigned: [0, 2], revoked: [1, 3] });
    // New records go to whoever owns their partition, and only to them.
    await transport.produce(range(0, 4).map((p) => ({ topic: 'in', partition: p, key: null, value: value(p, 2) })));
    await a.received(10);
    await b.received(2);
    assert.deepEqual(
      b.records().map((r) => [r.partition, r.offset]),
      [
        [1, 2],
        [3, 2],
      ],
      'b starts at the committed offsets: nothing a already committed is re-delivered',
    );
    assert.deepEqual(
      a.records().slice(8).map((r) => [r.partition, r.offset]).sort(),
      [
        [0, 2],
        [2, 2],
      ],
    );
    await Promise.all([a.consumer.stop(), b.consumer.stop()]);
  });

  test('when a member leaves, the others take its partitions over from the committed offsets', async () => {
    const transport = new MemoryTransport();
    await topicWith(transport, [1, 1]);
    const a = member(transport);
    const b = member(transport);
    await run(a);
    await a.received(2);
    const bAssigned = b.nextAssignment();
    await run(b);
    await bAssigned;
    const aTakesOver = a.nextAssignment();
    await b.consumer.stop();
    assert.deepEqual(await aTakesOver, { assigned: [0, 1], revoked: [] });
    await transport.produce([{ topic: 'in', partition: 1, key: null, value: value(1, 1) }]);
    await a.received(3);
    assert.deepEqual(deliveredOffsets(a.records()).get(1), [0, 1]);
    await a.consumer.stop();
  });

  test('a restarted member resumes from the committed offsets, re-delivering only what was not committed', async () => {
    const transport = new MemoryTransport();
    await topicWith(transport, [6, 4]);
    // Commits only the first batch of each partition: the rest is processed, not committed.
    const first = member(transport, { maxBatchRecords: 2, commit: (batch) => batch.records[0]!.offset === 0 });
    await run(first);
    await first.received(10);
    await first.consumer.stop();
    assert.deepEqual([...(await transport.committedOffsets('g', 'in'))].sort(), [
      [0, 2],
      [1, 2],
    ]);
    await transport.produce([{ topic: 'in', partition: 0, key: null, value: value(0, 6) }]);
    const second = member(transport, { maxBatchRecords: 100 });
    await run(second);
    await second.received(7);
    const offsets = deliveredOffsets(second.records());
    assert.deepEqual(offsets.get(0), range(2, 7));
    assert.deepEqual(offsets.get(1), range(2, 4));
    await second.consumer.stop();

    // Everything is committed now: a third member gets nothing old.
    const third = member(transport);
    await run(third);
    await transport.produce([{ topic: 'in', partition: 1, key: null, value: value(1, 4) }]);
    await third.received(1);
    assert.deepEqual(third.records().map((r) => [r.partition, r.offset]), [[1, 4]]);
    await third.consumer.stop();
  });

  test('a failed batch is retried from the last committed offset', async () => {
    const transport = new MemoryTransport();
    await topicWith(transport, [4]);
    const consumer = transport.groupConsumer({ groupId: 'g', topic: 'in', concurrency: 1, maxBatchRecords: 2 });
    const seen: number[][] = [];
    const done = deferred();
    let failures = 0;
    await consumer.run({
      onAssignment: async () => {},
      onBatch: async (batch) => {
        seen.push(batch.records.map((r) => r.offset));
        if (batch.records[0]!.offset === 2 && failures++ === 0) throw new Error('boom');
        await consumer.commit(batch.partition, { outputs: [], consumed: { topic: 'in', partition: batch.partition, nextOffset: batch.records[batch.records.length - 1]!.offset + 1 } });
        if (batch.records.some((r) => r.offset === 3)) done.resolve();
      },
    });
    await done.promise;
    assert.deepEqual(seen, [
      [0, 1],
      [2, 3],
      [2, 3],
    ]);
    await consumer.stop();
  });

  test('stop() resolves while idle, and a stopped member gets nothing more', async () => {
    const transport = new MemoryTransport();
    await topicWith(transport, [1, 1, 1]);
    const m = member(transport);
    await run(m);
    await m.received(3);
    await m.consumer.stop();
    await transport.produce([{ topic: 'in', partition: 0, key: null, value: value(0, 1) }]);
    // A new member of the group gets the new record; the stopped one does not.
    const next = member(transport);
    await run(next);
    await next.received(1);
    assert.deepEqual(next.records().map((r) => [r.partition, r.offset]), [[0, 1]]);
    assert.equal(m.records().length, 3);
    await next.consumer.stop();
  });

  test('stop() resolves for a member that never received anything', async () => {
    const transport = new MemoryTransport();
    await topicWith(transport, [0, 0]);
    const m = member(transport);
    await run(m);
    await m.consumer.stop();
    assert.deepEqual(m.batches, []);
    await transport.close();
  });
});

describe('MemoryTransport.readToEnd', () => {
  test('reads every partition from its start, in offset order, and reports each partition', async () => {
    const transport = new MemoryTransport();
    await topicWith(transport, [3, 0, 2]);
    const read: string[] = [];
    const done: Array<[number, number]> = [];
    await transport.readToEnd({ topic: 'in', onRecord: (r) => read.push(`${r.partition}/${r.offset}/${r.value!.toString()}`), onPartitionDone: (p, n) => done.push([p, n]) });
    assert.deepEqual(read, ['0/0/p0-0', '0/1/p0-1', '0/2/p0-2', '2/0/p2-0', '2/1/p2-1']);
    assert.deepEqual(done, [
      [0, 3],
      [1, 0],
      [2, 2],
    ]);
  });

  test('reads only the partitions asked for, and committed offsets do not matter', async () => {
    const transport = new MemoryTransport();
    await topicWith(transport, [3, 1, 2]);
    const m = member(transport);
    await run(m);
    await m.received(6);
    await m.consumer.stop();
    const read: string[] = [];
    await transport.readToEnd({ topic: 'in', partitions: [2], onRecord: (r) => read.push(`${r.partition}/${r.offset}`) });
    assert.deepEqual(read, ['2/0', '2/1']);
  });

  test('a topic that does not exist reads as empty', async () => {
    const transport = new MemoryTransport();
    let calls = 0;
    await transport.readToEnd({ topic: 'missing', onRecord: () => calls++, onPartitionDone: () => calls++ });
    assert.equal(calls, 0);
  });
});
