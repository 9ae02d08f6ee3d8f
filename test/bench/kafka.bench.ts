/**
 * Through Kafka (issue 8), every figure against a ceiling measured in this run, on one
 * 4-partition topic of raw-Avro UserEvents (`BENCH_KAFKA_EVENTS`, default 200,000),
 * produced once and read by each of the runs below in a group of its own:
 *
 * - ceiling: a bare kafkajs consumer reading the topic, no processing;
 * - pipeline: `lifelong run` as a child process — all four topologies, recommend included (the critic training
 *   as configured by default), exactly-once, session rows to the local ClickHouse server;
 * - scale-out: two `lifelong run` processes in one group on the same topic;
 * - peer: the Kafka Streams application in kafka-streams-peer/ (per-user session
 *   windows, count per type, exactly-once) on the same topic and broker, and lifelong
 *   running the same session aggregation alone (session-metrics only), like for like;
 * - processing alone: the same application over the same events on the in-memory
 *   transport, in this process (no broker, no transactions, no training). The Kafka
 *   pipeline cannot beat it, so its ratio to the bare consumer bounds the pipeline's.
 *
 * Pipelines and the peer are timed alike, from outside, by their committed offsets
 * (support/committed-rate.ts). Needs the local services (run.ts starts them).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import kafkajs from 'kafkajs';
import { silentLogger } from '../../src/observability/logger.js';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import { INTEREST_DEFAULTS } from '../../topologies/interest/options.js';
import { opsPort } from '../support/fault-harness.js';
import { startProcessor, stopWithin } from '../support/processor.js';
import { TEST_BROKERS, TEST_CLICKHOUSE_URL, clickhouseUnreachable, kafkaUnreachable } from '../support/services.js';
import { bareConsume } from './support/bare-consumer.js';
import { runId } from './support/bench-config.js';
import { asRecords, benchInput, produceAll, publishCatalog } from './support/bench-events.js';
import { committedRate } from './support/committed-rate.js';
import { inMemoryRate } from './support/in-memory-instance.js';
import { emit, perSecond, round } from './support/figures.js';
import { buildPeer, startPeer } from './support/kafka-streams-peer.js';
import { failOnExit, processCpuSeconds, scrapeCounter } from './support/processes.js';

/**
 * The issue asks for 2,000,000; `npm run bench` as a whole has 15 minutes on a fresh
 * machine, and the full count takes 7 to 12 for this bench alone (398–739 s on
 * 2026-12-06, as the machine's speed moved; lifelong 8,000–12,000 events/s with
 * training, on 2 cores shared with the broker and ClickHouse). The rates
 * are taken from the first commit to the last (start-up left out), but they still move
 * with the length of the run, both ways: on 2026-12-06, 200,000 events gave lifelong
 * 16–19k and the peer 22–26k events/s, 2,000,000 gave 12k and 54k (more users' state
 * for lifelong; a JVM warmed up for the peer). `BENCH_KAFKA_EVENTS=2000000` runs the
 * full count.
 */
const REQUESTED_EVENTS = 2_000_000;
const EVENTS = Number(process.env['BENCH_KAFKA_EVENTS'] ?? 200_000);
const PARTITIONS = 4;
const RUN_TIMEOUT_MS = 10 * 60_000;
const TARGET_RATIO = 0.5;

const unreachable = (await kafkaUnreachable()) ?? (await clickhouseUnreachable());
if (unreachable) throw new Error(`bench kafka needs the local services (npm run bench starts them): ${unreachable}`);

const run = runId('kb');
const topic = `${run}.events`;
const itemsTopic = `${run}.items`;
const logDir = mkdtempSync(join(tmpdir(), `lifelong-bench-${run}-`));
const transport = new KafkaTransport({ brokers: TEST_BROKERS.split(','), clientId: run, ssl: false, sessionTimeoutMs: 30_000, transactionTimeoutMs: 60_000, connectionTimeoutMs: 5_000 }, silentLogger());

interface InstancesResult {
  readonly instances: number;
  readonly eventsPerSecond: number;
  readonly seconds: number;
  readonly perInstance: Array<{ readonly events: number; readonly eventsPerSecond: number; readonly cpuSeconds: number | null }>;
}

/** The topologies of a run: the default application, or the session aggregation alone (what the peer computes). */
type Application = 'all' | 'sessions';
const SESSIONS_ONLY = ['--interest-enabled', 'false', '--lifelong-value-enabled', 'false', '--recommend-enabled', 'false'];

