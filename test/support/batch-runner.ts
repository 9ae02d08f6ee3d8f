import { silentLogger } from '../../src/observability/logger.js';
import { RuntimeMetrics } from '../../src/observability/metrics.js';
import { PartitionTask } from '../../src/runtime/partition-task.js';
import { AvroCodec, LocalSchemaRegistry } from '../../src/serde/avro.js';
import type { DeadLetter, UserEvent } from '../../src/serde/records.js';
import type { TopologyDefinition } from '../../src/topology/topology.js';
import type { LogRecord } from '../../src/transports/contract.js';

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

  constructor(topologies: readonly TopologyDefinition<UserEvent>[], now: number) {
    const registry = new LocalSchemaRegistry();
    this.codec = new AvroCodec<UserEvent>('UserEvent', registry);
    this.task = new PartitionTask({
      applicationId: 'batch-runner',
      inputTopic: 'events',
      deadLetterTopic: 'dead-letter',
      partition: 0,
      topologies,
      eventCodec: this.codec,
      deadLetterCodec: new AvroCodec<DeadLetter>('DeadLetter', registry),
      limits: { maxRecordBytes: 1024 * 1024, maxFutureSkewMs: 24 * 3_600_000, maxIdLength: 256 },
      allowedLatenessMs: 5 * 60_000,
      dedupeWindow: 64,
      punctuateIntervalMs: 60_000,
      logger: silentLogger(),
      metrics: new RuntimeMetrics(),
      clock: () => now,
    });
  }

  pipe(events: readonly UserEvent[]): this {
    const records: LogRecord[] = events.map((event) => ({ topic: 'events', partition: 0, offset: this.offset++, key: Buffer.from(event.userId), value: this.codec.encode(event), timestamp: event.ts }));
    const effects = this.task.process(records);
    this.deadLetters += effects.outputs.filter((o) => o.topic === 'dead-letter').length;
    return this;
  }

  store<V>(name: string): Map<string, V> {
    return new Map([...(this.task.stores.get(name)?.entries() ?? [])] as Array<[string, V]>);
  }
}
