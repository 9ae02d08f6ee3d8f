import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryLog } from '../../../src/transports/memory/memory-log.js';
import { MemoryTransport } from '../../../src/transports/memory/memory-transport.js';
import type { LogRecord } from '../../../src/transports/contract.js';

/** A small seeded generator (mulberry32), so a failing case can be replayed by its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a record says, comparable with deepEqual. */
interface Entry {
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
}
const entry = (r: LogRecord): Entry => ({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });

/** The brute-force reference: the full, never compacted log reduced to the newest record per key. */
function latestPerKey(entries: readonly Entry[]): Map<string, Entry> {
  const latest = new Map<string, Entry>();
  for (const e of entries) if (e.key !== null) latest.set(e.key, e);
  return latest;
}

/** Whether the reference record at its offset is still the newest of its key (keyless records always are). */
function isLatest(e: Entry, latest: Map<string, Entry>): boolean {
  return e.key === null || latest.get(e.key)!.offset === e.offset;
}

/** Reads from `from` to the end in chunks of random size, continuing after the last offset returned. */
function readAll(log: MemoryLog, from: number, next: () => number): LogRecord[] {
  const seen: LogRecord[] = [];
  let position = from;
  while (position < log.endOffset('c', 0)) {
    const chunk = log.read('c', 0, position, 1 + Math.floor(next() * 7));
    assert.ok(chunk.length > 0, `a read at ${position} below the end ${log.endOffset('c', 0)} returns records`);
    seen.push(...chunk);
    position = chunk[chunk.length - 1]!.offset + 1;
  }
  return seen;
}

/**
 * A reader that advances as the log grows, applying tombstones as deletes. A tracked one
 * is registered with the log like a follower, so compaction must leave it every record.
 */
class IncrementalReader {
  /** The next offset, in an array as the log's follower tracking reads it. */
  readonly positions: number[];
  readonly view = new Map<string, string>();
  readonly seenOffsets: number[] = [];
  /** From here on, a tracked reader must see every record: nothing was compacted away while it was registered. */
  readonly everyRecordFrom: number;
  constructor(
    readonly start: number,
    readonly tracked: boolean,
    log: MemoryLog,
  ) {
    this.positions = [start];
    this.everyRecordFrom = Math.max(start, log.endOffset('c', 0));
    if (tracked) log.trackFollower('c', this.positions);
  }
  advance(log: MemoryLog, max: number): void {
    for (const r of log.read('c', 0, this.positions[0]!, max)) {
      assert.ok(r.offset >= this.positions[0]!, 'never behind the position');
      const key = r.key?.toString();
      if (key !== undefined) {
        if (r.value === null) this.view.delete(key);
        else this.view.set(key, r.value.toString());
      }
      this.seenOffsets.push(r.offset);
      this.positions[0] = r.offset + 1;
    }
  }
}

describe('MemoryLog compaction (property)', () => {
  for (let seed = 1; seed <= 60; seed++) {
    test(`seed ${seed}: readers see what the uncompacted log reduced to the newest record per key says`, () => {
      const next = random(seed);
      const minDeadRecords = Math.floor(next() * 6);
      const log = new MemoryLog({ minDeadRecords });
      log.ensureTopic({ name: 'c', partitions: 1, compacted: true });
      const keys = 1 + Math.floor(next() * 9);
      // Odd seeds also register readers as followers, which holds compaction back for them.
      const withTrackedReaders = seed % 2 === 1;
      const reference: Entry[] = [];
      const readers = [new IncrementalReader(0, false, log)];

      const appends = 50 + Math.floor(next() * 400);
      for (let i = 0; i < appends; i++) {
        const roll = next();
        const key = roll < 0.05 ? null : `k${Math.floor(next() * keys)}`;
        const value = key !== null && next() < 0.2 ? null : `v${i}`;
        log.append([{ topic: 'c', partition: 0, key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value) }]);
        reference.push({ offset: i, key, value });
        assert.equal(log.endOffset('c', 0), reference.length, 'the end offset counts every append, compacted or not');

        if (next() < 0.05) log.compact('c');
        if (next() < 0.05) readers.push(new IncrementalReader(Math.floor(next() * (reference.length + 1)), withTrackedReaders && next() < 0.5, log));
        for (const reader of readers) if (next() < 0.3) reader.advance(log, 1 + Math.floor(next() * 5));

        // Amortized: without a compaction now, the dead records are few or at most the live
        // ones. (A tracked reader that lags makes compaction keep more, by design.)
        if (!withTrackedReaders) {
          const latestNow = latestPerKey(reference);
          const live = reference.filter((e) => isLatest(e, latestNow)).length;
          assert.ok(log.storedRecords('c', 0) <= live + Math.max(minDeadRecords - 1, live), `stored ${log.storedRecords('c', 0)} with ${live} live`);
        }
      }

      const latest = latestPerKey(reference);

      // From offset 0: every kept record is the reference record at its offset, and reduced
      // to the newest per key it equals the brute-force reference.
      const fromStart = readAll(log, 0, next).map(entry);
      for (const e of fromStart) assert.deepEqual(e, reference[e.offset], 'offsets of kept records never change');
      assert.deepEqual(latestPerKey(fromStart), latest);

      // From any position: every record after it that is still the newest of its key.
      for (let trial = 0; trial < 10; trial++) {
        const from = Math.floor(next() * (reference.length + 1));
        const seen = readAll(log, from, next).map(entry);
        const offsets = seen.map((e) => e.offset);
        assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), 'in offset order');
        for (const e of seen) assert.deepEqual(e, reference[e.offset]);
        const mustSee = reference.filter((e) => e.offset >= from && isLatest(e, latest)).map((e) => e.offset);
        assert.deepEqual(offsets.filter((o) => mustSee.includes(o)), mustSee, `from ${from}: every newest record after it`);
        assert.ok(offsets.every((o) => o >= from));
      }

      // Readers that kept up while the log was compacted under them end with the right
      // state: the newest value of every key written since they started, deletes applied.
      for (const reader of readers) {
        reader.advance(log, Number.MAX_SAFE_INTEGER);
        const expected = new Map([...latest].filter(([, e]) => e.offset >= reader.start && e.value !== null).map(([key, e]) => [key, e.value!]));
        assert.deepEqual(reader.view, expected, `reader from ${reader.start}`);
        if (reader.tracked) {
          const everyOffset = Array.from({ length: reference.length - reader.everyRecordFrom }, (_, i) => reader.everyRecordFrom + i);
          assert.deepEqual(reader.seenOffsets.filter((o) => o >= reader.everyRecordFrom), everyOffset, `a tracked reader from ${reader.start} saw every record`);
        }
      }

      // A full compaction leaves exactly one record per key (the tombstones included) plus keyless ones.
      log.compact('c');
      assert.equal(log.storedRecords('c', 0), latest.size + reference.filter((e) => e.key === null).length);
    });
  }
});

