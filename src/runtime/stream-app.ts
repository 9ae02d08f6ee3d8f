import { EventEmitter } from 'node:events';
import { LifelongError, messageOf } from '../errors/catalog.js';
import type { Logger } from '../observability/logger.js';
import type { RuntimeMetrics } from '../observability/metrics.js';
import type { AvroCodec } from '../serde/avro.js';
import type { DeadLetter, UserEvent } from '../serde/records.js';
import type { RowSink } from '../sinks/clickhouse/batched-sink.js';
import { changelogTopic, type TopologyDefinition } from '../topology/topology.js';
import type { GroupConsumer, PartitionBatch, TopicSpec, Transport } from '../transports/contract.js';
import { partitionForKey } from '../transports/partitioner.js';
import { GlobalTables } from './global-tables.js';
import type { GuardLimits } from './input-guard.js';
import { withHeartbeats } from './heartbeats.js';
import { LIFECYCLE } from './lifecycle.js';
import { PartitionTask, RUNTIME_STORES } from './partition-task.js';

export interface StreamAppOptions {
  readonly applicationId: string;
  readonly inputTopic: string;
  readonly deadLetterTopic: string;
  /** Partitions of the input (and so of every changelog) when the app creates them. */
  readonly partitions: number;
  readonly topologies: readonly TopologyDefinition<UserEvent>[];
  readonly transport: Transport;
  /** One sink per ClickHouse table the topologies write to, by sink name. */
  readonly sinks: ReadonlyMap<string, RowSink<Record<string, unknown>>>;
  readonly eventCodec: AvroCodec<UserEvent>;
  readonly deadLetterCodec: AvroCodec<DeadLetter>;
  readonly limits: GuardLimits;
  readonly allowedLatenessMs: number;
  readonly dedupeWindow: number;
  readonly punctuateIntervalMs: number;
  readonly maxBatchRecords: number;
  readonly concurrency: number;
  /** While a batch waits on a slow sink, the group is told we are alive this often. */
  readonly heartbeatIntervalMs: number;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
}

/**
 * Runs topologies over one input topic on a transport: joins the consumer group,
 * restores each assigned partition's stores from their changelogs before its first
 * record, processes batches in offset order, writes sink rows, then commits the
 * changelog records, dead letters and input offsets together.
 */
export class StreamApp extends EventEmitter {
  private readonly tasks = new Map<number, PartitionTask>();
  private consumer: GroupConsumer | undefined;
  private restoring = 0;
  private running = false;
  private processed = 0;
  /** Global tables the topologies read, loaded before the consumer starts. */
  readonly globalTables: GlobalTables;
  /** Input partitions, known once started (interactive queries locate keys with it). */
  private inputPartitionCount: number | undefined;

  constructor(private readonly options: StreamAppOptions) {
    super();
    this.globalTables = new GlobalTables(options.topologies, { logger: options.logger, metrics: options.metrics });
  }

  /** Every topic the app reads or writes, with the settings it needs. */
  async topicSpecs(): Promise<TopicSpec[]> {
    const { options } = this;
    const partitions = (await this.inputPartitions()) ?? options.partitions;
    const stores = [...Object.values(RUNTIME_STORES), ...options.topologies.flatMap((t) => t.stores.map((s) => s.name))];
    return [
      { name: options.inputTopic, partitions },
      { name: options.deadLetterTopic, partitions },
      ...stores.map((store) => ({ name: changelogTopic(options.applicationId, store), partitions, compacted: true })),
      ...this.resultTopics().map((name) => ({ name, partitions })),
      ...this.globalTables.topicSpecs(partitions),
    ];
  }

  /** Topics the topologies' topic sinks write to (keyed like the input, so as many partitions). */
  private resultTopics(): string[] {
    const topics = this.options.topologies.flatMap((t) => t.sinks.flatMap((s) => (s.kind === 'topic' ? [s.topic] : [])));
    return [...new Set(topics)];
  }

