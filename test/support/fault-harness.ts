import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { AvroCodec, LocalSchemaRegistry, TopologyTestDriver, changelogTopic, type DeadLetter, type Item, type Recommendation, type UserEvent } from '../../src/index.js';
import { generateCatalog } from '../../src/sim/catalog-generator.js';
import { ITEMS_TABLE } from '../../topologies/interest/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { RUNTIME_STORES } from '../../src/runtime/partition-task.js';
import { generateSessions } from '../../src/sim/session-generator.js';
import type { OutboundRecord } from '../../src/transports/contract.js';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import { loadConfig } from '../../src/config/config.js';
import { topologiesFromConfig } from '../../topologies/index.js';
import { startProcessor, type ProcessorProcess } from './processor.js';
import { assertRowMatches, referenceSessions } from './reference-sessions.js';
import { TEST_BROKERS, TEST_CLICKHOUSE_URL, waitFor } from './services.js';

/*
 * Shared set-up of the tests that run the processor against the real Kafka broker and
 * ClickHouse server: a unique run id (topics, group, database), generated input already
 * on the topic, and the checks every fault test ends with — ClickHouse rows equal the
 * plain reference, final changelog state equals an uninterrupted in-process run of the
 * same records, dead letters exactly as expected.
 */
export const GAP_MS = 30 * 60_000;

export interface FaultRunOptions {
  readonly users: number;
  readonly days: number;
  readonly seed: number;
  readonly partitions: number;
  /** Extra records (bad input) and how many dead letters of each code they must produce. */
  readonly extra?: (records: OutboundRecord[], codec: AvroCodec<UserEvent>, topic: string) => Map<string, number>;
  /** Share of the records on the topic before the test starts; the rest waits for produceRest(). */
  readonly initialShare?: number;
}

export interface FaultRun {
  readonly run: string;
  readonly topics: { readonly events: string; readonly deadLetter: string; readonly items: string; readonly recommendations: string };
  readonly database: string;
  readonly transport: KafkaTransport;
  readonly clickhouse: ClickHouseClient;
  readonly records: readonly OutboundRecord[];
  readonly events: readonly UserEvent[];
  readonly total: number;
  readonly expectedLetters: Map<string, number>;
  readonly logDir: string;
  /** Publishes the records held back by initialShare. */
  produceRest(): Promise<void>;
  args(...extra: string[]): string[];
  start(name: string, ...extra: string[]): ProcessorProcess;
  committed(): Promise<number>;
  waitAllCommitted(timeoutMs: number): Promise<void>;
  verify(): Promise<FaultReport>;
}

export interface FaultReport {
  readonly recordsIn: number;
  readonly sessionsOut: number;
  readonly physicalRows: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly deadLetters: number;
  /** Slates on the recommendations topic, each equal to the reference's. */
  readonly slates: number;
}

