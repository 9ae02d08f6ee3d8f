/**
 * Slate latency (issues 5 and 8).
 *
 * In-process: a catalog of 1,000,000 items, 100,000 users with a short history each, then
 * FEED_REQUESTs of random users through the whole application (session-metrics,
 * interest, lifelong-value, recommend) on the same PartitionTask the runtime uses.
 * Two latencies per request: the recommend topology's own (FEED_REQUEST consumed to
 * slate ready, the `latencyMicros` it logs) and the whole record as a batch of one
 * (decode, every topology, the slate's Avro encoding, the changelog records of the
 * stores it changed). The ceiling measured in the same run is the
 * Avro decode of one request.
 *
 * Through Kafka (when the local broker is up): one `lifelong run` process, requests
 * produced at a steady rate by this one, latency from the request's produce to its slate read back
 * (read-committed) by a consumer; with the critic training and without, on the same
 * catalog topic (produced once) and the same history. Prints one JSON object (last line
 * of stdout).
 *
 * `BENCH_ITEMS`, `BENCH_USERS`, `BENCH_REQUESTS` (default 5,000: a p99 over 50 slowest),
 * `BENCH_SLATE_RATE`, `BENCH_SLATE_WARM_UP_SECONDS` (default 5, reported apart) and
 * `BENCH_SLATE_SECONDS` (default 15 per run) set the sizes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { AvroCodec, LocalSchemaRegistry, userEvent, type Item, type Recommendation, type UserEvent } from '../../src/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { SeededRandom } from '../../src/sim/random.js';
import { RuntimeMetrics } from '../../src/observability/metrics.js';
import { GlobalTables } from '../../src/runtime/global-tables.js';
import { BatchRunner } from '../support/batch-runner.js';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import { defaultTopologies } from '../../topologies/index.js';
import { ITEMS_TABLE } from '../../topologies/interest/index.js';
import { loadConfig } from '../../src/config/config.js';
import { lifelongValueFromSettings } from '../../topologies/lifelong-value/index.js';
import { parseArms } from '../../topologies/recommend/index.js';
import { opsPort } from '../support/fault-harness.js';
import { startProcessor, stopWithin } from '../support/processor.js';
import { kafkaUnreachable, TEST_BROKERS } from '../support/services.js';
import { untilCommitted } from './support/committed-rate.js';
import { failOnExit, scrapeHistogram, type HistogramScrape } from './support/processes.js';
import { runId } from './support/bench-config.js';
import { emit, gc, perSecond, round } from './support/figures.js';

const ITEMS = Number(process.env['BENCH_ITEMS'] ?? 1_000_000);
const USERS = Number(process.env['BENCH_USERS'] ?? 100_000);
const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 5_000);
const KAFKA_ITEMS = 100_000;
const KAFKA_USERS = 2_000;
const KAFKA_RATE = Number(process.env['BENCH_SLATE_RATE'] ?? 100);
const KAFKA_SECONDS = Number(process.env['BENCH_SLATE_SECONDS'] ?? 15);
const KAFKA_WARM_UP_SECONDS = Number(process.env['BENCH_SLATE_WARM_UP_SECONDS'] ?? 5);
const CATEGORIES = 200;
const AUTHORS = 20_000;
const DIM = 32;
const HISTORY = 6;
const T0 = Date.UTC(2026, 0, 1);
const registry = new LocalSchemaRegistry();
const itemCodec = new AvroCodec<Item>('Item', registry);
const eventCodec = new AvroCodec<UserEvent>('UserEvent', registry);
const recommendationCodec = new AvroCodec<Recommendation>('Recommendation', registry);

/** Items clustered around one centre per category, created over the 30 days before T0. */
function* catalog(count: number, random: SeededRandom): Generator<Item> {
  const centres = Array.from({ length: CATEGORIES }, () => Array.from({ length: DIM }, () => random.gaussian()));
  for (let i = 0; i < count; i++) {
    const c = i % CATEGORIES;
    yield { itemId: `i${i}`, authorId: `a${i % AUTHORS}`, category: `c${c}`, tags: [], embedding: centres[c]!.map((x) => x + 0.6 * random.gaussian()), createdAt: T0 - Math.floor(random.next() * 30 * 86_400_000), deleted: false };
  }
}

