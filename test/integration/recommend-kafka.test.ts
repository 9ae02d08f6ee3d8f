import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@clickhouse/client';
import { AvroCodec, LocalSchemaRegistry, type Item, type Recommendation, type UserEvent } from '../../src/index.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startInstance } from '../../src/runtime/instance.js';
import type { InstanceService } from '../../src/runtime/service.js';
import { generateCatalog } from '../../src/sim/catalog-generator.js';
import { generateSessions } from '../../src/sim/session-generator.js';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import { partitionForKey } from '../../src/transports/partitioner.js';
import { topologiesFromConfig } from '../../topologies/index.js';
import { clickhouseUnreachable, kafkaUnreachable, serviceGate, TEST_BROKERS, TEST_CLICKHOUSE_URL, waitFor } from '../support/services.js';

/*
 * Recommend against the real broker: feed requests in, one slate per request out on the
 * recommendations topic — keyed by the user, in the user's partition, in the order of the
 * user's requests, committed with the batch (read here read-committed) — and the
 * sessions in ClickHouse labelled with the arm the slates carried.
 */
const skip = await serviceGate('recommend over Kafka', kafkaUnreachable(), clickhouseUnreachable());

const run = `rec${Date.now().toString(36)}${process.pid}`;
const PARTITIONS = 3;
const registry = new LocalSchemaRegistry();

test('slates over Kafka: one per feed request, keyed and ordered per user, arms labelled in ClickHouse', { skip, timeout: 10 * 60_000 }, async (t) => {
  const topics = { events: `${run}.events`, items: `${run}.items`, recommendations: `${run}.recommendations`, deadLetter: `${run}.dead-letter` };
  const database = `lifelong_${run}`;
  const admin = new KafkaTransport({ brokers: TEST_BROKERS.split(','), clientId: `${run}-admin`, ssl: false, sessionTimeoutMs: 30_000, transactionTimeoutMs: 60_000, connectionTimeoutMs: 5_000 }, silentLogger());
  const clickhouse = createClient({ url: TEST_CLICKHOUSE_URL, compression: { request: false, response: false } });
  t.after(async () => {
    await admin.close();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => {});
    await clickhouse.close();
  });
  const config = loadConfig({
    flags: {
      brokers: TEST_BROKERS,
      'clickhouse.url': TEST_CLICKHOUSE_URL,
      'clickhouse.database': database,
      applicationId: run,
      partitions: PARTITIONS,
      'topics.events': topics.events,
      'topics.items': topics.items,
      'topics.recommendations': topics.recommendations,
      'topics.deadLetter': topics.deadLetter,
      'recommend.arms': 'control=greedy:1,treatment=lifelong:1',
      'lifelongValue.enabled': false,
      'http.port': 0,
      'log.level': 'silent',
    },
  });

  const itemCodec = new AvroCodec<Item>('Item', registry);
  const eventCodec = new AvroCodec<UserEvent>('UserEvent', registry);
  await admin.ensureTopics([{ name: topics.items, partitions: 2, compacted: true }]);
  await admin.produce(generateCatalog({ seed: 6, dim: 32 }).map((item) => ({ topic: topics.items, key: Buffer.from(item.itemId), value: itemCodec.encode(item) })));

  const services: InstanceService[] = [];
  const instance = await startInstance(config, topologiesFromConfig(config, services), { logger: silentLogger(), services });
  t.after(() => instance.stop());

  const events = generateSessions({ users: 60, days: 2, seed: 12 });
  for (let i = 0; i < events.length; i += 5_000) await admin.produce(events.slice(i, i + 5_000).map((e) => ({ topic: topics.events, key: Buffer.from(e.userId), value: eventCodec.encode(e) })));
  const requests = events.filter((e) => e.type === 'FEED_REQUEST');

  const codec = new AvroCodec<Recommendation>('Recommendation', registry);
  const read = async (): Promise<Array<{ partition: number; key: string; value: Recommendation }>> => {
    const slates: Array<{ partition: number; key: string; value: Recommendation }> = [];
    await admin.readToEnd({ topic: topics.recommendations, onRecord: (record) => slates.push({ partition: record.partition, key: record.key!.toString('utf8'), value: codec.decode(record.value!) }) });
    return slates;
  };
  const slates = await waitFor('a slate for every feed request', async () => {
    const found = await read();
    return found.length >= requests.length ? found : undefined;
  }, 5 * 60_000, 500);

  assert.equal(slates.length, requests.length, 'exactly one slate per request');
  const partitionCount = await admin.partitionCount(topics.recommendations);
  assert.equal(partitionCount, PARTITIONS, 'the recommendations topic is partitioned like the input');
  const servedOrder = new Map<string, string[]>();
  for (const slate of slates) {
    assert.equal(slate.key, slate.value.userId);
    assert.equal(slate.partition, partitionForKey(topics.recommendations, Buffer.from(slate.key), partitionCount), 'in the user’s partition');
    assert.ok(slate.value.items.length > 0, 'a slate is never empty with a catalog');
    servedOrder.set(slate.key, [...(servedOrder.get(slate.key) ?? []), slate.value.requestId]);
  }
  const requestOrder = new Map<string, string[]>();
  for (const request of requests) requestOrder.set(request.userId, [...(requestOrder.get(request.userId) ?? []), request.requestId!]);
  assert.deepEqual(servedOrder, requestOrder, 'slates follow each user’s requests in order');
  const arms = new Map(slates.map((s) => [s.key, `${s.value.arm}/${s.value.policy}`]));
  assert.deepEqual(new Set(arms.values()), new Set(['control/greedy', 'treatment/lifelong']));

  // Sessions close on stream time: all but each user's last have rows; their arm is the slates'.
  const rows = await waitFor('session rows', async () => {
    const result = await clickhouse.query({ query: `SELECT user_id, policy, arm FROM ${database}.session_metrics FINAL`, format: 'JSONEachRow' });
    const found = await result.json<{ user_id: string; policy: string; arm: string }>();
    return found.length > 0 ? found : undefined;
  }, 60_000, 500);
  for (const row of rows) {
    const label = arms.get(row.user_id);
    if (label) assert.equal(`${row.arm}/${row.policy}`, label, `sessions of ${row.user_id}`);
  }
});
