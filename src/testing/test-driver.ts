import { silentLogger } from '../observability/logger.js';
import { RuntimeMetrics } from '../observability/metrics.js';
import { AvroCodec, LocalSchemaRegistry } from '../serde/avro.js';
import type { DeadLetter, UserEvent } from '../serde/records.js';
import { GlobalTables } from '../runtime/global-tables.js';
import { queryAnswerer, type QueryAnswer } from '../runtime/interactive-queries.js';
import { PartitionTask } from '../runtime/partition-task.js';
import type { GlobalTable } from '../state/global-table.js';
import type { TopologyDefinition } from '../topology/topology.js';
import type { LogRecord, OutboundRecord } from '../transports/contract.js';
import { partitionForKey } from '../transports/partitioner.js';

export interface TestDriverOptions {
  readonly partitions?: number;
  readonly allowedLatenessMs?: number;
  readonly dedupeWindow?: number;
  readonly punctuateIntervalMs?: number;
  readonly maxRecordBytes?: number;
  /** Wall clock for validation of future timestamps; fixed so tests are repeatable. */
  readonly now?: number;
}

const TOPIC = 'events';

/**
 * Runs topologies without a broker, in milliseconds: pipe events (or raw bytes) in,
 * read sink rows, dead letters, changelog records and stores, and move stream time.
 * It drives the same PartitionTask the runtime uses, so what passes here is what runs.
 */
export class TopologyTestDriver {
  readonly codec: AvroCodec<UserEvent>;
  readonly deadLetterCodec: AvroCodec<DeadLetter>;
  readonly metrics = new RuntimeMetrics();
  private readonly tasks: PartitionTask[] = [];
  private readonly offsets: number[] = [];
  private readonly rowsBySink = new Map<string, Record<string, unknown>[]>();
  private readonly outputs: OutboundRecord[] = [];
  /** Global tables of the topologies, fed with `pipeGlobal`. */
  readonly globalTables: GlobalTables;
  /** Every global-table record piped, in order: the compacted topics outlive a restart. */
  private readonly globalRecords: Array<{ table: string; record: LogRecord }> = [];

  constructor(
    private readonly topologies: readonly TopologyDefinition<UserEvent>[],
    private readonly options: TestDriverOptions = {},
  ) {
    const registry = new LocalSchemaRegistry();
    this.codec = new AvroCodec<UserEvent>('UserEvent', registry);
    this.deadLetterCodec = new AvroCodec<DeadLetter>('DeadLetter', registry);
    this.globalTables = new GlobalTables(topologies, { logger: silentLogger(), metrics: this.metrics });
    for (let partition = 0; partition < (options.partitions ?? 1); partition++) {
      this.tasks.push(this.newTask(partition));
      this.offsets.push(0);
    }
  }

  /** Encodes each event and pushes it through its user's partition. */
  pipe(...events: UserEvent[]): this {
    for (const event of events) this.pipeBytes(Buffer.from(event.userId), this.codec.encode(event));
    return this;
  }

  /** Pushes raw bytes through the key's partition (or the one given, as a producer may choose). */
  pipeBytes(key: Buffer | null, value: Buffer | null, partition: number = partitionForKey(TOPIC, key, this.tasks.length)): this {
    const offset = this.offsets[partition]!++;
    const record: LogRecord = { topic: TOPIC, partition, offset, key, value, timestamp: this.options.now ?? Date.now() };
    this.absorb(this.tasks[partition]!.process([record]));
    return this;
  }

  /** Appends a record to a global table's topic; it applies at once (null value: a tombstone). */
  pipeGlobal(table: string, key: Buffer | null, value: Buffer | null): this {
    const record: LogRecord = { topic: table, partition: 0, offset: this.globalRecords.length, key, value, timestamp: this.options.now ?? Date.now() };
    this.globalTables.apply(table, record);
    this.globalRecords.push({ table, record });
    return this;
  }

  globalTable<V>(name: string): GlobalTable<V> {
    const table = this.globalTables.tables.get(name);
    if (!table) throw new Error(`lifelong: no global table named ${name}`);
    return table as GlobalTable<V>;
  }