  async start(): Promise<void> {
    const { options } = this;
    await options.transport.ensureTopics(await this.topicSpecs());
    this.inputPartitionCount = await options.transport.partitionCount(options.inputTopic);
    // Every partition's first event may read a global table: load them all first.
    await this.globalTables.start(options.transport);
    this.consumer = options.transport.groupConsumer({
      groupId: options.applicationId,
      topic: options.inputTopic,
      concurrency: options.concurrency,
      maxBatchRecords: options.maxBatchRecords,
    });
    this.running = true;
    await this.consumer.run({
      onAssignment: (assigned, revoked) => this.onAssignment(assigned, revoked),
      onBatch: (batch) => this.onBatch(batch),
    });
    options.logger.info({ topic: options.inputTopic, topologies: options.topologies.map((t) => t.name) }, LIFECYCLE.STARTED);
    this.emit(LIFECYCLE.STARTED);
  }

  /** Ready: running, nothing restoring, every sink healthy. */
  get ready(): boolean {
    const ready = this.running && this.restoring === 0 && [...this.options.sinks.values()].every((s) => s.healthy);
    this.options.metrics.ready.set(ready ? 1 : 0);
    return ready;
  }

  get recordsProcessed(): number {
    return this.processed;
  }

  get assignedPartitions(): number[] {
    return [...this.tasks.keys()].sort((a, b) => a - b);
  }

  /** The input partition of a key (the producer's partitioner); undefined before start. */
  partitionOf(key: string): number | undefined {
    return this.inputPartitionCount === undefined ? undefined : partitionForKey(this.options.inputTopic, Buffer.from(key), this.inputPartitionCount);
  }

  /** One key of a local store, for interactive queries: `local: false` when the partition is not restored here. */
  localValue(partition: number, store: string, key: string): { readonly local: true; readonly value: unknown } | { readonly local: false } {
    const local = this.tasks.get(partition)?.stores.get(store);
    return local ? { local: true, value: local.get(key) } : { local: false };
  }

  /** Read access to a local store, for interactive queries and tests. */
  localStore(partition: number, name: string): ReadonlyMap<string, unknown> | undefined {
    const store = this.tasks.get(partition)?.stores.get(name);
    return store ? new Map(store.entries()) : undefined;
  }

  /**
   * Graceful stop: finishes and commits the batch in progress, leaves the group and
   * flushes the sinks. Open sessions stay in the changelogged stores.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.options.logger.info(LIFECYCLE.STOPPING);
    this.emit(LIFECYCLE.STOPPING);
    await this.consumer?.stop();
    await this.globalTables.stop();
    await Promise.all([...this.options.sinks.values()].map((s) => s.flush()));
    for (const task of this.tasks.values()) task.close();
    this.tasks.clear();
    this.options.logger.info({ processed: this.processed }, LIFECYCLE.STOPPED);
    this.emit(LIFECYCLE.STOPPED);
  }

  private async inputPartitions(): Promise<number | undefined> {
    const { transport, inputTopic } = this.options;
    try {
      // A topic not created yet is answered at once: asking for its metadata would be
      // retried (UNKNOWN_TOPIC_OR_PARTITION is retriable) for half a minute first.
      if (!(await transport.hasTopic(inputTopic))) return undefined;
      return await transport.partitionCount(inputTopic);
    } catch {
      return undefined;
    }
  }

  private async onAssignment(assigned: readonly number[], revoked: readonly number[]): Promise<void> {
    const { metrics, logger } = this.options;
    metrics.rebalances.inc();
    for (const partition of revoked) this.dropTask(partition);
    const added = assigned.filter((p) => !this.tasks.has(p));
    metrics.assignedPartitions.set(assigned.length);
    logger.info({ assigned, revoked }, LIFECYCLE.ASSIGNED);
    this.emit(LIFECYCLE.ASSIGNED, { assigned, revoked });
    if (added.length > 0) await this.restore(added);
  }

  /** Builds fresh tasks for the partitions and fills their stores from the changelogs. */
  private async restore(partitions: readonly number[]): Promise<void> {
    const { options } = this;
    const started = performance.now();
    this.restoring++;
    this.emit(LIFECYCLE.RESTORE_START, { partitions });
    try {
      const fresh = new Map(partitions.map((p) => [p, this.newTask(p)] as const));
      const first = fresh.values().next().value;
      let records = 0;
      const byPartition = new Map([...fresh].map(([p, task]) => [p, task.changelogs()] as const));
      for (const [topic, store] of first?.changelogs() ?? []) {
        let storeRecords = 0;
        await options.transport.readToEnd({
          topic,
          partitions,
          onRecord: (record) => {
            byPartition.get(record.partition)?.get(topic)?.restore(record.key, record.value);
            storeRecords++;
          },
        });
        records += storeRecords;
        options.metrics.restoredRecords.inc({ store: store.name }, storeRecords);
      }
      for (const [partition, task] of fresh) {
        task.restored();
        this.tasks.set(partition, task);
      }
      const seconds = (performance.now() - started) / 1000;
      options.metrics.restoreSeconds.observe(seconds);
      options.logger.info({ partitions, records, ms: Math.round(seconds * 1000) }, LIFECYCLE.RESTORE_END);
      this.emit(LIFECYCLE.RESTORE_END, { partitions, records, ms: seconds * 1000 });
    } catch (error) {
      throw new LifelongError('RESTORE_FAILED', { store: partitions.join(','), detail: messageOf(error) }, { cause: error });
    } finally {
      this.restoring--;
    }
  }

