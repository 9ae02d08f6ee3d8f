import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { batchedSink, type BatchedSinkOptions } from '../../../src/sinks/clickhouse/batched-sink.js';
import { isLifelongError } from '../../../src/errors/catalog.js';
import { silentLogger } from '../../../src/observability/logger.js';

type Row = { readonly id: number };

const rows = (...ids: number[]): Row[] => ids.map((id) => ({ id }));
const ids = (batch: readonly Row[]): number[] => batch.map((r) => r.id);

/** An insert whose every call waits until the test settles it. */
function heldInsert() {
  const calls: { rows: readonly Row[]; ok: () => void; fail: (e: Error) => void }[] = [];
  const insert = (_table: string, batch: readonly Row[]) =>
    new Promise<void>((ok, fail) => {
      calls.push({ rows: batch, ok, fail });
    });
  return { calls, insert };
}

/** An insert that succeeds at once and records its batches. */
function recordingInsert() {
  const batches: number[][] = [];
  const insert = async (_table: string, batch: readonly Row[]) => {
    batches.push(ids(batch));
  };
  return { batches, insert };
}

function options(overrides: Partial<BatchedSinkOptions<Row>> = {}): BatchedSinkOptions<Row> {
  return {
    table: 't',
    maxBatchRows: 100,
    maxBatchDelayMs: 10_000,
    maxBufferedRows: 1_000,
    retry: { initialDelayMs: 10, maxDelayMs: 100, maxAttempts: Infinity },
    logger: silentLogger(),
    sleep: async () => {},
    random: () => 0.5,
    ...overrides,
  };
}

/** The real abortable sleep: a long backoff that only close() can cut short. */
function withRealSleep(o: BatchedSinkOptions<Row>): BatchedSinkOptions<Row> {
  const copy = { ...o };
  delete copy.sleep;
  return copy;
}

/** Lets queued promise callbacks run. */
const tick = () => delay(0);

test('a batch is sent as soon as it reaches maxBatchRows, rows of several writes sharing it', async () => {
  const { batches, insert } = recordingInsert();
  const sink = batchedSink(insert, options({ maxBatchRows: 3 }));
  const first = sink.write(rows(1, 2));
  await tick();
  assert.deepEqual(batches, [], 'two rows wait for more');
  const second = sink.write(rows(3, 4));
  await first;
  assert.deepEqual(batches, [[1, 2, 3]]);
  assert.equal(sink.pendingRows, 1);
  await sink.flush();
  await second;
  assert.deepEqual(batches, [[1, 2, 3], [4]]);
  assert.equal(sink.pendingRows, 0);
  await sink.close();
});

test('a partial batch is sent maxBatchDelayMs after its first row', async () => {
  const { batches, insert } = recordingInsert();
  const sink = batchedSink(insert, options({ maxBatchDelayMs: 40 }));
  const started = Date.now();
  const written = sink.write(rows(1));
  await delay(10);
  void sink.write(rows(2));
  await delay(5);
  assert.deepEqual(batches, []);
  await written;
  assert.ok(Date.now() - started >= 35, 'not sent before the delay');
  assert.deepEqual(batches, [[1, 2]]);
  await sink.close();
});

