/**
 * The one contract both transports implement: Apache Kafka through kafkajs, and an
 * in-process partitioned log (the embedded mode and fast tests). The runtime only
 * sees these interfaces.
 */

/** A record as stored in a partition. Offsets are safe integers. */
export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Append time (or producer-supplied time), epoch milliseconds. */
  readonly timestamp: number;
}

/** A record to append. Without a partition, the transport partitions by key. */
export interface OutboundRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly partition?: number;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Compacted topics keep the last value per key (changelogs, the item table). */
  readonly compacted?: boolean;
}

/** Records of one partition handed to the runtime together, in offset order. */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly LogRecord[];
  /** Offset after the last record of the log when the batch was fetched (for lag). */
  readonly highWatermark: number;
  /** Keeps group membership alive during long work; may throw if the group is rebalancing. */
  heartbeat(): Promise<void>;
}

/**
 * What one partition's processed batch commits, all or nothing: output records
 * (changelogs, dead letters, results) and the input position after the batch.
 */
export interface AtomicCommit {
  readonly outputs: readonly OutboundRecord[];
  readonly consumed: { readonly topic: string; readonly partition: number; readonly nextOffset: number };
}

export interface GroupHandlers {
  /**
   * Called with the partitions this member now owns, before any of their batches.
   * Partitions it owned before and lost are in `revoked`.
   */
  onAssignment(assigned: readonly number[], revoked: readonly number[]): Promise<void>;
  /** One partition's batch; batches of a partition arrive one at a time, in order. */
  onBatch(batch: PartitionBatch): Promise<void>;
}

/** A member of a consumer group reading one topic. */
export interface GroupConsumer {
  run(handlers: GroupHandlers): Promise<void>;
  /** Commits one partition's outputs and input position atomically (a transaction on Kafka). */
  commit(partition: number, unit: AtomicCommit): Promise<void>;
  /** Stops fetching, waits for the batch in progress, leaves the group. */
  stop(): Promise<void>;
}

export interface ReadToEndOptions {
  readonly topic: string;
  /** Partitions to read; all of the topic's when absent. */
  readonly partitions?: readonly number[];
  readonly onRecord: (record: LogRecord) => void;
  /** Told as each partition is read to its end offset (for restore progress). */
  readonly onPartitionDone?: (partition: number, records: number) => void;
}

export interface FollowOptions {
  readonly topic: string;
  /** Every record of every partition, from the start, in offset order per partition. */
  readonly onRecord: (record: LogRecord) => void;
}

/** A live reader of a whole topic (the global tables): read to the end, then kept up to date. */
export interface TopicFollower {
  /** Resolves once every partition is read to the end offsets seen when following began. */
  readonly caughtUp: Promise<void>;
  /** Stops reading; no record is delivered once it resolves. */
  stop(): Promise<void>;
}

export interface Transport {
  readonly kind: 'kafka' | 'memory';
  /** Creates missing topics; existing ones are left as they are. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** Whether the topic exists, answered at once (no waiting for a topic that may yet appear). */
  hasTopic(topic: string): Promise<boolean>;
  partitionCount(topic: string): Promise<number>;
  /** Committed, readable end offsets per partition. */
  endOffsets(topic: string): Promise<Map<number, number>>;
  /** Offsets committed by a group, per partition (absent: nothing committed). */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, number>>;
  groupConsumer(options: { groupId: string; topic: string; concurrency: number; maxBatchRecords: number }): GroupConsumer;
  /** Reads partitions from their start to the end offsets seen when the call began. */
  readToEnd(options: ReadToEndOptions): Promise<void>;
  /** Reads a whole topic from its start and keeps following it until stopped (no group offsets kept). */
  follow(options: FollowOptions): TopicFollower;
  /** Plain (non-transactional) appends, for generators and tests; resolves once durable. */
  produce(records: readonly OutboundRecord[]): Promise<void>;
  close(): Promise<void>;
}
