import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import type { Logger } from '../../observability/logger.js';
import type { OutboundRecord, ReadToEndOptions, TopicSpec, Transport, GroupConsumer, FollowOptions, TopicFollower } from '../contract.js';
import { KafkaGroupConsumer } from './kafka-group-consumer.js';
import { KafkaTopicFollower } from './kafka-topic-follower.js';
import { kafkaLogCreator } from './kafka-logging.js';
import { retry } from '../../runtime/retry.js';

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl: boolean;
  /** PEM file of the CA for TLS; the system CAs when absent. */
  readonly sslCaFile?: string;
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
  readonly sessionTimeoutMs: number;
  readonly transactionTimeoutMs: number;
  readonly connectionTimeoutMs: number;
}

/** Apache Kafka through kafkajs. */
export class KafkaTransport implements Transport {
  readonly kind = 'kafka' as const;
  readonly kafka: kafkajs.Kafka;
  private readonly admin: kafkajs.Admin;
  private adminConnected: Promise<void> | undefined;
  private producer: kafkajs.Producer | undefined;
  private readonly consumers = new Set<KafkaGroupConsumer>();
  private readonly followers = new Set<KafkaTopicFollower>();

  constructor(
    readonly settings: KafkaSettings,
    private readonly logger: Logger,
  ) {
    const config: kafkajs.KafkaConfig = {
      clientId: settings.clientId,
      brokers: [...settings.brokers],
      ssl: settings.ssl && settings.sslCaFile ? { ca: [readFileSync(settings.sslCaFile, 'utf8')] } : settings.ssl,
      connectionTimeout: settings.connectionTimeoutMs,
      logCreator: kafkaLogCreator(logger),
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 5_000 },
    };
    if (settings.sasl) config.sasl = { ...settings.sasl } as kafkajs.SASLOptions;
    this.kafka = new kafkajs.Kafka(config);
    this.admin = this.kafka.admin();
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    const admin = await this.connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor: -1,
        configEntries: s.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
      })),
    });
    this.logger.info({ topics: missing.map((s) => s.name) }, 'created topics');
  }

  async hasTopic(topic: string): Promise<boolean> {
    const admin = await this.connectedAdmin();
    return (await retryingAdmin(() => admin.listTopics())).includes(topic);
  }

  async partitionCount(topic: string): Promise<number> {
    const admin = await this.connectedAdmin();
    const metadata = await retryingAdmin(() => admin.fetchTopicMetadata({ topics: [topic] }));
    const found = metadata.topics[0];
    if (!found) throw new Error(`lifelong: topic ${topic} not found`);
    return found.partitions.length;
  }

  async endOffsets(topic: string): Promise<Map<number, number>> {
    const admin = await this.connectedAdmin();
    const offsets = await retryingAdmin(() => admin.fetchTopicOffsets(topic));
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    const admin = await this.connectedAdmin();
    const [result] = await retryingAdmin(() => admin.fetchOffsets({ groupId, topics: [topic] }));
    const committed = new Map<number, number>();
    for (const p of result?.partitions ?? []) if (Number(p.offset) >= 0) committed.set(p.partition, Number(p.offset));
    return committed;
  }

  groupConsumer(options: { groupId: string; topic: string; concurrency: number; maxBatchRecords: number }): GroupConsumer {
    const consumer = new KafkaGroupConsumer(this.kafka, { ...options, sessionTimeoutMs: this.settings.sessionTimeoutMs, transactionTimeoutMs: this.settings.transactionTimeoutMs }, this.logger);
    this.consumers.add(consumer);
    return consumer;
  }

  /**
   * Reads partitions to the end offsets seen at the start, with a throwaway consumer
   * group (kafkajs has no manual assignment). Progress is tracked from batch events as
   * well as records, because a transactional log ends in control records that are
   * never delivered as messages.
   */
  async readToEnd(options: ReadToEndOptions): Promise<void> {
    const admin = await this.connectedAdmin();
    const offsets = await retryingAdmin(() => admin.fetchTopicOffsets(options.topic));
    const wanted = new Set(options.partitions ?? offsets.map((o) => o.partition));
    const remaining = new Map<number, number>();
    const counts = new Map<number, number>();
    for (const o of offsets) {
      if (!wanted.has(o.partition)) continue;
      counts.set(o.partition, 0);
      if (Number(o.high) > Number(o.low)) remaining.set(o.partition, Number(o.high) - 1);
      else options.onPartitionDone?.(o.partition, 0);
    }
    if (remaining.size === 0) return;

    const groupId = `${this.settings.clientId}-read-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, sessionTimeout: this.settings.sessionTimeoutMs, maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: IDLE_FETCH_WAIT_MS });
    let finish!: () => void;
    let fail!: (error: unknown) => void;
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const progress = (partition: number, lastOffset: number): void => {
      const target = remaining.get(partition);
      if (target === undefined || lastOffset < target) return;
      remaining.delete(partition);
      options.onPartitionDone?.(partition, counts.get(partition) ?? 0);
      if (remaining.size === 0) finish();
    };
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => progress(event.payload.partition, Number(event.payload.lastOffset)));
    // kafkajs reports every crash, also those it recovers from by restarting the consumer.
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) fail(event.payload.error);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (!remaining.has(batch.partition)) return;
          for (const message of batch.messages) {
            options.onRecord({ topic: batch.topic, partition: batch.partition, offset: Number(message.offset), key: message.key, value: message.value, timestamp: Number(message.timestamp) });
          }
          counts.set(batch.partition, (counts.get(batch.partition) ?? 0) + batch.messages.length);
        },
      });
      const unwanted = offsets.map((o) => o.partition).filter((p) => !remaining.has(p));
      if (unwanted.length > 0) consumer.pause([{ topic: options.topic, partitions: unwanted }]);
      await finished;
    } finally {
      await consumer.disconnect().catch(() => {});
      await admin.deleteGroups([groupId]).catch(() => {});
    }
  }

  follow(options: FollowOptions): TopicFollower {
    const follower = new KafkaTopicFollower(this.kafka, () => this.connectedAdmin(), this.settings, this.logger, options);
    this.followers.add(follower);
    return follower;
  }

  async produce(records: readonly OutboundRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (!this.producer) {
      this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
      await this.producer.connect();
    }
    await this.producer.sendBatch({ topicMessages: toTopicMessages(records), acks: -1 });
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await Promise.all([...this.followers].map((f) => f.stop()));
    await this.producer?.disconnect();
    if (this.adminConnected) await this.admin.disconnect();
  }

  private async connectedAdmin(): Promise<kafkajs.Admin> {
    this.adminConnected ??= this.admin.connect();
    await this.adminConnected;
    return this.admin;
  }
}

/**
 * How long the broker may hold a fetch that finds nothing new: Kafka's own default
 * (fetch.max.wait.ms), where kafkajs's is 5 s. A consumer that stops waits for its fetch
 * in flight, so this is also what a graceful stop waits per consumer, at most.
 */
export const IDLE_FETCH_WAIT_MS = 500;

const ADMIN_RETRY = { initialDelayMs: 100, maxDelayMs: 2_000, maxAttempts: 30 };

/**
 * Admin calls that a young topic or broker answers with retriable errors
 * (NOT_LEADER right after creation, NOT_COORDINATOR while __consumer_offsets is
 * created), which kafkajs's admin does not always retry itself.
 */
export function retryingAdmin<T>(call: () => Promise<T>): Promise<T> {
  return retry(call, ADMIN_RETRY, { isRetriable: isRetriableKafkaError });
}

function isRetriableKafkaError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/** Groups records by topic for sendBatch, keeping their order. */
export function toTopicMessages(records: readonly OutboundRecord[]): kafkajs.TopicMessages[] {
  const byTopic = new Map<string, kafkajs.Message[]>();
  for (const record of records) {
    let messages = byTopic.get(record.topic);
    if (!messages) byTopic.set(record.topic, (messages = []));
    const message: kafkajs.Message = { key: record.key, value: record.value };
    if (record.partition !== undefined) message.partition = record.partition;
    messages.push(message);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
