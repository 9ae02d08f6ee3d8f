import { silentLogger } from '../../src/observability/logger.js';
import { RuntimeMetrics } from '../../src/observability/metrics.js';
import { PartitionTask, type BatchEffects } from '../../src/runtime/partition-task.js';
import type { GlobalTable } from '../../src/state/global-table.js';
import { AvroCodec, LocalSchemaRegistry } from '../../src/serde/avro.js';
import type { DeadLetter, UserEvent } from '../../src/serde/records.js';
import type { TopologyDefinition } from '../../src/topology/topology.js';
import type { LogRecord } from '../../src/transports/contract.js';

export interface BatchRunnerOptions {
  /** The instance's global tables (the item catalog), already loaded. */
  readonly globalTables?: ReadonlyMap<string, GlobalTable<unknown>>;
  readonly allowedLatenessMs?: number;
  readonly metrics?: RuntimeMetrics;
}

/**
 * Runs topologies over one partition in batches, as the runtime does (the changelog is
 * drained once per batch, not per record): for long generated streams where the
 * per-record TopologyTestDriver would spend its time re-encoding store values.
 */
export class BatchRunner {
  private readonly codec: AvroCodec<UserEvent>;
  private readonly task: PartitionTask;
  private offset = 0;
  deadLetters = 0;

  constructor(topologies: readonly TopologyDefinition<UserEvent>[], now: number, options: BatchRunnerOptions = {}) {
    const registry = new LocalSchemaRegistry();
    this.codec = new AvroCodec<UserEvent>('UserEvent', registry);
    this.task = new PartitionTask({
      applicationId: 'batch-runner',
      inputTopic: 'events',
      deadLetterTopic: 'dead-letter',
      partition: 0,
      topologies,
      ...(options.globalTables ? { globalTables: options.globalTables } : {}),
      eventCodec: this.codec,
      deadLetterCodec: new AvroCodec<DeadLetter>('DeadLetter', registry),
      limits: { maxRecordBytes: 1024 * 1024, maxFutureSkewMs: 24 * 3_600_000, maxIdLength: 256 },
      allowedLatenessMs: options.allowedLatenessMs ?? 5 * 60_000,
      dedupeWindow: 64,
      punctuateIntervalMs: 60_000,
      logger: silentLogger(),
      metrics: options.metrics ?? new RuntimeMetrics(),
      clock: () => now,
    });
  }

  pipe(events: readonly UserEvent[]): this {
    this.process(events.map((event) => [Buffer.from(event.userId), this.codec.encode(event)] as const));
    return this;
  }

  /** Processes already encoded records as one batch and returns what it produced. */
  process(records: ReadonlyArray<readonly [key: Buffer, value: Buffer]>): BatchEffects {
    const batch: LogRecord[] = records.map(([key, value]) => ({ topic: 'events', partition: 0, offset: this.offset++, key, value, timestamp: 0 }));
    const effects = this.task.process(batch);
    this.deadLetters += effects.outputs.filter((o) => o.topic === 'dead-letter').length;
    return effects;
  }

  store<V>(name: string): Map<string, V> {
    return new Map([...(this.task.stores.get(name)?.entries() ?? [])] as Array<[string, V]>);
  }
}
