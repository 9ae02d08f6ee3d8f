import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Logger } from '../../observability/logger.js';
import type { FollowOptions, TopicFollower } from '../contract.js';
import { IDLE_FETCH_WAIT_MS, retryingAdmin } from './kafka-transport.js';

export interface KafkaFollowerSettings {
  readonly clientId: string;
  readonly sessionTimeoutMs: number;
}

/**
 * Follows a whole topic with a consumer in a throwaway group of its own (kafkajs has
 * no manual assignment): every partition from the beginning, nothing committed, the
 * group deleted on stop. Catching up is tracked from batch events as well as records,
 * because a partition written transactionally ends in control records that are never
 * delivered as messages.
 */
export class KafkaTopicFollower implements TopicFollower {
  readonly caughtUp: Promise<void>;
  private readonly groupId: string;
  private consumer: kafkajs.Consumer | undefined;
  private readonly started: Promise<void>;
  private stopped = false;
  private settle!: { resolve: () => void; reject: (error: unknown) => void };
  private settled = false;

  constructor(
    private readonly kafka: kafkajs.Kafka,
    private readonly admin: () => Promise<kafkajs.Admin>,
    private readonly settings: KafkaFollowerSettings,
    private readonly logger: Logger,
    private readonly options: FollowOptions,
  ) {
    this.groupId = `${settings.clientId}-follow-${randomUUID()}`;
    this.caughtUp = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.caughtUp.catch(() => {});
    this.started = this.start().catch((error: unknown) => this.finish(error));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.started;
    await this.consumer?.disconnect().catch(() => {});
    await (await this.admin()).deleteGroups([this.groupId]).catch(() => {});
    this.finish(new Error(`lifelong: stopped following ${this.options.topic} before it was read to its end`));
  }

  private async start(): Promise<void> {
    const { topic, onRecord } = this.options;
    const admin = await this.admin();
    const offsets = await retryingAdmin(() => admin.fetchTopicOffsets(topic));
    const remaining = new Map<number, number>();
    for (const o of offsets) if (Number(o.high) > Number(o.low)) remaining.set(o.partition, Number(o.high) - 1);
    if (remaining.size === 0) this.finish();
    const progress = (partition: number, lastOffset: number): void => {
      const target = remaining.get(partition);
      if (target === undefined || lastOffset < target) return;
      remaining.delete(partition);
      if (remaining.size === 0) this.finish();
    };
    if (this.stopped) return;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.settings.sessionTimeoutMs,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxWaitTimeInMs: IDLE_FETCH_WAIT_MS,
      retry: { retries: 8, restartOnFailure: async () => !this.stopped },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => progress(event.payload.partition, Number(event.payload.lastOffset)));
    consumer.on(consumer.events.CRASH, (event) => {
      if (this.stopped) return;
      this.logger.error({ err: event.payload.error, topic, restart: event.payload.restart }, 'following a global table topic failed');
      if (!event.payload.restart) this.finish(event.payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (this.stopped) return;
        for (const message of batch.messages) {
          onRecord({ topic: batch.topic, partition: batch.partition, offset: Number(message.offset), key: message.key, value: message.value, timestamp: Number(message.timestamp) });
        }
      },
    });
  }

  private finish(error?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (error === undefined) this.settle.resolve();
    else this.settle.reject(error);
  }
}