describe('MemoryLog compaction', () => {
  const put = (topic: string, key: string, value: string | null) => ({ topic, partition: 0, key: Buffer.from(key), value: value === null ? null : Buffer.from(value) });

  test('topics that are not compacted keep every record', () => {
    const log = new MemoryLog({ minDeadRecords: 0 });
    log.ensureTopic({ name: 'events', partitions: 1 });
    for (let i = 0; i < 10; i++) log.append([put('events', 'same', `v${i}`)]);
    log.compact('events');
    assert.equal(log.storedRecords('events', 0), 10);
    assert.deepEqual(log.read('events', 0, 3, 2).map((r) => r.offset), [3, 4]);
  });

  test('a compacted partition is cleaned by itself once the superseded records are the majority', () => {
    const log = new MemoryLog({ minDeadRecords: 4 });
    log.ensureTopic({ name: 'c', partitions: 1, compacted: true });
    for (let i = 0; i < 100; i++) log.append([put('c', `k${i % 3}`, `v${i}`)]);
    assert.ok(log.storedRecords('c', 0) < 10, `held ${log.storedRecords('c', 0)} of 100`);
    assert.equal(log.endOffset('c', 0), 100);
    assert.deepEqual(log.read('c', 0, 0, 100).slice(-3).map(entry), [
      { offset: 97, key: 'k1', value: 'v97' },
      { offset: 98, key: 'k2', value: 'v98' },
      { offset: 99, key: 'k0', value: 'v99' },
    ]);
  });

  test('a reader in a gap continues at the next kept record', () => {
    const log = new MemoryLog({ minDeadRecords: 0 });
    log.ensureTopic({ name: 'c', partitions: 1, compacted: true });
    log.append([put('c', 'a', '1'), put('c', 'b', '2'), put('c', 'a', '3'), put('c', 'b', null), put('c', 'c', '5')]);
    log.compact('c');
    assert.deepEqual(log.read('c', 0, 0, 10).map(entry), [
      { offset: 2, key: 'a', value: '3' },
      { offset: 3, key: 'b', value: null },
      { offset: 4, key: 'c', value: '5' },
    ]);
    assert.deepEqual(log.read('c', 0, 1, 1).map((r) => r.offset), [2]);
    assert.deepEqual(log.read('c', 0, 5, 10), [], 'nothing at the end');
  });

  test('a follower and readToEnd of the transport see the newest value per key across compactions', async () => {
    const transport = new MemoryTransport(new MemoryLog({ minDeadRecords: 2 }));
    await transport.ensureTopics([{ name: 'items', partitions: 2, compacted: true }]);
    const write = (i: number): Promise<void> => transport.produce([{ topic: 'items', key: Buffer.from(`item${i % 5}`), value: i % 11 === 0 ? null : Buffer.from(`v${i}`) }]);
    for (let i = 0; i < 40; i++) await write(i);

    const table = new Map<string, string>();
    let delivered = 0;
    const follower = transport.follow({
      topic: 'items',
      onRecord: (r) => {
        delivered++;
        if (r.value === null) table.delete(r.key!.toString());
        else table.set(r.key!.toString(), r.value.toString());
      },
    });
    await follower.caughtUp;
    assert.ok(delivered < 40, `the initial read skipped superseded records (${delivered} delivered)`);
    const initial = delivered;
    // Several appends before the follower runs again: compaction must wait for it.
    for (let i = 40; i < 90; i++) void write(i);
    await new Promise((resolve) => setImmediate(resolve));
    await follower.stop();
    assert.equal(delivered, initial + 50, 'a live follower sees every record appended after it started');

    const restored = new Map<string, string | null>();
    await transport.readToEnd({ topic: 'items', onRecord: (r) => restored.set(r.key!.toString(), r.value?.toString() ?? null) });
    const expected = new Map<string, string | null>();
    for (let i = 0; i < 90; i++) expected.set(`item${i % 5}`, i % 11 === 0 ? null : `v${i}`);
    assert.deepEqual(restored, expected);
    assert.deepEqual(table, new Map([...expected].filter(([, v]) => v !== null)));
  });
});
