import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { AvroCodec, LocalSchemaRegistry, type DeadLetter, type UserEvent } from '../../src/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { generateSessions } from '../../src/sim/session-generator.js';
import { SeededRandom } from '../../src/sim/random.js';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import type { OutboundRecord } from '../../src/transports/contract.js';
import { referenceSessions, type ReferenceRow } from '../support/reference-sessions.js';
import { clickhouseUnreachable, kafkaUnreachable, serviceGate, TEST_BROKERS, TEST_CLICKHOUSE_URL, waitFor } from '../support/services.js';
import { startProcessor, stopWithin } from '../support/processor.js';

/*
 * The vertical slice against the real services: Avro events on a 4-partition Kafka
 * topic, the processor as a real child process (SIGTERM mid-stream, then restarted),
 * rows in a real ClickHouse server, bad records on the dead-letter topic. Every row read
 * back with FINAL must equal the reference computed from the same events.
 */
const skip = await serviceGate('session-metrics over Kafka and ClickHouse', kafkaUnreachable(), clickhouseUnreachable());

const GAP_MS = 30 * 60_000;
const run = `it${Date.now().toString(36)}${process.pid}`;
const topics = { events: `${run}.events`, deadLetter: `${run}.dead-letter` };
const database = `lifelong_${run}`;

