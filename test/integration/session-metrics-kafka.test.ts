import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AvroCodec, UserEvent } from '../../src/index.js';
import { SeededRandom } from '../../src/sim/random.js';
import type { OutboundRecord } from '../../src/transports/contract.js';
import { prepareFaultRun } from '../support/fault-harness.js';
import { stopWithin } from '../support/processor.js';
import { clickhouseUnreachable, kafkaUnreachable, serviceGate, waitFor } from '../support/services.js';

/*
 * The vertical slice against the real services: ≥ 100,000 Avro events in ≥ 5,000
 * sessions on a 4-partition Kafka topic, the processor as a real child process (SIGTERM
 * mid-stream, then restarted), rows in a real ClickHouse server read back with FINAL and
 * compared with a plain reference, bad records on the dead-letter topic.
 */
const skip = await serviceGate('session-metrics over Kafka and ClickHouse', kafkaUnreachable(), clickhouseUnreachable());

/** Duplicates, undecodable values and wrong keys, mixed into the stream. */
function malformed(records: OutboundRecord[], _codec: AvroCodec<UserEvent>, topic: string): Map<string, number> {
  const random = new SeededRandom(11);
  const expected = new Map<string, number>();
  const count = (code: string): void => void expected.set(code, (expected.get(code) ?? 0) + 1);
  const mixed: OutboundRecord[] = [];
  for (const record of records) {
    mixed.push(record);
    if (random.chance(0.002)) {
      mixed.push({ ...record });
      count('LIFELONG_ERR_DUPLICATE_EVENT');
    }
    if (random.chance(0.0005)) {
      mixed.push({ topic, key: record.key, value: record.value!.subarray(0, record.value!.length - 3) });
      count('LIFELONG_ERR_DECODE_FAILED');
    }
    if (random.chance(0.0005)) {
      mixed.push({ topic, key: Buffer.from(`not-${record.key!.toString('utf8')}`), value: record.value });
      count('LIFELONG_ERR_RECORD_INVALID');
    }
  }
  records.length = 0;
  for (const record of mixed) records.push(record); // no spread: too many arguments for the stack
  return expected;
}

test('Avro events through Kafka into ClickHouse session rows, exactly once across a SIGTERM and a restart', { skip, timeout: 15 * 60_000 }, async (t) => {
  const run = await prepareFaultRun(t, { users: 1_300, days: 3, seed: 7, partitions: 4, extra: malformed });
  assert.ok(run.events.length >= 100_000, `generated ${run.events.length} events`);

  const started = performance.now();
  const first = run.start('first', '--consumer-max-batch-records', '2000');
  const atKill = await waitFor('a quarter of the input committed', async () => {
    const done = await run.committed();
    return done >= run.total / 4 ? done : undefined;
  }, 5 * 60_000, 100);
  assert.ok(atKill < run.total, `SIGTERM came mid-stream (${atKill} of ${run.total} committed)`);
  assert.equal(await stopWithin(first, 'SIGTERM', 60_000), 0, `graceful exit after SIGTERM (log ${first.logFile})`);

  const second = run.start('second', '--consumer-max-batch-records', '2000');
  await run.waitAllCommitted(10 * 60_000);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(await stopWithin(second, 'SIGTERM', 60_000), 0, `graceful exit (log ${second.logFile})`);

  const report = await run.verify();
  assert.ok(report.sessionsOut >= 5_000, `${report.sessionsOut} sessions`);
  console.log(`>>> ${run.total} records (${run.events.length} events) in ${seconds.toFixed(1)} s including a SIGTERM and a restart: ${Math.round(run.total / seconds)} records/s; ${JSON.stringify(report)}`);
});