export async function prepareFaultRun(t: TestContext, options: FaultRunOptions): Promise<FaultRun> {
  const run = `ft${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const topics = { events: `${run}.events`, deadLetter: `${run}.dead-letter`, items: `${run}.items`, recommendations: `${run}.recommendations` };
  const database = `lifelong_${run}`;
  const registry = new LocalSchemaRegistry();
  const codec = new AvroCodec<UserEvent>('UserEvent', registry);
  const transport = new KafkaTransport(
    { brokers: TEST_BROKERS.split(','), clientId: `${run}-test`, ssl: false, sessionTimeoutMs: 30_000, transactionTimeoutMs: 60_000, connectionTimeoutMs: 5_000 },
    silentLogger(),
  );
  const clickhouse = createClient({ url: TEST_CLICKHOUSE_URL, compression: { request: false, response: false } });
  t.after(async () => {
    await transport.close().catch(() => {});
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => {});
    await clickhouse.close();
  });

  const events = generateSessions({ users: options.users, days: options.days, seed: options.seed });
  const records: OutboundRecord[] = events.map((event) => ({ topic: topics.events, key: Buffer.from(event.userId), value: codec.encode(event) }));
  const expectedLetters = options.extra?.(records, codec, topics.events) ?? new Map<string, number>();
  await transport.ensureTopics([
    { name: topics.events, partitions: options.partitions },
    { name: topics.deadLetter, partitions: options.partitions },
    { name: topics.items, partitions: options.partitions, compacted: true },
  ]);
  // The catalog is on its topic before the processor starts, and does not change during
  // the run: recommendations are then a function of the events alone, comparable with
  // the uninterrupted reference.
  const catalog = catalogRecords(topics.items, options.seed);
  await transport.produce(catalog);
  const produce = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i += 10_000) await transport.produce(records.slice(i, Math.min(i + 10_000, to)));
  };
  const held = Math.floor(records.length * (options.initialShare ?? 1));
  await produce(0, held);
  const total = records.length;

  const logDir = mkdtempSync(join(tmpdir(), `lifelong-${run}-`));
  const args = (...extra: string[]): string[] => [
    '--brokers', TEST_BROKERS,
    '--clickhouse', TEST_CLICKHOUSE_URL,
    '--clickhouse-database', database,
    '--application-id', run,
    '--topics-events', topics.events,
    '--topics-dead-letter', topics.deadLetter,
    '--topics-items', topics.items,
    '--topics-recommendations', topics.recommendations,
    // Author values from pair statistics: the critic's cached values depend on training
    // timing, and slates must be comparable with the reference run.
    '--recommend-author-value', 'statistics',
    '--partitions', String(options.partitions),
    '--http-port', '0',
    '--log-level', 'info',
    // Each run's critic checkpoints stay with the run, not in the repository.
    '--lifelong-value-checkpoint-dir', join(logDir, 'models'),
    ...extra,
  ];
  const committed = async (): Promise<number> => [...(await transport.committedOffsets(run, topics.events)).values()].reduce((a, b) => a + b, 0);

  return {
    run,
    topics,
    database,
    transport,
    clickhouse,
    records,
    events,
    total,
    expectedLetters,
    logDir,
    produceRest: () => produce(held, records.length),
    args,
    start: (name, ...extra) => {
      const processor = startProcessor(args(...extra), join(logDir, `${name}.log`));
      t.after(() => {
        processor.child.kill('SIGKILL');
      });
      return processor;
    },
    committed,
    waitAllCommitted: async (timeoutMs) => {
      await waitFor('all input committed', async () => (await committed()) >= total, timeoutMs, 250);
    },
    verify: () => verifyRun({ run, topics, database, transport, clickhouse, records, catalog, events, total, expectedLetters, partitions: options.partitions }),
  };
}

async function verifyRun(r: {
  run: string;
  topics: FaultRun['topics'];
  catalog: readonly OutboundRecord[];
  database: string;
  transport: KafkaTransport;
  clickhouse: ClickHouseClient;
  records: readonly OutboundRecord[];
  events: readonly UserEvent[];
  total: number;
  expectedLetters: Map<string, number>;
  partitions: number;
}): Promise<FaultReport> {
  const onTopic = [...(await r.transport.endOffsets(r.topics.events)).values()].reduce((a, b) => a + b, 0);
  assert.equal(onTopic, r.records.length, 'every record reached the topic');

  // 1. ClickHouse: one row per reference session, each equal to the reference.
  const expected = referenceSessions(r.events, GAP_MS);
  const result = await r.clickhouse.query({ query: `SELECT * FROM ${r.database}.session_metrics FINAL`, format: 'JSONEachRow' });
  const rows = await result.json<Record<string, unknown>>();
  const physical = Number((await (await r.clickhouse.query({ query: `SELECT count() AS n FROM ${r.database}.session_metrics`, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n);
  const byId = new Map<string, Record<string, unknown>>();
  let duplicated = 0;
  for (const row of rows) {
    const id = `${String(row['user_id'])}/${String(row['session_id'])}`;
    if (byId.has(id)) duplicated++;
    byId.set(id, row);
  }
  let lost = 0;
  for (const want of expected) {
    const got = byId.get(`${want['user_id']}/${want['session_id']}`);
    if (!got) {
      lost++;
      continue;
    }
    assertRowMatches(got, want);
  }
  assert.equal(lost, 0, 'no session lost');
  assert.equal(duplicated, 0, 'no session duplicated');
  assert.equal(rows.length, expected.length, 'no session invented');

  // 2. Final store state (the changelogs) of every store of the application equals an
  //    uninterrupted in-process run of the same topologies over the same records.
  const topologies = topologiesFromConfig(loadConfig({ flags: { 'topics.items': r.topics.items, 'topics.recommendations': r.topics.recommendations, 'recommend.authorValue': 'statistics' } }));
  const driver = new TopologyTestDriver(topologies, { partitions: r.partitions });
  for (const item of r.catalog) driver.pipeGlobal(ITEMS_TABLE, item.key, item.value);
  for (const record of r.records) driver.pipeBytes(record.key, record.value, record.partition);
  const stores = [...Object.values(RUNTIME_STORES), ...topologies.flatMap((t) => t.stores.map((store) => store.name))];
  for (const store of stores) {
    const want = finalState(driver.changelog(store));
    const got = new Map<string, string>();
    await r.transport.readToEnd({
      topic: changelogTopic(r.run, store),
      onRecord: (record) => {
        const key = `${record.partition}/${record.key!.toString('utf8')}`;
        if (record.value === null) got.delete(key);
        else got.set(key, record.value.toString('utf8'));
      },
    });
    assert.equal(got.size, want.size, `store ${store}: same number of keys as the uninterrupted run`);
    for (const [key, value] of want) assert.equal(got.get(key), value, `store ${store}, key ${key}`);
  }

  // 3. Recommendations: exactly one per feed request, keyed by its user, equal to the
  //    reference's slate for that request (all but the measured latency).
  const recommendationCodec = new AvroCodec<Recommendation>('Recommendation', new LocalSchemaRegistry());
  const comparable = (recommendation: Recommendation): Recommendation => ({ ...recommendation, latencyMicros: 0 });
  const wanted = new Map(driver.results(r.topics.recommendations, (bytes) => comparable(recommendationCodec.decode(bytes))).map((result) => [result.value.requestId, result.value]));
  const served = new Map<string, Recommendation>();
  let duplicateSlates = 0;
  await r.transport.readToEnd({
    topic: r.topics.recommendations,
    onRecord: (record) => {
      const recommendation = comparable(recommendationCodec.decode(record.value!));
      assert.equal(record.key?.toString('utf8'), recommendation.userId, 'a slate is keyed by its user');
      if (served.has(recommendation.requestId)) duplicateSlates++;
      served.set(recommendation.requestId, recommendation);
    },
  });
  assert.ok(wanted.size > 0, 'the input has feed requests');
  assert.equal(duplicateSlates, 0, 'no slate served twice');
  assert.equal(served.size, wanted.size, 'one slate per feed request');
  for (const [requestId, slate] of wanted) assert.deepEqual(served.get(requestId), slate, `slate of request ${requestId}`);

  // 4. Dead letters: exactly the expected ones, once each, with their source offsets.
  const deadLetterCodec = new AvroCodec<DeadLetter>('DeadLetter', new LocalSchemaRegistry());
  const letters: DeadLetter[] = [];
  await r.transport.readToEnd({ topic: r.topics.deadLetter, onRecord: (record) => letters.push(deadLetterCodec.decode(record.value!)) });
  const counts = new Map<string, number>();
  for (const letter of letters) counts.set(letter.errorCode, (counts.get(letter.errorCode) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries([...counts].sort()), Object.fromEntries([...r.expectedLetters].sort()), 'dead letters by code');
  const positions = new Set(letters.map((l) => `${l.sourcePartition}@${l.sourceOffset}`));
  assert.equal(positions.size, letters.length, 'each bad record dead-lettered once');
  for (const letter of letters) assert.equal(letter.sourceTopic, r.topics.events);

  return { recordsIn: r.total, sessionsOut: rows.length, physicalRows: physical, lost, duplicated, deadLetters: letters.length, slates: served.size };
}

/** The generated catalog as Item records for the run's items topic. */
function catalogRecords(topic: string, seed: number): OutboundRecord[] {
  const codec = new AvroCodec<Item>('Item', new LocalSchemaRegistry());
  return generateCatalog({ seed, dim: 32 }).map((item) => ({ topic, key: Buffer.from(item.itemId), value: codec.encode(item) }));
}

function finalState(changelog: readonly OutboundRecord[]): Map<string, string> {
  const state = new Map<string, string>();
  for (const record of changelog) {
    const key = `${record.partition}/${record.key!.toString('utf8')}`;
    if (record.value === null) state.delete(key);
    else state.set(key, record.value.toString('utf8'));
  }
  return state;
}


/** Restore durations (ms) reported by a processor's log. */
export function restoreTimes(logFile: string): number[] {
  return logLines(logFile)
    .filter((line) => line['msg'] === 'restore.end')
    .map((line) => Number(line['ms']));
}

export function logLines(logFile: string): Array<Record<string, unknown>> {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The ops port a processor printed, once it has. */
export async function opsPort(logFile: string, timeoutMs = 60_000): Promise<number> {
  return waitFor(`the ops port in ${logFile}`, async () => {
    const line = logLines(logFile).find((l) => typeof l['port'] === 'number' && String(l['msg']).startsWith('serving'));
    return line ? Number(line['port']) : undefined;
  }, timeoutMs, 100);
}
