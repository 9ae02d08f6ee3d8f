import type { LogRecord, OutboundRecord, TopicSpec } from '../contract.js';
import { partitionForKey } from '../partitioner.js';
import { type CompactionPolicy, DEFAULT_COMPACTION_POLICY, MemoryPartition } from './memory-partition.js';

interface MemoryTopic {
  readonly spec: TopicSpec;
  readonly partitions: MemoryPartition[];
  /** Live followers' next offsets, one per partition: compaction keeps what they have not read. */
  readonly followerPositions: Set<readonly number[]>;
}

/**
 * An in-process partitioned log: topics of partitions of offset-ordered records, and
 * committed offsets per consumer group. Everything is synchronous, so a batch of
 * appends plus an offset commit is atomic by construction. Topics created as compacted
 * keep only the newest record per key, as Kafka's log compaction does (see
 * MemoryPartition), so changelogs and the item catalog stay the size of their state.
 */
export class MemoryLog {
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly committed = new Map<string, Map<number, number>>();
  private waiters: Array<() => void> = [];

  constructor(private readonly compactionPolicy: CompactionPolicy = DEFAULT_COMPACTION_POLICY) {}

  ensureTopic(spec: TopicSpec): void {
    if (this.topics.has(spec.name)) return;
    const compacted = spec.compacted === true;
    const followerPositions = new Set<readonly number[]>();
    const slowestFollower = (partition: number) => (): number => Math.min(...[...followerPositions].map((positions) => positions[partition] ?? 0));
    const partitions = Array.from({ length: spec.partitions }, (_, p) => new MemoryPartition(compacted, this.compactionPolicy, slowestFollower(p)));
    this.topics.set(spec.name, { spec, partitions, followerPositions });
  }

  /**
   * Registers a follower's positions (read live, one next offset per partition), so
   * compaction leaves it every record it has not read yet. Returns the unregistration.
   */
  trackFollower(name: string, positions: readonly number[]): () => void {
    const followers = this.topic(name).followerPositions;
    followers.add(positions);
    return () => followers.delete(positions);
  }

  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  partitionCount(name: string): number {
    return this.topic(name).partitions.length;
  }

  endOffset(name: string, partition: number): number {
    return this.partition(name, partition).endOffset;
  }

  /**
   * At most `max` records with offsets from `offset` on. On a compacted topic offsets may
   * have gaps: continue after the last record returned, not at `offset + length`.
   */
  read(name: string, partition: number, offset: number, max: number): LogRecord[] {
    return this.partition(name, partition).read(offset, max);
  }

  /** Compacts every partition of a compacted topic now (it also happens by itself as dead records pile up). */
  compact(name: string): void {
    for (const partition of this.topic(name).partitions) partition.compact();
  }

  /** Records a partition holds right now (for tests and diagnostics: compaction shrinks it). */
  storedRecords(name: string, partition: number): number {
    return this.partition(name, partition).storedRecords;
  }

  append(records: readonly OutboundRecord[], now: number = Date.now()): void {
    for (const record of records) {
      const topic = this.topic(record.topic);
      const partition = record.partition ?? partitionForKey(record.topic, record.key, topic.partitions.length);
      const log = topic.partitions[partition];
      if (!log) throw new Error(`lifelong: topic ${record.topic} has no partition ${partition}`);
      log.append((offset) => ({ topic: record.topic, partition, offset, key: record.key, value: record.value, timestamp: now }));
    }
    if (records.length > 0) this.wakeAll();
  }

  commitOffset(groupId: string, topic: string, partition: number, nextOffset: number): void {
    const key = `${groupId}\u0000${topic}`;
    let offsets = this.committed.get(key);
    if (!offsets) this.committed.set(key, (offsets = new Map()));
    offsets.set(partition, nextOffset);
  }

  committedOffsets(groupId: string, topic: string): Map<number, number> {
    return new Map(this.committed.get(`${groupId}\u0000${topic}`) ?? []);
  }

  /** Resolves on the next append (or a wake-up from a stopping consumer). */
  nextAppend(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private topic(name: string): MemoryTopic {
    const topic = this.topics.get(name);
    if (!topic) throw new Error(`lifelong: unknown topic ${name} (create it first)`);
    return topic;
  }

  private partition(name: string, partition: number): MemoryPartition {
    const log = this.topic(name).partitions[partition];
    if (!log) throw new Error(`lifelong: topic ${name} has no partition ${partition}`);
    return log;
  }
}
