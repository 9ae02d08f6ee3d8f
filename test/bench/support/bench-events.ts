import { AvroCodec, LocalSchemaRegistry } from '../../../src/serde/avro.js';
import type { Item, UserEvent } from '../../../src/serde/records.js';
import { generateCatalog } from '../../../src/sim/catalog-generator.js';
import { generateSessions } from '../../../src/sim/session-generator.js';
import type { OutboundRecord, Transport } from '../../../src/transports/contract.js';

/** Slightly under the generator's average over 3 days (about 140 events per user), so there are always enough. */
const EVENTS_PER_USER_3_DAYS = 130;
const PRODUCE_CHUNK = 10_000;

export interface BenchInput {
  readonly events: readonly UserEvent[];
  /** Raw Avro values as the producer writes them (what every bench reads). */
  readonly values: readonly Buffer[];
  readonly users: number;
}

/**
 * The first `count` events (event-time order, merged across users) of the demo's
 * generator, Avro-encoded: the same plausible sessions every bench and test uses.
 */
export function benchInput(count: number, seed = 8): BenchInput {
  const users = Math.max(1, Math.ceil(count / EVENTS_PER_USER_3_DAYS));
  const events = generateSessions({ users, days: 3, seed }).slice(0, count);
  if (events.length < count) throw new Error(`bench: the generator made ${events.length} events, fewer than ${count}`);
  const codec = new AvroCodec<UserEvent>('UserEvent', new LocalSchemaRegistry());
  return { events, values: events.map((event) => codec.encode(event)), users };
}

/** The input as records of `topic`, keyed by userId as lifelong's producers key them. */
export function asRecords(input: BenchInput, topic: string): OutboundRecord[] {
  return input.events.map((event, i) => ({ topic, key: Buffer.from(event.userId), value: input.values[i]! }));
}

export async function produceAll(transport: Transport, records: readonly OutboundRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += PRODUCE_CHUNK) await transport.produce(records.slice(i, i + PRODUCE_CHUNK));
}

/**
 * Publishes the demo's item catalog to the compacted items topic, as `lifelong demo`
 * does, so the interest topology reads real embeddings rather than its fallback.
 */
export async function publishCatalog(transport: Transport, topic: string, partitions: number, dim: number, seed = 8): Promise<number> {
  const items = generateCatalog({ seed, dim });
  const codec = new AvroCodec<Item>('Item', new LocalSchemaRegistry());
  await transport.ensureTopics([{ name: topic, partitions, compacted: true }]);
  await produceAll(transport, items.map((item) => ({ topic, key: Buffer.from(item.itemId), value: codec.encode(item) })));
  return items.length;
}
