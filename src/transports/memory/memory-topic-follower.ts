import type { FollowOptions, TopicFollower } from '../contract.js';
import type { MemoryLog } from './memory-log.js';

/** Records handed over per partition per turn, so one huge partition does not starve the event loop. */
const CHUNK = 10_000;

/**
 * Follows a topic of the in-process log. What is already in the log is delivered
 * synchronously by the constructor (so `caughtUp` is already settled); later appends
 * are delivered as the log announces them.
 */
export class MemoryTopicFollower implements TopicFollower {
  readonly caughtUp: Promise<void>;
  private readonly positions: number[];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly log: MemoryLog,
    private readonly options: FollowOptions,
  ) {
    this.positions = Array.from({ length: log.partitionCount(options.topic) }, () => 0);
    const untrack = log.trackFollower(options.topic, this.positions);
    const ends = this.positions.map((_, p) => log.endOffset(options.topic, p));
    try {
      this.positions.forEach((_, p) => this.drain(p, ends[p]!));
      this.caughtUp = Promise.resolve();
    } catch (error) {
      this.caughtUp = Promise.reject(error);
      this.stopped = true;
    }
    // Once the loop ends (stopped, or failed) nothing is read any more: stop holding back compaction.
    this.loop = this.follow().finally(untrack);
    this.loop.catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.log.wakeAll();
    await this.loop.catch(() => {});
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      await this.log.nextAppend();
      for (let p = 0; p < this.positions.length && !this.stopped; p++) this.drain(p, this.log.endOffset(this.options.topic, p));
    }
  }

  private drain(partition: number, end: number): void {
    while (!this.stopped && this.positions[partition]! < end) {
      const records = this.log.read(this.options.topic, partition, this.positions[partition]!, Math.min(CHUNK, end - this.positions[partition]!));
      for (const record of records) this.options.onRecord(record);
      // A compacted topic has gaps in its offsets, so continue after the last record
      // delivered; nothing at all from here on means the rest was compacted away.
      const last = records[records.length - 1];
      this.positions[partition] = last ? last.offset + 1 : end;
    }
  }
}