  private newTask(partition: number): PartitionTask {
    const { options } = this;
    return new PartitionTask({
      applicationId: options.applicationId,
      inputTopic: options.inputTopic,
      deadLetterTopic: options.deadLetterTopic,
      partition,
      topologies: options.topologies,
      globalTables: this.globalTables.tables,
      eventCodec: options.eventCodec,
      deadLetterCodec: options.deadLetterCodec,
      limits: options.limits,
      allowedLatenessMs: options.allowedLatenessMs,
      dedupeWindow: options.dedupeWindow,
      punctuateIntervalMs: options.punctuateIntervalMs,
      logger: options.logger.child({ partition }),
      metrics: options.metrics,
    });
  }

  private dropTask(partition: number): void {
    this.tasks.get(partition)?.close();
    this.tasks.delete(partition);
    // A partition that moved away must not leave its last lag behind as a live series.
    this.options.metrics.lag.remove({ partition });
  }

  private async onBatch(batch: PartitionBatch): Promise<void> {
    const { options } = this;
    const started = performance.now();
    // A task that failed mid-batch was dropped; rebuild it from the changelogs, which
    // hold exactly the state after the last committed batch.
    if (!this.tasks.has(batch.partition)) await this.restore([batch.partition]);
    const task = this.tasks.get(batch.partition)!;
    try {
      const effects = task.process(batch.records);
      await this.writeRows(effects.rows, batch);
      const commitStarted = performance.now();
      await this.consumer!.commit(batch.partition, {
        outputs: effects.outputs,
        consumed: { topic: batch.topic, partition: batch.partition, nextOffset: effects.nextOffset },
      });
      options.metrics.commitSeconds.observe((performance.now() - commitStarted) / 1000);
      options.metrics.lag.set({ partition: batch.partition }, Math.max(0, batch.highWatermark - effects.nextOffset));
      this.processed += batch.records.length;
      this.emit(LIFECYCLE.BATCH_END, { partition: batch.partition, records: batch.records.length, nextOffset: effects.nextOffset });
    } catch (error) {
      options.logger.error({ err: error, partition: batch.partition }, 'batch failed; the partition state is dropped and restored before it is retried');
      this.dropTask(batch.partition);
      throw error;
    } finally {
      options.metrics.batchSeconds.observe((performance.now() - started) / 1000);
    }
  }

  /** Waits until the batch's rows are durable, heartbeating so a slow sink does not cost the partitions. */
  private async writeRows(rows: Map<string, Record<string, unknown>[]>, batch: PartitionBatch): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const [sinkName, sinkRows] of rows) {
      const sink = this.options.sinks.get(sinkName);
      if (!sink) throw new Error(`lifelong: no sink configured for ${sinkName}`);
      this.options.metrics.recordsOut.inc({ sink: sinkName }, sinkRows.length);
      writes.push(sink.write(sinkRows));
      // The batch waits for these rows, so there is nothing to gain from the sink's
      // batching delay: send now. Rows other partitions write while this insert is in
      // flight still share the next one (group commit).
      sink.flush().catch(() => {});
    }
    if (writes.length === 0) return;
    await withHeartbeats(Promise.all(writes), () => batch.heartbeat(), this.options.heartbeatIntervalMs);
  }
}