/** A few engagements per user with items of two favourite categories. */
function history(users: number, items: number, random: SeededRandom): UserEvent[] {
  const events: UserEvent[] = [];
  const types: UserEvent['type'][] = ['IMPRESSION', 'CLICK', 'CLICK', 'LIKE', 'DWELL', 'SKIP'];
  for (let u = 0; u < users; u++) {
    const favourites = [Math.floor(random.next() * CATEGORIES), Math.floor(random.next() * CATEGORIES)];
    for (let h = 0; h < HISTORY; h++) {
      const category = favourites[h % 2]!;
      const index = category + CATEGORIES * Math.floor(random.next() * (items / CATEGORIES));
      events.push(userEvent({ eventId: `h${u}-${h}`, userId: `u${u}`, type: types[h]!, itemId: `i${index}`, authorId: `a${index % AUTHORS}`, category: `c${category}`, dwellMs: types[h] === 'DWELL' ? 60_000 : null, ts: T0 + h * 60_000 + u }));
    }
  }
  return events;
}

/** Wall seconds of each step of this bench (setup included), for the JSON. */
const phaseSeconds: Record<string, number> = {};
function phase(name: string, started: number): void {
  phaseSeconds[name] = round((performance.now() - started) / 1000, 1);
}

/** The instance's timings whose histograms the bench reads, by what the JSON calls them. */
const INSTANCE_TIMINGS = { batches: 'lifelong_batch_duration_seconds', commits: 'lifelong_commit_duration_seconds', sinkInserts: 'lifelong_sink_insert_duration_seconds' } as const;

async function scrapeTimings(port: number): Promise<Record<keyof typeof INSTANCE_TIMINGS, HistogramScrape>> {
  const entries = await Promise.all(Object.entries(INSTANCE_TIMINGS).map(async ([what, name]) => [what, await scrapeHistogram(port, name, 0.1)] as const));
  return Object.fromEntries(entries) as Record<keyof typeof INSTANCE_TIMINGS, HistogramScrape>;
}

/** Count, mean and how many took over 100 ms, of what a histogram of seconds observed between two scrapes. */
function timingBetween(before: HistogramScrape, after: HistogramScrape): { count: number; meanMs: number; over100Ms: number } {
  const count = after.count - before.count;
  const sum = after.sum - before.sum;
  return { count, meanMs: round(count === 0 ? 0 : (sum / count) * 1000, 1), over100Ms: count - (after.within - before.within) };
}

function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: round(at(0.5), 3), p99: round(at(0.99), 3), max: round(sorted[sorted.length - 1]!, 3) };
}