  /** Answers an interactive query's path (every partition is local to the driver). */
  query(pathname: string): QueryAnswer | undefined {
    const state = {
      partitionOf: (key: string) => partitionForKey(TOPIC, Buffer.from(key), this.tasks.length),
      localValue: (partition: number, store: string, key: string) => ({ local: true as const, value: this.tasks[partition]?.stores.get(store)?.get(key) }),
      assignedPartitions: this.tasks.map((t) => t.partition),
    };
    for (const topology of this.topologies) {
      for (const query of topology.queries ?? []) {
        const answer = queryAnswerer(query, state)(pathname);
        if (answer) return answer;
      }
    }
    return undefined;
  }

  /** Moves every partition's stream time to `ts`, letting idle windows close. */
  advanceStreamTime(ts: number): this {
    for (const task of this.tasks) this.absorb(task.advanceTo(ts));
    return this;
  }

  rows(sink: string): Record<string, unknown>[] {
    return this.rowsBySink.get(sink) ?? [];
  }

  deadLetters(): DeadLetter[] {
    return this.outputs.filter((o) => o.topic === 'dead-letter' && o.value !== null).map((o) => this.deadLetterCodec.decode(o.value!));
  }

  /** Records a topic sink wrote to `topic`, in order, decoded with `decode`. */
  results<V>(topic: string, decode: (bytes: Buffer) => V): Array<{ readonly key: string | null; readonly value: V }> {
    return this.outputs.filter((o) => o.topic === topic && o.value !== null).map((o) => ({ key: o.key?.toString('utf8') ?? null, value: decode(o.value!) }));
  }

  changelog(topicSuffix: string): OutboundRecord[] {
    return this.outputs.filter((o) => o.topic.endsWith(`${topicSuffix}-changelog`));
  }

  /** A store's contents across all partitions. */
  store<V>(name: string): Map<string, V> {
    const merged = new Map<string, V>();
    for (const task of this.tasks) for (const [key, value] of task.stores.get(name)?.entries() ?? []) merged.set(key, value as V);
    return merged;
  }

  /** A fresh driver whose stores are rebuilt from this one's changelog, as after a restart. */
  restart(): TopologyTestDriver {
    const next = new TopologyTestDriver(this.topologies, this.options);
    for (const { table, record } of this.globalRecords) next.pipeGlobal(table, record.key, record.value);
    for (const task of next.tasks) {
      const changelogs = task.changelogs();
      for (const record of this.outputs) {
        if (record.partition === task.partition) changelogs.get(record.topic)?.restore(record.key, record.value);
      }
      task.restored();
    }
    // The changelog topics outlive the driver: keep them, so a later restart still
    // restores keys that were not written again in between.
    next.outputs.push(...this.outputs.filter((o) => o.topic.endsWith('-changelog')));
    next.offsets.splice(0, next.offsets.length, ...this.offsets);
    return next;
  }

  private newTask(partition: number): PartitionTask {
    const now = this.options.now;
    return new PartitionTask({
      applicationId: 'test',
      inputTopic: TOPIC,
      deadLetterTopic: 'dead-letter',
      partition,
      topologies: this.topologies,
      globalTables: this.globalTables.tables,
      eventCodec: this.codec,
      deadLetterCodec: this.deadLetterCodec,
      limits: { maxRecordBytes: this.options.maxRecordBytes ?? 1024 * 1024, maxFutureSkewMs: 24 * 3_600_000, maxIdLength: 256 },
      allowedLatenessMs: this.options.allowedLatenessMs ?? 5 * 60_000,
      dedupeWindow: this.options.dedupeWindow ?? 256,
      punctuateIntervalMs: this.options.punctuateIntervalMs ?? 60_000,
      logger: silentLogger(),
      metrics: this.metrics,
      ...(now !== undefined ? { clock: () => now } : {}),
    });
  }

  private absorb(effects: { rows: Map<string, Record<string, unknown>[]>; outputs: OutboundRecord[] }): void {
    for (const [sink, rows] of effects.rows) {
      let all = this.rowsBySink.get(sink);
      if (!all) this.rowsBySink.set(sink, (all = []));
      all.push(...rows);
    }
    this.outputs.push(...effects.outputs);
  }
}
