import kafkajs from 'kafkajs';
import type { Logger } from '../../observability/logger.js';
import type { AtomicCommit, GroupConsumer, GroupHandlers } from '../contract.js';
import { withHeartbeats } from '../../runtime/heartbeats.js';
import { IDLE_FETCH_WAIT_MS, toTopicMessages } from './kafka-transport.js';

const HEARTBEAT_WHILE_WAITING_MS = 1_000;
const FATAL_CRASH_BACKOFF_MS = 1_000;

export interface KafkaGroupOptions {
  readonly groupId: string;
  readonly topic: string;
  readonly concurrency: number;
  readonly maxBatchRecords: number;
  readonly sessionTimeoutMs: number;
  readonly transactionTimeoutMs: number;
}

/**
 * A kafkajs consumer in a group, with one transactional producer per owned partition.
 * The transactional id is stable per partition (`<group>-<topic>-<partition>`), so the
 * member that takes a partition over fences the previous owner's producer and aborts
 * its unfinished transaction before the partition's state is restored (exactly-once in
 * the style of Kafka Streams' per-task producers).
 */
export class KafkaGroupConsumer implements GroupConsumer {
  private consumer: kafkajs.Consumer;
  private readonly producers = new Map<number, kafkajs.Producer>();
  private readonly resolvers = new Map<number, (offset: string) => void>();
  private owned = new Set<number>();
  private memberId: string | undefined;
  private assignment: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly kafka: kafkajs.Kafka,
    private readonly options: KafkaGroupOptions,
    private readonly logger: Logger,
  ) {
    this.consumer = this.newConsumer();
  }

  private newConsumer(): kafkajs.Consumer {
    const { options } = this;
    return this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 10)),
      readUncommitted: false,
      maxBytesPerPartition: 1024 * 1024,
      maxWaitTimeInMs: IDLE_FETCH_WAIT_MS,
      retry: { retries: 5, restartOnFailure: async () => !this.stopped },
    });
  }

  async run(handlers: GroupHandlers): Promise<void> {
    await this.runConsumer(this.consumer, handlers);
  }

  /**
   * kafkajs restarts a consumer after retriable failures only; some it calls fatal are
   * not (a group coordinator that is still missing after a broker restart). Then the
   * consumer is replaced by a new one, which joins as a new member: its partitions
   * are fenced and restored as after any lost membership.
   */
  private replaceAfterFatalCrash(handlers: GroupHandlers, error: unknown): void {
    this.logger.error({ err: error }, 'the consumer stopped on an error kafkajs does not retry; starting a new one');
    setTimeout(() => {
      if (this.stopped) return;
      this.consumer = this.newConsumer();
      this.runConsumer(this.consumer, handlers).catch((failure: unknown) => this.replaceAfterFatalCrash(handlers, failure));
    }, FATAL_CRASH_BACKOFF_MS).unref();
  }

  private async runConsumer(consumer: kafkajs.Consumer, handlers: GroupHandlers): Promise<void> {
    const { options } = this;
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart && !this.stopped && consumer === this.consumer) this.replaceAfterFatalCrash(handlers, event.payload.error);
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const assigned = [...(event.payload.memberAssignment[options.topic] ?? [])].sort((a, b) => a - b);
      // A new member id means the group dropped us (a missed heartbeat, a long stall)
      // and generations passed without us: whatever we held may have moved and come
      // back, so every partition counts as lost and is fenced and restored afresh.
      const rejoined = this.memberId !== undefined && this.memberId !== event.payload.memberId;
      this.memberId = event.payload.memberId;
      if (rejoined) this.logger.warn({ partitions: [...this.owned] }, 'rejoined the group as a new member; treating owned partitions as lost');
      const kept = rejoined ? new Set<number>() : this.owned;
      const revoked = [...this.owned].filter((p) => !assigned.includes(p) || rejoined);
      const added = assigned.filter((p) => !kept.has(p));
      this.owned = new Set(assigned);
      // Batches of a partition wait for this: fence first, then let the runtime restore.
      this.assignment = this.assignment
        .catch(() => {})
        .then(async () => {
          await Promise.all(revoked.map((p) => this.closeProducer(p)));
          await Promise.all(added.map((p) => this.openProducer(p)));
          await handlers.onAssignment(assigned, revoked);
        });
      this.assignment.catch((error: unknown) => this.logger.error({ err: error }, 'assignment failed'));
    });
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.concurrency,
      eachBatch: async ({ batch, heartbeat, resolveOffset, isRunning, isStale }) => {
        // Restores run in the assignment; keep the membership alive while they do.
        await withHeartbeats(this.assignment, heartbeat, HEARTBEAT_WHILE_WAITING_MS);
        if (!isRunning() || isStale() || !this.owned.has(batch.partition)) return;
        // A producer fenced by another member is replaced, which fences that member in
        // turn; the runtime restores the partition's state before processing.
        if (!this.producers.has(batch.partition)) await this.openProducer(batch.partition);
        const records = batch.messages.map((m) => ({ topic: batch.topic, partition: batch.partition, offset: Number(m.offset), key: m.key, value: m.value, timestamp: Number(m.timestamp) }));
        for (let start = 0; start < records.length; start += options.maxBatchRecords) {
          const slice = records.slice(start, start + options.maxBatchRecords);
          this.resolvers.set(batch.partition, resolveOffset);
          await handlers.onBatch({ topic: batch.topic, partition: batch.partition, records: slice, highWatermark: Number(batch.highWatermark), heartbeat });
          if (!isRunning() || isStale()) return;
        }
      },
    });
    await this.assignment;
  }

  async commit(partition: number, unit: AtomicCommit): Promise<void> {
    const producer = this.producers.get(partition);
    if (!producer) throw new Error(`lifelong: no transactional producer for partition ${partition} (not owned)`);
    let transaction: kafkajs.Transaction | undefined;
    try {
      transaction = await producer.transaction();
      if (unit.outputs.length > 0) await transaction.sendBatch({ topicMessages: toTopicMessages(unit.outputs), acks: -1 });
      await transaction.sendOffsets({
        consumerGroupId: this.options.groupId,
        topics: [{ topic: unit.consumed.topic, partitions: [{ partition: unit.consumed.partition, offset: String(unit.consumed.nextOffset) }] }],
      });
      await transaction.commit();
    } catch (error) {
      await transaction?.abort().catch(() => {});
      // Whatever went wrong (fenced by another member, a broker that died mid-commit and
      // left the producer in COMMITTING), a fresh producer is the way back: its init
      // fences the old one and resolves its open transaction.
      this.logger.warn({ partition, err: error, fenced: isFenced(error) }, 'commit failed; the transactional producer will be replaced');
      await this.closeProducer(partition);
      throw error;
    }
    this.resolvers.get(partition)?.(String(unit.consumed.nextOffset - 1));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // kafkajs waits for the batches in progress (and their commits) before it leaves.
    await this.consumer.disconnect();
    await this.assignment.catch(() => {});
    await Promise.all([...this.producers.keys()].map((p) => this.closeProducer(p)));
  }

  private async openProducer(partition: number): Promise<void> {
    if (this.producers.has(partition)) return;
    const producer = this.kafka.producer({
      transactionalId: `${this.options.groupId}-${this.options.topic}-${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.options.transactionTimeoutMs,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
      // Idempotence needs unbounded retries (kafkajs warns otherwise); a short first
      // delay matters because every transaction right after a commit meets
      // CONCURRENT_TRANSACTIONS once while the broker finishes the previous one.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 20, maxRetryTime: 2_000 },
    });
    await producer.connect();
    // The first transaction registers the transactional id: this is what fences a
    // zombie owner and aborts whatever it left open.
    const fence = await producer.transaction();
    await fence.abort();
    this.producers.set(partition, producer);
  }

  private async closeProducer(partition: number): Promise<void> {
    const producer = this.producers.get(partition);
    this.producers.delete(partition);
    this.resolvers.delete(partition);
    await producer?.disconnect().catch(() => {});
  }
}

/** Whether a kafkajs error says another producer with our transactional id took over. */
function isFenced(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return type === 'INVALID_PRODUCER_EPOCH' || type === 'PRODUCER_FENCED' || /old epoch|fenced/i.test(String((error as Error | null)?.message));
}