test('one insert in flight at a time, rows in write order; writes during an insert share the next batch', async () => {
  const held = heldInsert();
  const sink = batchedSink(held.insert, options({ maxBatchRows: 2 }));
  const settled: string[] = [];
  const track = (name: string, p: Promise<void>) => p.then(() => settled.push(name));
  const a = track('a', sink.write(rows(1, 2)));
  const b = track('b', sink.write(rows(3)));
  const c = track('c', sink.write(rows(4, 5)));
  await tick();
  assert.equal(held.calls.length, 1, 'only one insert in flight');
  held.calls[0]!.ok();
  await a;
  await tick();
  assert.equal(held.calls.length, 2);
  assert.deepEqual(ids(held.calls[1]!.rows), [3, 4]);
  held.calls[1]!.ok();
  await b;
  await tick();
  assert.deepEqual(settled, ['a', 'b'], 'c still has a row buffered');
  await Promise.all([sink.flush(), (async () => {
    await tick();
    held.calls[2]!.ok();
  })()]);
  await c;
  assert.deepEqual(held.calls.map((call) => ids(call.rows)), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(settled, ['a', 'b', 'c']);
  await sink.close();
});

test('a failed insert is retried with the same rows; healthy is false until it succeeds', async () => {
  const attempts: number[][] = [];
  let failuresLeft = 2;
  const health: boolean[] = [];
  const retries: number[] = [];
  let sink: ReturnType<typeof batchedSink<Row>> | undefined;
  const insert = async (_t: string, batch: readonly Row[]) => {
    attempts.push(ids(batch));
    if (failuresLeft-- > 0) throw new Error('connection refused');
  };
  const sleeps: number[] = [];
  sink = batchedSink(
    insert,
    options({
      maxBatchRows: 3,
      sleep: async (ms) => {
        sleeps.push(ms);
        health.push(sink!.healthy);
      },
      onRetry: (_e, attempt) => retries.push(attempt),
    }),
  );
  assert.equal(sink.healthy, true);
  await sink.write(rows(1, 2, 3));
  assert.deepEqual(attempts, [[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
  assert.deepEqual(health, [false, false], 'unhealthy while retrying');
  assert.deepEqual(retries, [1, 2]);
  assert.deepEqual(sleeps, [5, 10], 'exponential backoff with (injected) jitter');
  assert.equal(sink.healthy, true, 'healthy again after a success');
  await sink.close();
});

test('rows written while a batch is being retried wait behind it', async () => {
  const held = heldInsert();
  const sink = batchedSink(held.insert, options({ maxBatchRows: 1 }));
  const first = sink.write(rows(1));
  const second = sink.write(rows(2));
  await tick();
  held.calls[0]!.fail(new Error('boom'));
  await tick();
  assert.equal(sink.healthy, false);
  assert.equal(held.calls.length, 2);
  assert.deepEqual(ids(held.calls[1]!.rows), [1], 'the retry carries the same row, not the next one');
  held.calls[1]!.ok();
  await first;
  await tick();
  assert.deepEqual(ids(held.calls[2]!.rows), [2]);
  held.calls[2]!.ok();
  await second;
  assert.equal(sink.healthy, true);
  await sink.close();
});

test('back-pressure: a write waits for buffer space and pendingRows never exceeds maxBufferedRows', async () => {
  const held = heldInsert();
  const sink = batchedSink(held.insert, options({ maxBatchRows: 2, maxBufferedRows: 4 }));
  const first = sink.write(rows(1, 2, 3, 4));
  await tick();
  assert.equal(sink.pendingRows, 4);
  const second = sink.write(rows(5, 6));
  await tick();
  assert.equal(sink.pendingRows, 4, 'rows 5 and 6 are held back, not buffered');
  let secondDone = false;
  void second.then(() => (secondDone = true));

  held.calls[0]!.ok(); // [1, 2] durable: room for [5, 6]
  await tick();
  assert.equal(sink.pendingRows, 4);
  assert.deepEqual(ids(held.calls[1]!.rows), [3, 4]);
  held.calls[1]!.ok();
  await first;
  await tick();
  assert.equal(secondDone, false);
  assert.deepEqual(ids(held.calls[2]!.rows), [5, 6]);
  held.calls[2]!.ok();
  await second;
  assert.equal(sink.pendingRows, 0);
  await sink.close();
});

test('a single write larger than the buffer is still accepted once the buffer is empty', async () => {
  const { batches, insert } = recordingInsert();
  const sink = batchedSink(insert, options({ maxBatchRows: 2, maxBufferedRows: 2 }));
  const written = sink.write(rows(1, 2, 3, 4, 5));
  assert.equal(sink.pendingRows, 5);
  await Promise.all([written, sink.flush()]);
  assert.deepEqual(batches, [[1, 2], [3, 4], [5]]);
  await sink.close();
});

test('close sends what is buffered, waits for it, and refuses later writes', async () => {
  const { batches, insert } = recordingInsert();
  const sink = batchedSink(insert, options({ maxBatchDelayMs: 60_000 }));
  const written = sink.write(rows(1, 2));
  await tick();
  assert.deepEqual(batches, []);
  await sink.close();
  await written;
  assert.deepEqual(batches, [[1, 2]]);
  await assert.rejects(sink.write(rows(3)), (e) => isLifelongError(e, 'SINK_UNAVAILABLE'));
});

test('close stops retrying a failing insert: its writes and close reject with SINK_UNAVAILABLE', async () => {
  const calls: number[][] = [];
  const sink = batchedSink(
    async (_t: string, batch: readonly Row[]) => {
      calls.push(ids(batch));
      throw new Error('server down');
    },
    withRealSleep(options({ maxBatchRows: 1, retry: { initialDelayMs: 60_000, maxDelayMs: 60_000, maxAttempts: Infinity } })),
  );
  const first = sink.write(rows(1));
  const second = sink.write(rows(2));
  const firstRejected = assert.rejects(first, (e) => isLifelongError(e, 'SINK_UNAVAILABLE'));
  const secondRejected = assert.rejects(second, (e) => isLifelongError(e, 'SINK_UNAVAILABLE'));
  await tick();
  assert.equal(sink.healthy, false);
  await assert.rejects(sink.close(), /2 rows not inserted/);
  await firstRejected;
  await secondRejected;
  assert.deepEqual(calls, [[1]], 'no further attempts once closed while failing');
});
