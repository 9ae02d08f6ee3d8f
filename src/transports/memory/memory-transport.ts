import type { AtomicCommit, FollowOptions, GroupConsumer, GroupHandlers, OutboundRecord, ReadToEndOptions, TopicFollower, TopicSpec, Transport } from '../contract.js';
import { MemoryLog } from './memory-log.js';
import { MemoryTopicFollower } from './memory-topic-follower.js';

interface GroupMember {
  readonly consumer: MemoryGroupConsumer;
}

/**
 * The embedded transport. Consumer groups are real groups: members of one group split
 * the partitions between them (round robin) and are rebalanced as members join or leave.
 */
export class MemoryTransport implements Transport {
  readonly kind = 'memory' as const;
  private readonly groups = new Map<string, GroupMember[]>();

  constructor(readonly log: MemoryLog = new MemoryLog()) {}

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of specs) this.log.ensureTopic(spec);
  }

  async hasTopic(topic: string): Promise<boolean> {
    return this.log.hasTopic(topic);
  }

  async partitionCount(topic: string): Promise<number> {
    return this.log.partitionCount(topic);
  }

  async endOffsets(topic: string): Promise<Map<number, number>> {
    const ends = new Map<number, number>();
    for (let p = 0; p < this.log.partitionCount(topic); p++) ends.set(p, this.log.endOffset(topic, p));
    return ends;
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    return this.log.committedOffsets(groupId, topic);
  }

  groupConsumer(options: { groupId: string; topic: string; concurrency: number; maxBatchRecords: number }): GroupConsumer {
    return new MemoryGroupConsumer(this, options.groupId, options.topic, options.maxBatchRecords);
  }

  async readToEnd(options: ReadToEndOptions): Promise<void> {
    if (!this.log.hasTopic(options.topic)) return;
    const partitions = options.partitions ?? [...(await this.endOffsets(options.topic)).keys()];
    for (const partition of partitions) {
      const records = this.log.read(options.topic, partition, 0, this.log.endOffset(options.topic, partition));
      for (const record of records) options.onRecord(record);
      options.onPartitionDone?.(partition, records.length);
    }
  }

  follow(options: FollowOptions): TopicFollower {
    return new MemoryTopicFollower(this.log, options);
  }

  async produce(records: readonly OutboundRecord[]): Promise<void> {
    this.log.append(records);
  }

  async close(): Promise<void> {
    this.log.wakeAll();
  }

  /** @internal Members call this to join and leave; every member is then reassigned. */
  join(groupId: string, consumer: MemoryGroupConsumer): void {
    const members = this.groups.get(groupId) ?? [];
    members.push({ consumer });
    this.groups.set(groupId, members);
    this.rebalance(groupId);
  }

  /** @internal */
  leave(groupId: string, consumer: MemoryGroupConsumer): void {
    const members = (this.groups.get(groupId) ?? []).filter((m) => m.consumer !== consumer);
    this.groups.set(groupId, members);
    this.rebalance(groupId);
  }

  private rebalance(groupId: string): void {
    const members = this.groups.get(groupId) ?? [];
    if (members.length === 0) return;
    const topic = members[0]!.consumer.topic;
    const count = this.log.partitionCount(topic);
    members.forEach((member, index) => {
      const owned: number[] = [];
      for (let p = index; p < count; p += members.length) owned.push(p);
      member.consumer.assign(owned);
    });
  }
}

/**
 * One member of a memory consumer group. Each owned partition has its own loop, so
 * partitions progress concurrently while each one's batches are strictly sequential.
 */
class MemoryGroupConsumer implements GroupConsumer {
  private handlers: GroupHandlers | undefined;
  private owned = new Set<number>();
  private readonly positions = new Map<number, number>();
  private readonly loops = new Map<number, Promise<void>>();
  private assignment: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    private readonly transport: MemoryTransport,
    private readonly groupId: string,
    readonly topic: string,
    private readonly maxBatchRecords: number,
  ) {}

  async run(handlers: GroupHandlers): Promise<void> {
    this.handlers = handlers;
    this.transport.join(this.groupId, this);
    await this.assignment;
  }

  /** @internal Called by the transport on every rebalance of the group. */
  assign(partitions: readonly number[]): void {
    const next = new Set(partitions);
    const revoked = [...this.owned].filter((p) => !next.has(p));
    const added = partitions.filter((p) => !this.owned.has(p));
    this.owned = next;
    // Idle loops of revoked partitions wait for an append; wake them so they see the
    // revocation and end, or onAssignment would not be called until the next append.
    if (revoked.length > 0) this.transport.log.wakeAll();
    const handlers = this.handlers;
    if (!handlers) return;
    this.assignment = this.assignment.then(async () => {
      // Like Kafka: a revoked partition's in-flight batch finishes before it moves.
      await Promise.all(revoked.map((p) => this.loops.get(p)));
      const committed = this.transport.log.committedOffsets(this.groupId, this.topic);
      for (const p of added) this.positions.set(p, committed.get(p) ?? 0);
      await handlers.onAssignment(partitions, revoked);
      for (const p of added) this.loops.set(p, this.loop(p, handlers));
    });
  }

  async commit(partition: number, unit: AtomicCommit): Promise<void> {
    if (!this.owned.has(partition)) throw new Error(`lifelong: partition ${partition} is no longer owned by this member`);
    const log = this.transport.log;
    log.append(unit.outputs);
    log.commitOffset(this.groupId, unit.consumed.topic, unit.consumed.partition, unit.consumed.nextOffset);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.transport.log.wakeAll();
    await this.assignment;
    await Promise.all(this.loops.values());
    this.transport.leave(this.groupId, this);
  }

  private async loop(partition: number, handlers: GroupHandlers): Promise<void> {
    const log = this.transport.log;
    while (!this.stopping && this.owned.has(partition)) {
      const position = this.positions.get(partition) ?? 0;
      const records = log.read(this.topic, partition, position, this.maxBatchRecords);
      if (records.length === 0) {
        await log.nextAppend();
        continue;
      }
      try {
        await handlers.onBatch({
          topic: this.topic,
          partition,
          records,
          highWatermark: log.endOffset(this.topic, partition),
          heartbeat: async () => {},
        });
        this.positions.set(partition, records[records.length - 1]!.offset + 1);
      } catch {
        // The runtime has already logged and reset its state for this partition; like
        // Kafka, start again from the last committed position.
        this.positions.set(partition, log.committedOffsets(this.groupId, this.topic).get(partition) ?? 0);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
}