/** `count` processes of `lifelong run` in one new group over the topic, until all is committed. */
async function lifelongInstances(count: number, application: Application = 'all'): Promise<InstancesResult> {
  const applicationId = `${run}-x${count}${application === 'sessions' ? '-sessions' : ''}`;
  const args = [
    '--brokers', TEST_BROKERS,
    '--clickhouse', TEST_CLICKHOUSE_URL,
    '--clickhouse-database', `bench_${applicationId.replace(/-/g, '_')}`,
    '--application-id', applicationId,
    '--topics-events', topic,
    '--topics-dead-letter', `${applicationId}.dead-letter`,
    '--topics-items', itemsTopic,
    '--partitions', String(PARTITIONS),
    '--http-port', '0',
    '--log-level', 'info',
    '--lifelong-value-checkpoint-dir', join(logDir, applicationId, 'models'),
    ...(application === 'sessions' ? SESSIONS_ONLY : []),
  ];
  const processors = Array.from({ length: count }, (_, i) => startProcessor(args, join(logDir, `${applicationId}-${i}.log`)));
  try {
    const exits = processors.map((p) => failOnExit(p.child, `lifelong run (log ${p.logFile})`));
    // Together means all at work: the first to join takes every partition until the
    // others are in, so the clock starts once each instance has processed records.
    const ports = new Map(processors.map((p) => [p, opsPort(p.logFile)]));
    for (const port of ports.values()) port.catch(() => {}); // a process that dies fails the run through `exits`
    const recordsIn = async (p: (typeof processors)[number]): Promise<number> => scrapeCounter(await ports.get(p)!, 'lifelong_records_in_total');
    let atStart: number[] = [];
    const allAtWork = async (): Promise<boolean> => {
      atStart = await Promise.all(processors.map(recordsIn));
      return atStart.every((events) => events > 0);
    };
    const rate = await Promise.race([committedRate(transport, applicationId, topic, RUN_TIMEOUT_MS, allAtWork), ...exits]);
    for (const exit of exits) exit.catch(() => {}); // stopping them below is expected
    const perInstance = await Promise.all(
      processors.map(async (p, i) => {
        const events = await recordsIn(p);
        const cpu = processCpuSeconds(p.child.pid!);
        // Its rate over the measured span (records processed, committed or not yet).
        return { events, eventsPerSecond: Math.round((events - atStart[i]!) / rate.seconds), cpuSeconds: cpu === undefined ? null : round(cpu, 1) };
      }),
    );
    return { instances: count, eventsPerSecond: rate.eventsPerSecond, seconds: rate.seconds, perInstance };
  } finally {
    await Promise.all(processors.map((p) => stopWithin(p, 'SIGTERM', 60_000).catch(() => p.child.kill('SIGKILL'))));
  }
}

/** Wall seconds of each step of this bench (setup and fixed costs included), for the JSON. */
const phaseSeconds: Record<string, number> = {};
async function phase<T>(name: string, step: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await step();
  } finally {
    phaseSeconds[name] = round((performance.now() - started) / 1000, 1);
  }
}

async function kafkaStreamsPeer(classpath: string): Promise<{ eventsPerSecond: number; seconds: number }> {
  const applicationId = `${run}-peer`;
  // Its output topic (the broker does not create topics on first use).
  await transport.ensureTopics([{ name: `${applicationId}.sessions`, partitions: PARTITIONS }]);
  const peer = startPeer(classpath, TEST_BROKERS, topic, applicationId, join(logDir, 'peer.log'));
  try {
    const rate = await Promise.race([committedRate(transport, applicationId, topic, RUN_TIMEOUT_MS), failOnExit(peer, `the Kafka Streams peer (log ${join(logDir, 'peer.log')})`)]);
    return { eventsPerSecond: rate.eventsPerSecond, seconds: rate.seconds };
  } finally {
    if (peer.exitCode === null) {
      peer.kill('SIGTERM');
      await new Promise((resolve) => peer.once('exit', resolve));
    }
  }
}

