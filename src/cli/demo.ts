import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { createTransport, startInstance, type Instance } from '../runtime/instance.js';
import { LIFECYCLE } from '../runtime/lifecycle.js';
import type { InstanceService } from '../runtime/service.js';
import { AvroCodec, LocalSchemaRegistry } from '../serde/avro.js';
import { generateCatalog } from '../sim/catalog-generator.js';
import { generateSessions } from '../sim/session-generator.js';
import type { TopologyDefinition } from '../topology/topology.js';
import type { Transport } from '../transports/contract.js';
import type { Item, UserEvent } from '../serde/records.js';
import { INTEREST_STORE } from '../../topologies/interest/index.js';
import { progress } from './progress.js';

export interface DemoSummary {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly sessions: number;
  readonly meanCtr: number;
  readonly meanUtility: number | null;
  readonly deadLetters: number;
  readonly clickhouse: string;
  /** Items published to the catalog topic before the events (some referenced items are left out on purpose). */
  readonly catalogItems: number;
  /** Users with an interest state at the end. */
  readonly interestProfiles: number;
}

const PRODUCE_CHUNK = 10_000;

/**
 * The embedded (or pointed-at-real-services) demonstration: generates plausible
 * sessions, feeds them through the topologies, waits until every event is committed,
 * and reads the session metrics back from ClickHouse.
 */
export async function runDemo(config: Config, topologies: readonly TopologyDefinition<UserEvent>[], logger: Logger, services: readonly InstanceService[] = []): Promise<DemoSummary> {
  const events = generateSessions({ users: config.demo.users, days: config.demo.days, seed: config.demo.seed });
  logger.info({ users: config.demo.users, days: config.demo.days, events: events.length }, 'generated demo sessions');
  // The catalog goes first, so the instance loads it (as a global table) before any event.
  const transport = createTransport(config, logger);
  let instance: Instance;
  let catalogItems: number;
  try {
    catalogItems = await publishCatalog(transport, config);
    logger.info({ items: catalogItems, topic: config.topics.items }, 'published the demo item catalog');
    instance = await startInstance(config, topologies, { logger, transport, services });
  } catch (error) {
    await transport.close();
    throw error;
  }
  const started = performance.now();
  try {
    const bar = progress('processing', events.length, logger);
    const baseline = instance.app.recordsProcessed;
    const onBatch = (): void => bar.update(instance.app.recordsProcessed - baseline);
    instance.app.on(LIFECYCLE.BATCH_END, onBatch);
    for (let i = 0; i < events.length; i += PRODUCE_CHUNK) {
      const chunk = events.slice(i, i + PRODUCE_CHUNK).map((event) => ({ topic: config.topics.events, key: Buffer.from(event.userId), value: instance.codecs.event.encode(event) }));
      await instance.transport.produce(chunk);
    }
    await waitUntilCommitted(instance, config.topics.events);
    instance.app.off(LIFECYCLE.BATCH_END, onBatch);
    bar.update(events.length);
    bar.stop();
    const interestProfiles = instance.app.assignedPartitions.reduce((sum, p) => sum + (instance.app.localStore(p, INTEREST_STORE)?.size ?? 0), 0);
    await instance.app.stop();
    const seconds = (performance.now() - started) / 1000;
    const summary = await readSummary(instance);
    const deadLetters = (await instance.metrics.deadLetters.get()).values.reduce((sum, v) => sum + v.value, 0);
    return { events: events.length, seconds, eventsPerSecond: events.length / seconds, ...summary, deadLetters, clickhouse: instance.clickhouse.describe, catalogItems, interestProfiles };
  } finally {
    await instance.stop();
    await transport.close();
  }
}

/** Publishes the demo catalog (Avro Item records keyed by itemId) to the compacted items topic. */
async function publishCatalog(transport: Transport, config: Config): Promise<number> {
  const items = generateCatalog({ seed: config.demo.seed, dim: config.interest.embeddingDim });
  const codec = new AvroCodec<Item>('Item', new LocalSchemaRegistry());
  await transport.ensureTopics([{ name: config.topics.items, partitions: config.partitions, compacted: true }]);
  for (let i = 0; i < items.length; i += PRODUCE_CHUNK) {
    await transport.produce(items.slice(i, i + PRODUCE_CHUNK).map((item) => ({ topic: config.topics.items, key: Buffer.from(item.itemId), value: codec.encode(item) })));
  }
  return items.length;
}

/** Resolves once the group's progress reaches the end of every input partition. */
export async function waitUntilCommitted(instance: Instance, topic: string, timeoutMs = 10 * 60_000): Promise<void> {
  const ends = await instance.transport.endOffsets(topic);
  const reached = await instance.transport.committedOffsets(instance.config.applicationId, topic);
  const behind = (): boolean => [...ends].some(([p, end]) => (reached.get(p) ?? 0) < end);
  if (!behind()) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      instance.app.off(LIFECYCLE.BATCH_END, onBatch);
      reject(new Error(`lifelong: input not fully processed within ${timeoutMs} ms`));
    }, timeoutMs);
    const onBatch = (event: { partition: number; nextOffset: number }): void => {
      reached.set(event.partition, Math.max(reached.get(event.partition) ?? 0, event.nextOffset));
      if (behind()) return;
      clearTimeout(timer);
      instance.app.off(LIFECYCLE.BATCH_END, onBatch);
      resolve();
    };
    instance.app.on(LIFECYCLE.BATCH_END, onBatch);
  });
}

async function readSummary(instance: Instance): Promise<{ sessions: number; meanCtr: number; meanUtility: number | null }> {
  const result = await instance.clickhouse.client.query({
    query: 'SELECT count() AS sessions, avg(ctr) AS mean_ctr, avg(normalized_utility) AS mean_utility FROM session_metrics FINAL',
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ sessions: string | number; mean_ctr: number | null; mean_utility: number | null }>();
  return { sessions: Number(row?.sessions ?? 0), meanCtr: Number(row?.mean_ctr ?? 0), meanUtility: row?.mean_utility ?? null };
}
