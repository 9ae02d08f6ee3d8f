import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@clickhouse/client';
import kafkajs from 'kafkajs';
import { AvroCodec, LocalSchemaRegistry, type Item, type UserEvent } from '../../src/index.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startInstance, type Instance } from '../../src/runtime/instance.js';
import { MaterializedGlobalTable, type GlobalTableDefinition } from '../../src/state/global-table.js';
import { generateCatalog } from '../../src/sim/catalog-generator.js';
import { generateSessions } from '../../src/sim/session-generator.js';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import { partitionForKey } from '../../src/transports/partitioner.js';
import { defaultTopologies } from '../../topologies/index.js';
import { interestModel, itemTable, ITEMS_TABLE, type CatalogItem } from '../../topologies/interest/index.js';
import { UserReference } from '../support/reference-interest.js';
import { clickhouseUnreachable, kafkaUnreachable, serviceGate, TEST_BROKERS, TEST_CLICKHOUSE_URL, waitFor } from '../support/services.js';

/*
 * The interest topology and the item catalog against the real broker: the catalog as a
 * global table over a compacted topic (read whole, written transactionally so its
 * partitions end in control records, followed live, a tombstone honoured across a
 * restart), and two processor instances in one group answering GET /users/:id/interest —
 * each for its own partitions, "not here" with the owner for the others — compared with
 * the full-history reference.
 */
const skip = await serviceGate('interest over Kafka', kafkaUnreachable(), clickhouseUnreachable());

const run = `int${Date.now().toString(36)}${process.pid}`;
const PARTITIONS = 4;
const registry = new LocalSchemaRegistry();
const itemCodec = new AvroCodec<Item>('Item', registry);
const eventCodec = new AvroCodec<UserEvent>('UserEvent', registry);

function transport(name: string): KafkaTransport {
  return new KafkaTransport({ brokers: TEST_BROKERS.split(','), clientId: `${run}-${name}`, ssl: false, sessionTimeoutMs: 30_000, transactionTimeoutMs: 60_000, connectionTimeoutMs: 5_000 }, silentLogger());
}

const itemRecord = (topic: string, item: Item) => ({ topic, key: Buffer.from(item.itemId), value: itemCodec.encode(item) });

