import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDir } from '../../src/config/paths.js';
import type { AvroCodec, UserEvent } from '../../src/index.js';
import { SeededRandom } from '../../src/sim/random.js';
import type { OutboundRecord } from '../../src/transports/contract.js';
import { prepareFaultRun } from '../support/fault-harness.js';
import { stopWithin } from '../support/processor.js';
import { clickhouseUnreachable, kafkaUnreachable, serviceGate } from '../support/services.js';

const skip = await serviceGate('fault: hostile input', kafkaUnreachable(), clickhouseUnreachable());
const HOUR = 3_600_000;

/**
 * Mixes every kind of bad record into a good stream and returns how many dead letters
 * of each code they must produce. Bad records go right after a good record of the same
 * user, so each lands in a busy partition between good ones.
 */
function hostile(records: OutboundRecord[], codec: AvroCodec<UserEvent>, topic: string): Map<string, number> {
  const random = new SeededRandom(99);
  const expected = new Map<string, number>();
  const good = records.map((r) => ({ record: r, event: codec.decode(r.value!) }));
  const out: OutboundRecord[] = [];
  const plan: Array<[code: string, count: number, make: (event: UserEvent, record: OutboundRecord) => OutboundRecord]> = [];
  const key = (event: UserEvent): Buffer => Buffer.from(event.userId);
  const framed = (id: number, body: Buffer): Buffer => {
    const header = Buffer.alloc(5);
    header.writeUInt32BE(id, 1);
    return Buffer.concat([header, body]);
  };
  const readerSchema = JSON.parse(readFileSync(join(schemasDir(), 'user-event.avsc'), 'utf8')) as { fields: Array<{ type: { symbols?: string[] } }> };
  readerSchema.fields[3]!.type.symbols!.push('TELEPORT');
  const teleportWriter = avro.Type.forSchema(readerSchema as unknown as avro.Schema);

  // Seeded noise (never a leading 0, which would read as a Confluent magic byte).
  const noise = (length: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i === 0 ? 7 : random.int(0, 255))));
  plan.push(['LIFELONG_ERR_DECODE_FAILED', 10, (e) => ({ topic, key: key(e), value: noise(random.int(1, 200)) })]);
  plan.push(['LIFELONG_ERR_DECODE_FAILED', 10, (_e, r) => ({ topic, key: r.key, value: r.value!.subarray(0, Math.max(1, r.value!.length - 4)) })]);
  plan.push(['LIFELONG_ERR_DECODE_FAILED', 5, (e) => ({ topic, key: key(e), value: teleportWriter.toBuffer({ ...e, eventId: `${e.eventId}-tp`, type: 'TELEPORT' }) })]);
  plan.push(['LIFELONG_ERR_DECODE_FAILED', 3, (e) => ({ topic, key: key(e), value: null })]);
  plan.push(['LIFELONG_ERR_UNKNOWN_SCHEMA_ID', 5, (e) => ({ topic, key: key(e), value: framed(999, codec.encode(e)) })]);
  plan.push(['LIFELONG_ERR_RECORD_INVALID', 5, (e) => ({ topic, key: Buffer.from(''), value: codec.encode({ ...e, userId: '', eventId: `${e.eventId}-x` }) })]);
  plan.push(['LIFELONG_ERR_RECORD_INVALID', 5, (e) => ({ topic, key: key(e), value: codec.encode({ ...e, eventId: '' }) })]);
  plan.push(['LIFELONG_ERR_RECORD_INVALID', 5, (e) => ({ topic, key: null, value: codec.encode({ ...e, eventId: `${e.eventId}-nokey` }), partition: 1 })]);
  plan.push(['LIFELONG_ERR_RECORD_INVALID', 5, (e) => ({ topic, key: key(e), value: codec.encode({ ...e, eventId: `${e.eventId}-neg`, ts: -5 }) })]);
  plan.push(['LIFELONG_ERR_RECORD_INVALID', 5, (e) => ({ topic, key: key(e), value: codec.encode({ ...e, eventId: `${e.eventId}-fut`, ts: Date.now() + 400 * 24 * HOUR }) })]);
  plan.push(['LIFELONG_ERR_RECORD_TOO_LARGE', 2, (e) => ({ topic, key: key(e), value: Buffer.concat([codec.encode(e), Buffer.alloc(10 * 1024 * 1024, 1)]) })]);
  plan.push(['LIFELONG_ERR_DUPLICATE_EVENT', 20, (_e, r) => ({ ...r })]);
  plan.push(['LIFELONG_ERR_LATE_EVENT', 10, (e) => ({ topic, key: key(e), value: codec.encode({ ...e, eventId: `${e.eventId}-late`, ts: e.ts - 3 * HOUR }) })]);

  const inserts = new Map<number, OutboundRecord[]>();
  for (const [code, count, make] of plan) {
    for (let i = 0; i < count; i++) {
      // Not the first record of the stream: a late event needs stream time behind it.
      const at = random.int(Math.floor(good.length / 10), good.length - 1);
      const { record, event } = good[at]!;
      const bad = make(event, record);
      inserts.set(at, [...(inserts.get(at) ?? []), bad]);
      expected.set(code, (expected.get(code) ?? 0) + 1);
    }
  }
  good.forEach(({ record }, index) => out.push(record, ...(inserts.get(index) ?? [])));
  records.length = 0;
  for (const record of out) records.push(record); // no spread: too many arguments for the stack
  return expected;
}

test('a hostile stream: every bad record reaches the dead-letter topic with its reason and offset; every good one is processed', { skip, timeout: 8 * 60_000 }, async (t) => {
  const fault = await prepareFaultRun(t, { users: 300, days: 2, seed: 55, partitions: 4, extra: hostile });
  const processor = fault.start('run', '--consumer-max-batch-records', '1000');
  await fault.waitAllCommitted(4 * 60_000);
  assert.equal(processor.child.exitCode, null, 'nothing crashed');
  assert.equal(await stopWithin(processor, 'SIGTERM', 60_000), 0);
  const report = await fault.verify();
  console.log(`>>> fault hostile input: ${JSON.stringify({ ...report, expected: Object.fromEntries(fault.expectedLetters) })}`);
});