test('Avro events through Kafka into ClickHouse session rows, exactly once across a SIGTERM and a restart', { skip, timeout: 15 * 60_000 }, async (t) => {
  const registry = new LocalSchemaRegistry();
  const codec = new AvroCodec<UserEvent>('UserEvent', registry);
  const deadLetterCodec = new AvroCodec<DeadLetter>('DeadLetter', registry);
  const transport = new KafkaTransport(
    { brokers: TEST_BROKERS.split(','), clientId: `${run}-test`, ssl: false, sessionTimeoutMs: 30_000, transactionTimeoutMs: 60_000, connectionTimeoutMs: 5_000 },
    silentLogger(),
  );
  const clickhouse = createClient({ url: TEST_CLICKHOUSE_URL, compression: { request: false, response: false } });
  t.after(async () => {
    await transport.close();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => {});
    await clickhouse.close();
  });

  // 1. Input: ≥ 100,000 generated events in ≥ 5,000 sessions, plus duplicates and bad records.
  const events = generateSessions({ users: 1_300, days: 3, seed: 7 });
  const expected = referenceSessions(events, GAP_MS);
  assert.ok(events.length >= 100_000, `generated ${events.length} events`);
  assert.ok(expected.length >= 5_000, `generated ${expected.length} closed sessions`);

  const random = new SeededRandom(11);
  const records: OutboundRecord[] = [];
  const injected = { duplicates: 0, undecodable: 0, wrongKey: 0 };
  for (const event of events) {
    const value = codec.encode(event);
    records.push({ topic: topics.events, key: Buffer.from(event.userId), value });
    if (random.chance(0.002)) {
      records.push({ topic: topics.events, key: Buffer.from(event.userId), value });
      injected.duplicates++;
    }
    if (random.chance(0.0005)) {
      records.push({ topic: topics.events, key: Buffer.from(event.userId), value: random.chance(0.5) ? randomBytes(40) : value.subarray(0, value.length - 3) });
      injected.undecodable++;
    }
    if (random.chance(0.0005)) {
      records.push({ topic: topics.events, key: Buffer.from(`not-${event.userId}`), value });
      injected.wrongKey++;
    }
  }
  await transport.ensureTopics([
    { name: topics.events, partitions: 4 },
    { name: topics.deadLetter, partitions: 4 },
  ]);
  for (let i = 0; i < records.length; i += 20_000) await transport.produce(records.slice(i, i + 20_000));
  const ends = await transport.endOffsets(topics.events);
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  assert.equal(total, records.length);

  // 2. The processor, as a real process; SIGTERM once part of the input is committed.
  const logDir = mkdtempSync(join(tmpdir(), 'lifelong-it-'));
  const args = [
    '--brokers', TEST_BROKERS,
    '--clickhouse', TEST_CLICKHOUSE_URL,
    '--clickhouse-database', database,
    '--application-id', run,
    '--topics-events', topics.events,
    '--topics-dead-letter', topics.deadLetter,
    '--consumer-max-batch-records', '2000',
    '--http-port', '0',
    '--log-level', 'info',
  ];
  const committed = async (): Promise<number> => [...(await transport.committedOffsets(run, topics.events)).values()].reduce((a, b) => a + b, 0);
  const started = performance.now();
  const first = startProcessor(args, join(logDir, 'first.log'));
  t.after(() => {
    first.child.kill('SIGKILL');
  });
  const atKill = await waitFor('a quarter of the input committed', async () => {
    const done = await committed();
    return done >= total / 4 ? done : undefined;
  }, 5 * 60_000, 100);
  assert.ok(atKill < total, `SIGTERM came mid-stream (${atKill} of ${total} committed)`);
  assert.equal(await stopWithin(first, 'SIGTERM', 60_000), 0, `graceful exit after SIGTERM (log ${first.logFile})`);

  const second = startProcessor(args, join(logDir, 'second.log'));
  t.after(() => {
    second.child.kill('SIGKILL');
  });
  await waitFor('all input committed', async () => (await committed()) >= total, 10 * 60_000, 250);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(await stopWithin(second, 'SIGTERM', 60_000), 0, `graceful exit (log ${second.logFile})`);
  console.log(`>>> ${total} records (${events.length} events) processed in ${seconds.toFixed(1)} s including a SIGTERM and restart: ${Math.round(total / seconds)} records/s; ${expected.length} sessions`);

  // 3. ClickHouse rows (FINAL) equal the reference, with no missing or duplicate session.
  const result = await clickhouse.query({ query: `SELECT * FROM ${database}.session_metrics FINAL ORDER BY user_id, session_id`, format: 'JSONEachRow' });
  const rows = await result.json<Record<string, unknown>>();
  const plain = await clickhouse.query({ query: `SELECT count() AS n FROM ${database}.session_metrics`, format: 'JSONEachRow' });
  console.log(`>>> session_metrics holds ${(await plain.json<{ n: string }>())[0]?.n} physical rows for ${rows.length} sessions (replays collapse under FINAL)`);
  const byId = new Map(rows.map((row) => [`${String(row['user_id'])}/${String(row['session_id'])}`, row]));
  assert.equal(rows.length, expected.length, 'one row per reference session');
  for (const want of expected) {
    const got = byId.get(`${want['user_id']}/${want['session_id']}`);
    assert.ok(got, `missing session ${want['session_id']}`);
    assertRowMatches(got, want);
  }

  // 4. Every bad record is on the dead-letter topic with its reason and source offset.
  const letters: DeadLetter[] = [];
  await transport.readToEnd({ topic: topics.deadLetter, onRecord: (r) => letters.push(deadLetterCodec.decode(r.value!)) });
  const byCode = (code: string): DeadLetter[] => letters.filter((l) => l.errorCode === code);
  assert.equal(byCode('LIFELONG_ERR_DUPLICATE_EVENT').length, injected.duplicates, 'duplicates');
  assert.equal(byCode('LIFELONG_ERR_DECODE_FAILED').length, injected.undecodable, 'undecodable');
  assert.equal(byCode('LIFELONG_ERR_RECORD_INVALID').length, injected.wrongKey, 'wrong keys');
  assert.equal(letters.length, injected.duplicates + injected.undecodable + injected.wrongKey, 'nothing else dead-lettered');
  for (const letter of letters) {
    assert.equal(letter.sourceTopic, topics.events);
    assert.ok(letter.sourceOffset >= 0 && letter.sourceOffset < (ends.get(letter.sourcePartition) ?? 0));
    assert.ok(letter.message.length > 0 && letter.value !== null);
  }
});

function assertRowMatches(got: Record<string, unknown>, want: ReferenceRow): void {
  for (const [column, expected] of Object.entries(want)) {
    const actual = got[column];
    if (expected === null) {
      assert.equal(actual, null, `${want['session_id']}.${column}`);
    } else if (typeof expected === 'number') {
      const value = Number(actual);
      assert.ok(Math.abs(value - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${want['session_id']}.${column}: ${value} ≠ ${expected}`);
    } else {
      assert.equal(actual, expected, `${want['session_id']}.${column}`);
    }
  }
}