test('the item catalog as a global table over Kafka: transactional writes read to the end, live updates, a tombstone across a restart', { skip, timeout: 5 * 60_000 }, async (t) => {
  const topic = `${run}.catalog`;
  const admin = transport('admin');
  t.after(() => admin.close());
  await admin.ensureTopics([{ name: topic, partitions: 3, compacted: true }]);
  const catalog = generateCatalog({ seed: 21, dim: 32, coverage: 0.2 });
  // Written in a transaction: each partition then ends in a commit marker, never delivered as a message.
  const producer = admin.kafka.producer({ transactionalId: `${run}-catalog`, idempotent: true, maxInFlightRequests: 1, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  const transaction = await producer.transaction();
  await transaction.send({ topic, messages: catalog.map((item) => ({ key: item.itemId, value: itemCodec.encode(item) })) });
  await transaction.commit();
  await producer.disconnect();
  // The commit returns once the coordinator has logged it; its markers reach the partitions
  // a moment later, and until then the last stable offset (the end a read-committed reader,
  // and so `caughtUp`, reads to) still stands before the transaction.
  const stableEnd = async () => [...(await admin.endOffsets(topic)).values()].reduce((a, b) => a + b, 0);
  await waitFor('the commit markers on every partition', async () => ((await stableEnd()) === catalog.length + 3 ? true : undefined), 30_000, 50);

  const definition = itemTable({ topic, hasher: interestModel().hasher, indexItemsPerBucket: 64 }) as unknown as GlobalTableDefinition<CatalogItem>;
  const follow = (name: string) => {
    const table = new MaterializedGlobalTable(definition);
    const own = transport(name);
    // Closing the transport stops its followers and its admin connection.
    t.after(() => own.close());
    const follower = own.follow({ topic, onRecord: (record) => table.apply(record) });
    return { table, follower };
  };
  const first = follow('first');
  await first.follower.caughtUp;
  assert.equal(first.table.size, catalog.length, 'read whole before caughtUp');

  const [removed, changed] = [catalog[0]!, catalog[1]!];
  await admin.produce([{ topic, key: Buffer.from(removed.itemId), value: null }, itemRecord(topic, { ...changed, category: 'moved' }), itemRecord(topic, { ...catalog[2]!, deleted: true })]);
  await waitFor('the live tombstone, update and deleted flag', async () => (first.table.get(removed.itemId) === undefined && first.table.get(changed.itemId)?.category === 'moved' && first.table.get(catalog[2]!.itemId) === undefined ? true : undefined), 60_000, 50);
  assert.equal(first.table.size, catalog.length - 2);

  const second = follow('second');
  await second.follower.caughtUp;
  assert.deepEqual([...second.table.entries()].map(([k, v]) => [k, v.category]).sort(), [...first.table.entries()].map(([k, v]) => [k, v.category]).sort(), 'a restart reads the same table');
});

test('interest end to end: catalog and events on Kafka, two instances, GET /users/:id/interest equals the reference; restart restores it exactly', { skip, timeout: 10 * 60_000 }, async (t) => {
  const topics = { events: `${run}.events`, items: `${run}.items`, deadLetter: `${run}.dead-letter` };
  const database = `lifelong_${run}`;
  const admin = transport('admin2');
  const clickhouse = createClient({ url: TEST_CLICKHOUSE_URL, compression: { request: false, response: false } });
  t.after(async () => {
    await admin.close();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => {});
    await clickhouse.close();
  });

  // Top-K wide enough that nothing is evicted, so categories and authors compare exactly.
  const config: Config = loadConfig({
    flags: {
      brokers: TEST_BROKERS,
      'clickhouse.url': TEST_CLICKHOUSE_URL,
      'clickhouse.database': database,
      applicationId: run,
      partitions: PARTITIONS,
      'topics.events': topics.events,
      'topics.items': topics.items,
      'topics.deadLetter': topics.deadLetter,
      'consumer.maxBatchRecords': 1000,
      'http.port': 0,
      'log.level': 'silent',
      'interest.topCategories': 16,
      'interest.topAuthors': 400,
    },
  });
  const { enabled: _enabled, ...interest } = config.interest;
  const topologies = defaultTopologies({ sessionGapMs: config.sessionGapMs, allowedLatenessMs: config.allowedLatenessMs, interest: { itemsTopic: topics.items, ...interest } });
  const model = interestModel({ itemsTopic: topics.items, ...interest });

  const catalog = generateCatalog({ seed: 4, dim: 32, coverage: 0.7 });
  const events = generateSessions({ users: 150, days: 2, seed: 8 });
  await admin.ensureTopics([
    { name: topics.events, partitions: PARTITIONS },
    { name: topics.items, partitions: 2, compacted: true },
  ]);
  await admin.produce(catalog.map((item) => itemRecord(topics.items, item)));
  for (let i = 0; i < events.length; i += 5_000) await admin.produce(events.slice(i, i + 5_000).map((e) => ({ topic: topics.events, key: Buffer.from(e.userId), value: eventCodec.encode(e) })));
  const ends = await admin.endOffsets(topics.events);
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  const committed = async () => [...(await admin.committedOffsets(run, topics.events)).values()].reduce((a, b) => a + b, 0);

  const instances: Instance[] = [];
  t.after(() => Promise.all(instances.map((i) => i.stop())));
  const start = async (): Promise<Instance> => {
    const instance = await startInstance(config, topologies, { logger: silentLogger() });
    instances.push(instance);
    return instance;
  };
  const [a, b] = [await start(), await start()];
  await waitFor('both instances own partitions', async () => (a.app.assignedPartitions.length > 0 && b.app.assignedPartitions.length > 0 ? true : undefined), 2 * 60_000, 200);
  await waitFor('all events committed', async () => ((await committed()) >= total ? true : undefined), 5 * 60_000, 200);
  assert.equal(a.app.globalTables.tables.get(ITEMS_TABLE)?.size, catalog.length);

  // The reference from the same events and the same catalog (its decoded, hashed items).
  const table = a.app.globalTables.tables.get(ITEMS_TABLE) as MaterializedGlobalTable<CatalogItem>;
  const references = new Map<string, UserReference>();
  for (const event of events) {
    let reference = references.get(event.userId);
    if (!reference) references.set(event.userId, (reference = new UserReference(model, (id) => table.get(id))));
    reference.add(event);
  }

  const get = async (instance: Instance, userId: string) => {
    const response = await fetch(`http://127.0.0.1:${instance.httpPort}/users/${encodeURIComponent(userId)}/interest`);
    return { status: response.status, body: (await response.json()) as InterestBody };
  };
  const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
  const answers = new Map<string, InterestBody>();
  let misdirected = 0;
  for (const [userId, reference] of references) {
    const owner = partitionForKey(topics.events, Buffer.from(userId), PARTITIONS);
    const [local, remote] = a.app.assignedPartitions.includes(owner) ? [a, b] : [b, a];
    const elsewhere = await get(remote, userId);
    assert.equal(elsewhere.status, 421, `${userId} is not on the other instance`);
    assert.equal((elsewhere.body as unknown as { partition: number }).partition, owner);
    misdirected++;
    const answer = await get(local, userId);
    if (reference.lifelong.history.length === 0 && reference.authors.size === 0) {
      assert.equal(answer.status, 404, `${userId} has no interest`);
      continue;
    }
    assert.equal(answer.status, 200, `${userId}: ${JSON.stringify(answer.body)}`);
    const body = answer.body;
    answers.set(userId, body);
    const now = body.updatedAt;
    assert.equal(now, reference.updatedAt, `${userId} last update`);
    assert.equal(body.events, reference.events, `${userId} events`);
    const categories = reference.decayed(reference.categories, now);
    assert.deepEqual(new Set(body.topCategories.map((c) => c.category)), new Set(categories.keys()), `${userId} categories`);
    for (const c of body.topCategories) close(c.weight, categories.get(c.category)!, `${userId} ${c.category}`);
    const authors = reference.decayed(reference.authors, now);
    assert.deepEqual(new Set(body.topAuthors.map((x) => x.authorId)), new Set(authors.keys()), `${userId} authors`);
    for (const x of body.topAuthors) close(x.weight, authors.get(x.authorId)!, `${userId} ${x.authorId}`);
    const buckets = reference.bucketWeights(now);
    for (const bucket of body.strongestBuckets) close(bucket.weight, buckets.get(`${bucket.signature}:${bucket.code}`)!, `${userId} bucket ${bucket.signature}:${bucket.code}`);
    const heaviest = Math.max(...buckets.values());
    // A user who only skipped has no bucket of positive weight, hence no strongest one.
    if (heaviest > 1e-6) close(body.strongestBuckets[0]!.weight, heaviest, `${userId} strongest bucket`);
    else assert.deepEqual(body.strongestBuckets, [], `${userId} has no positive bucket`);
  }
  assert.ok(answers.size >= 120 && misdirected === references.size, `${answers.size} users answered, ${misdirected} misdirected`);

  // Live: a new item, then an event on it — the instance must already know it (no fallback).
  const fresh: Item = { itemId: 'fresh-item', authorId: 'fresh-author', category: 'fresh', tags: [], embedding: Array.from({ length: 32 }, (_, k) => (k === 3 ? 1 : 0)), createdAt: Date.UTC(2026, 0, 5), deleted: false };
  await admin.produce([itemRecord(topics.items, fresh)]);
  await waitFor('the new item in both tables', async () => (instances.every((i) => i.app.globalTables.tables.get(ITEMS_TABLE)?.get('fresh-item')) ? true : undefined), 60_000, 50);
  const user = [...answers.keys()][0]!;
  const before = answers.get(user)!;
  // Stamped after every generated event: anything earlier than stream time − lateness would be dead-lettered as late.
  const lastTs = Math.max(...events.map((e) => e.ts));
  const click: UserEvent = { eventId: `${run}-fresh-click`, userId: user, sessionId: null, type: 'CLICK', itemId: 'fresh-item', authorId: null, category: null, requestId: null, position: null, dwellMs: null, value: null, ts: lastTs + 60_000 };
  await admin.produce([{ topic: topics.events, key: Buffer.from(user), value: eventCodec.encode(click) }]);
  await waitFor('the click committed', async () => ((await committed()) >= total + 1 ? true : undefined), 2 * 60_000, 100);
  const owner = instances.find((i) => i.app.assignedPartitions.includes(partitionForKey(topics.events, Buffer.from(user), PARTITIONS)))!;
  const after = (await get(owner, user)).body;
  assert.equal(after.events, before.events + 1);
  assert.equal(after.fallbackEvents, before.fallbackEvents, 'the live item was used, not a fallback');
  assert.ok(after.topCategories.some((c) => c.category === 'fresh'));
  assert.ok(after.topAuthors.some((x) => x.authorId === 'fresh-author'));

  // Restart: both stop, one starts — every user's answer is restored from the changelog exactly.
  await Promise.all(instances.splice(0).map((i) => i.stop()));
  const c = await start();
  await waitFor('the restarted instance owns every partition', async () => (c.app.assignedPartitions.length === PARTITIONS ? true : undefined), 2 * 60_000, 200);
  assert.equal(c.app.globalTables.tables.get(ITEMS_TABLE)?.size, catalog.length + 1, 'the catalog was read again');
  answers.set(user, after);
  for (const [userId, body] of answers) {
    const restored = await waitFor(`${userId} answered after the restart`, async () => {
      const answer = await get(c, userId);
      return answer.status === 200 ? answer.body : undefined;
    }, 60_000, 100);
    assert.deepEqual(restored, body, `${userId} after the restart`);
  }
});

interface InterestBody {
  readonly userId: string;
  readonly updatedAt: number;
  readonly events: number;
  readonly fallbackEvents: number;
  readonly topCategories: ReadonlyArray<{ category: string; weight: number }>;
  readonly topAuthors: ReadonlyArray<{ authorId: string; weight: number }>;
  readonly strongestBuckets: ReadonlyArray<{ signature: number; code: number; weight: number }>;
  readonly shortTerm: { norm: number; weight: number };
}
