import type { LogRecord, OutboundRecord, TopicSpec } from '../contract.js';
import { partitionForKey } from '../partitioner.js';

interface MemoryTopic {
  readonly spec: TopicSpec;
  readonly partitions: LogRecord[][];
}

/**
 * An in-process partitioned log: topics of partitions of offset-ordered records, and
 * committed offsets per consumer group. Everything is synchronous, so a batch of
 * appends plus an offset commit is atomic by construction.
 */
export class MemoryLog {
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly committed = new Map<string, Map<number, number>>();
  private waiters: Array<() => void> = [];

  ensureTopic(spec: TopicSpec): void {
    if (this.topics.has(spec.name)) return;
    this.topics.set(spec.name, { spec, partitions: Array.from({ length: spec.partitions }, () => []) });
  }

  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  partitionCount(name: string): number {
    return this.topic(name).partitions.length;
  }

  endOffset(name: string, partition: number): number {
    return this.partition(name, partition).length;
  }

  /** Records from `offset`, at most `max` of them. */
  read(name: string, partition: number, offset: number, max: number): LogRecord[] {
    return this.partition(name, partition).slice(offset, offset + max);
  }

  append(records: readonly OutboundRecord[], now: number = Date.now()): void {
    for (const record of records) {
      const topic = this.topic(record.topic);
      const partition = record.partition ?? partitionForKey(record.topic, record.key, topic.partitions.length);
      const log = topic.partitions[partition];
      if (!log) throw new Error(`lifelong: topic ${record.topic} has no partition ${partition}`);
      log.push({ topic: record.topic, partition, offset: log.length, key: record.key, value: record.value, timestamp: now });
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

  private partition(name: string, partition: number): LogRecord[] {
    const log = this.topic(name).partitions[partition];
    if (!log) throw new Error(`lifelong: topic ${name} has no partition ${partition}`);
    return log;
  }
}