/** Leaves the broker and the server as they were: this run's topics and databases go. */
async function cleanUp(): Promise<void> {
  const admin = new kafkajs.Kafka({ clientId: `${run}-cleanup`, brokers: TEST_BROKERS.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(run));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  await admin.disconnect();
  const clickhouse = createClient({ url: TEST_CLICKHOUSE_URL });
  const databases = await (await clickhouse.query({ query: `SELECT name FROM system.databases WHERE name LIKE 'bench_${run}%'`, format: 'JSONEachRow' })).json<{ name: string }>();
  for (const { name } of databases) await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${name}` });
  await clickhouse.close();
}

try {
  // Maven first: nothing to do when the peer's sources have not changed since the last build.
  const peerBuild = await phase('peerBuild', buildPeer);
  const input = await phase('generate', () => benchInput(EVENTS));
  await transport.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  const producing = performance.now();
  await phase('produce', () => produceAll(transport, asRecords(input, topic)));
  const produceEventsPerSecond = perSecond(EVENTS, performance.now() - producing);
  await phase('catalog', () => publishCatalog(transport, itemsTopic, PARTITIONS, INTEREST_DEFAULTS.embeddingDim));
  const inMemory = await phase('inMemory', () => inMemoryRate(PARTITIONS, input));

  const ceiling = await phase('bareConsumer', () => bareConsume(TEST_BROKERS.split(','), topic, EVENTS, RUN_TIMEOUT_MS));
  const one = await phase('oneInstance', () => lifelongInstances(1));
  const two = await phase('twoInstances', () => lifelongInstances(2));
  const sessionsOnly = await phase('sessionsOnly', () => lifelongInstances(1, 'sessions'));
  const peer = await phase('peer', () => kafkaStreamsPeer(peerBuild.classpath));
  emit({
    events: EVENTS,
    ...(EVENTS < REQUESTED_EVENTS ? { eventsNote: `${EVENTS} events, not the ${REQUESTED_EVENTS} the issue names, so that npm run bench stays within 15 minutes on a fresh 2-core machine; BENCH_KAFKA_EVENTS=${REQUESTED_EVENTS} runs the full count` } : {}),
    partitions: PARTITIONS,
    users: input.users,
    produceEventsPerSecond,
    bareKafkajsConsumerEventsPerSecond: ceiling.eventsPerSecond,
    pipeline: {
      // `lifelong run` with the defaults: recommend too (a slate per FEED_REQUEST), unlike the in-process bench.
      topologies: ['session-metrics', 'interest', 'lifelong-value', 'recommend'],
      exactlyOnce: true,
      sink: `ClickHouse server ${TEST_CLICKHOUSE_URL}`,
      training: 'on, in a worker thread (config defaults: trainingShare 0.5 of it)',
      ...one,
      ratioToBareConsumer: round(one.eventsPerSecond / ceiling.eventsPerSecond, 3),
      targetRatio: TARGET_RATIO,
      withinTarget: one.eventsPerSecond / ceiling.eventsPerSecond >= TARGET_RATIO,
      processingAlone: {
        what: 'the same application over the same events on the in-memory transport, in the bench process: no broker, no transactions, no critic training; rows to the embedded engine',
        ...inMemory,
        ratioToBareConsumer: round(inMemory.eventsPerSecond / ceiling.eventsPerSecond, 3),
        pipelineRatioToIt: round(one.eventsPerSecond / inMemory.eventsPerSecond, 3),
      },
    },
    scaleOut: { one: one.eventsPerSecond, two: two.eventsPerSecond, speedup: round(two.eventsPerSecond / one.eventsPerSecond, 2), twoInstances: two.perInstance },
    kafkaStreamsPeer: {
      what: 'Kafka Streams 3.9.1, 1 stream thread, exactly_once_v2, session windows (30 min gap, 5 min grace) counting per type, suppressed until closed',
      ...peer,
      buildSeconds: phaseSeconds['peerBuild'],
      buildCached: peerBuild.cached,
      lifelongRatioToPeer: round(one.eventsPerSecond / peer.eventsPerSecond, 3),
      // Like for like: lifelong running the session aggregation alone (session-metrics; exactly-once, rows to ClickHouse).
      lifelongSessionsOnly: { eventsPerSecond: sessionsOnly.eventsPerSecond, seconds: sessionsOnly.seconds, cpuSeconds: sessionsOnly.perInstance[0]?.cpuSeconds ?? null },
      lifelongSessionsOnlyRatioToPeer: round(sessionsOnly.eventsPerSecond / peer.eventsPerSecond, 3),
    },
    phaseSeconds,
    logs: logDir,
  });
} finally {
  await transport.close();
  await cleanUp().catch((error: unknown) => process.stderr.write(`bench kafka: clean-up failed: ${String(error)}\n`));
}