function inProcess(): Record<string, unknown> {
  const random = new SeededRandom(5);
  // The default application's topologies; the learner is never started (training excluded).
  const topologies = defaultTopologies({
    sessionGapMs: 30 * 60_000,
    allowedLatenessMs: 24 * 3_600_000,
    interest: { itemsTopic: 'items' },
    lifelongValue: lifelongValueFromSettings(loadConfig().lifelongValue),
    recommend: { topic: 'recommendations', arms: parseArms(['lifelong']), authorValue: 'statistics' },
  });
  // The runtime's own PartitionTask (one partition holds every user: the worst case for
  // a store), fed like the runtime feeds it: the history in batches, each request alone.
  const globalTables = new GlobalTables(topologies, { logger: silentLogger(), metrics: new RuntimeMetrics() });
  const runner = new BatchRunner(topologies, T0 + 300 * 86_400_000, { globalTables: globalTables.tables, allowedLatenessMs: 24 * 3_600_000 });
  let started = performance.now();
  const setupStarted = started;
  let itemOffset = 0;
  for (const item of catalog(ITEMS, random)) globalTables.apply(ITEMS_TABLE, { topic: 'items', partition: 0, offset: itemOffset++, key: Buffer.from(item.itemId), value: itemCodec.encode(item), timestamp: T0 });
  const catalogSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const events = history(USERS, ITEMS, random);
  for (let i = 0; i < events.length; i += 2_000) runner.pipe(events.slice(i, i + 2_000));
  const historySeconds = (performance.now() - started) / 1000;
  gc();
  phase('inProcessSetup', setupStarted);
  started = performance.now();

  const requests = Array.from({ length: REQUESTS }, (_, r) => {
    const userId = `u${Math.floor(random.next() * USERS)}`;
    return { key: Buffer.from(userId), value: eventCodec.encode(userEvent({ eventId: `r${r}`, userId, type: 'FEED_REQUEST', requestId: `req${r}`, ts: T0 + 3_600_000 + r * 100 })) };
  });
  const decodeStarted = performance.now();
  for (const request of requests) eventCodec.decode(request.value);
  const decodeMs = (performance.now() - decodeStarted) / REQUESTS;

  const recordMs: number[] = [];
  const outputs: Buffer[] = [];
  const measured = performance.now();
  for (const request of requests) {
    const t = performance.now();
    const effects = runner.process([[request.key, request.value]]);
    recordMs.push(performance.now() - t);
    for (const output of effects.outputs) if (output.topic === 'recommendations') outputs.push(output.value!);
  }
  const totalMs = performance.now() - measured;
  phase('inProcessRequests', started);
  const slates = outputs.map((bytes) => recommendationCodec.decode(bytes));
  if (slates.length !== REQUESTS) throw new Error(`bench: ${slates.length} slates for ${REQUESTS} requests`);
  const recommendMs = slates.map((s) => s.latencyMicros / 1000);
  const record = percentiles(recordMs);
  return {
    items: ITEMS,
    users: USERS,
    requests: REQUESTS,
    slateSize: slates[0]!.items.length,
    meanItemsPerSlate: round(slates.reduce((sum, s) => sum + s.items.length, 0) / slates.length, 2),
    setupSeconds: { catalog: round(catalogSeconds, 1), history: round(historySeconds, 1), historyEvents: events.length },
    recommendMs: percentiles(recommendMs),
    recordMs: record,
    recommendationsPerSecond: perSecond(REQUESTS, totalMs),
    ceiling: { decodeMsPerRequest: round(decodeMs, 4), recordP50OverDecode: round(record.p50 / decodeMs, 1) },
    targetP99Ms: 10,
    meetsTarget: record.p99 <= 10,
    heapMiB: round(process.memoryUsage().heapUsed / 2 ** 20),
  };
}

/** What both Kafka runs share: the broker client, the catalog topic (produced once), the users' history. */
interface KafkaSetup {
  readonly transport: KafkaTransport;
  readonly itemsTopic: string;
  readonly history: readonly UserEvent[];
  readonly random: SeededRandom;
}

async function kafkaSetup(): Promise<KafkaSetup> {
  const run = runId('slate');
  const transport = new KafkaTransport({ brokers: TEST_BROKERS.split(','), clientId: `${run}-bench`, ssl: false, sessionTimeoutMs: 30_000, transactionTimeoutMs: 60_000, connectionTimeoutMs: 5_000 }, silentLogger());
  const random = new SeededRandom(9);
  const itemsTopic = `${run}.items`;
  await transport.ensureTopics([{ name: itemsTopic, partitions: 4, compacted: true }]);
  const items = [...catalog(KAFKA_ITEMS, random)];
  for (let i = 0; i < items.length; i += 10_000) await transport.produce(items.slice(i, i + 10_000).map((item) => ({ topic: itemsTopic, key: Buffer.from(item.itemId), value: itemCodec.encode(item) })));
  return { transport, itemsTopic, history: history(KAFKA_USERS, KAFKA_ITEMS, random), random };
}

/** One phase's requests: produce → slate read back, and its two halves. */
interface SlateSamples {
  readonly requests: number;
  readonly latencies: number[];
  /** Send → slate produced in the instance's transaction (wall clocks, ±1 ms). */
  readonly toSlate: number[];
  /** Slate produced → read committed (wall clocks, ±1 ms). */
  readonly toRead: number[];
  /** How long the request's produce took to be acknowledged (acks from all in-sync replicas). */
  readonly sendMs: number[];
}

function slateFigures(samples: SlateSamples): Record<string, unknown> {
  return {
    requests: samples.requests,
    slatesReceived: samples.latencies.length,
    endToEndMs: percentiles(samples.latencies),
    requestProduceMs: percentiles(samples.sendMs),
    sendToSlateProducedMs: percentiles(samples.toSlate),
    slateProducedToReadMs: percentiles(samples.toRead),
  };
}

/** Requests at a steady rate through the real broker; produce → slate read back. */
async function throughKafka(setup: KafkaSetup, critic: boolean): Promise<Record<string, unknown>> {
  const { transport, random } = setup;
  const run = runId('slate');
  const topics = { events: `${run}.events`, items: setup.itemsTopic, recommendations: `${run}.recommendations` };
  const phasePrefix = `kafka${critic ? 'WithCritic' : 'WithoutCritic'}`;
  let started = performance.now();
  // The input topic exists before the instance starts (as in production): on a missing one
  // the runtime's partition-count lookup retries for ~27 s before it creates the topics.
  await transport.ensureTopics([{ name: topics.events, partitions: 4 }]);
  // The instance is a process of its own, as deployed: its event loop and cores are not
  // shared with this bench's producer and reader.
  const scratch = mkdtempSync(join(tmpdir(), `lifelong-bench-${run}-`));
  const instance = startProcessor(
    [
      '--brokers', TEST_BROKERS,
      '--application-id', run,
      '--topics-events', topics.events,
      '--topics-items', topics.items,
      '--topics-recommendations', topics.recommendations,
      '--topics-dead-letter', `${run}.dead-letter`,
      '--partitions', '4',
      '--clickhouse-embedded-path', join(scratch, 'chdb'),
      '--lifelong-value-enabled', String(critic),
      '--lifelong-value-checkpoint-dir', join(scratch, 'models'),
      '--http-port', '0',
      '--log-level', 'info',
    ],
    join(scratch, 'instance.log'),
  );
  const exited = failOnExit(instance.child, `lifelong run (log ${instance.logFile})`);
  exited.catch(() => {}); // stopping it at the end is expected
  const port = await Promise.race([opsPort(instance.logFile), exited]);
  phase(`${phasePrefix}Instance`, started);
  const users = KAFKA_USERS;
  for (let i = 0; i < setup.history.length; i += 5_000) await transport.produce(setup.history.slice(i, i + 5_000).map((e) => ({ topic: topics.events, key: Buffer.from(e.userId), value: eventCodec.encode(e) })));
  // Requests start on an idle processor: the history is committed first, and so is a
  // request per partition at the requests' event time. The requests come an event-time
  // hour after the history, so the first on each partition closes every session of the
  // history (rows to ClickHouse, all in one batch): measured, that one stall of about
  // 300 ms held up the first half-second of requests, more than 1 % of them.
  const requestsFrom = T0 + 3_600_000;
  const firstRequests = Array.from({ length: 4 }, (_, partition) => {
    const userId = `${run}-warm-up-${partition}`;
    return { topic: topics.events, partition, key: Buffer.from(userId), value: eventCodec.encode(userEvent({ eventId: userId, userId, type: 'FEED_REQUEST', requestId: userId, ts: requestsFrom })) };
  });
  await transport.produce(firstRequests);
  await Promise.race([untilCommitted(transport, run, topics.events, 10 * 60_000), exited]);
  phase(`${phasePrefix}Start`, started);

  const kafka = new kafkajs.Kafka({ clientId: `${run}-reader`, brokers: TEST_BROKERS.split(','), logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${run}-reader`, readUncommitted: false, maxWaitTimeInMs: 20 });
  const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  /** Requests awaiting their slate, by id: the samples they go to and when they were sent. */
  const pending = new Map<string, { samples: SlateSamples; sentAt: number; sentEpoch: number }>();
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topic: topics.recommendations, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const slate = recommendationCodec.decode(message.value!);
      const request = pending.get(slate.requestId);
      if (request === undefined) return;
      pending.delete(slate.requestId);
      const { samples } = request;
      samples.latencies.push(performance.now() - request.sentAt);
      // The slate's record timestamp is the wall clock when the instance produced it.
      const producedAt = Number(message.timestamp);
      samples.toSlate.push(producedAt - request.sentEpoch);
      samples.toRead.push(Date.now() - producedAt);
    },
  });
  let sent = 0;
  /** `seconds` of requests at the steady rate; resolves when every slate is read back (or a minute has passed). */
  const requestsFor = async (seconds: number): Promise<SlateSamples> => {
    const samples: SlateSamples = { requests: KAFKA_RATE * seconds, latencies: [], toSlate: [], toRead: [], sendMs: [] };
    const intervalMs = 1000 / KAFKA_RATE;
    const from = performance.now();
    for (let r = 0; r < samples.requests; r++) {
      const due = from + r * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const userId = `u${Math.floor(random.next() * users)}`;
      const requestId = `${run}-req${sent}`;
      const ts = requestsFrom + sent * 10;
      sent += 1;
      const sending = performance.now();
      pending.set(requestId, { samples, sentAt: sending, sentEpoch: Date.now() });
      await producer.send({ topic: topics.events, messages: [{ key: userId, value: eventCodec.encode(userEvent({ eventId: requestId, userId, type: 'FEED_REQUEST', requestId, ts })) }] });
      samples.sendMs.push(performance.now() - sending);
    }
    const deadline = performance.now() + 60_000;
    while (samples.latencies.length < samples.requests && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    return samples;
  };
  // The first seconds are a start-up transient, reported apart: the critic's worker
  // trains through the history's transitions, and the request path runs cold.
  const warmUp = await requestsFor(KAFKA_WARM_UP_SECONDS);
  phase(`${phasePrefix}WarmUp`, started);
  started = performance.now();
  // The instance's own timings, over the measured requests only.
  const before = await scrapeTimings(port);
  const measured = await requestsFor(KAFKA_SECONDS);
  const after = await scrapeTimings(port);
  phase(`${phasePrefix}Requests`, started);
  started = performance.now();
  await Promise.all([consumer.disconnect(), producer.disconnect()]);
  await stopWithin(instance, 'SIGTERM', 60_000);
  phase(`${phasePrefix}Stop`, started);
  return {
    items: KAFKA_ITEMS,
    users,
    requestsPerSecond: KAFKA_RATE,
    ...slateFigures(measured),
    instance: { batches: timingBetween(before.batches, after.batches), commits: timingBetween(before.commits, after.commits), sinkInserts: timingBetween(before.sinkInserts, after.sinkInserts) },
    warmUp: { seconds: KAFKA_WARM_UP_SECONDS, ...slateFigures(warmUp) },
    targetP99Ms: 50,
    meetsTarget: measured.latencies.length === measured.requests && percentiles(measured.latencies).p99 <= 50,
    note: `after ${KAFKA_WARM_UP_SECONDS} s of warm-up requests (reported apart): produce → slate committed in the batch transaction → read-committed consumer; one instance in its own process, 4 partitions, exactly-once on; lifelong-value critic ${critic ? 'training in its worker' : 'off'}`,
  };
}

/** With the critic training in the process (the default application), and without it: what the training costs the slates. */
async function kafkaRuns(): Promise<Record<string, unknown>> {
  if (process.env['BENCH_SLATE_KAFKA'] === '0') return { skipped: 'BENCH_SLATE_KAFKA=0' };
  const unreachable = await kafkaUnreachable();
  if (unreachable) return { skipped: `no broker: ${unreachable}` };
  const started = performance.now();
  const setup = await kafkaSetup();
  phase('kafkaSetup', started);
  try {
    return { withCritic: await throughKafka(setup, true), withoutCritic: await throughKafka(setup, false) };
  } finally {
    await setup.transport.close();
  }
}

const local = process.env['BENCH_SLATE_INPROCESS'] === '0' ? { skipped: 'BENCH_SLATE_INPROCESS=0' } : inProcess();
gc();
emit({ inProcess: local, kafka: await kafkaRuns(), phaseSeconds });
process.exit(0);
