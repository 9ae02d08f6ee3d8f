import type { LogRecord } from '../contract.js';

/** When a compacted partition is cleaned: how many superseded records it may carry first. */
export interface CompactionPolicy {
  /**
   * Superseded records a partition must hold before it is compacted, on top of the rule
   * that they outnumber the live ones. Keeps tiny partitions (tests, a fresh changelog)
   * from being copied over and over for a handful of records.
   */
  readonly minDeadRecords: number;
}

export const DEFAULT_COMPACTION_POLICY: CompactionPolicy = { minDeadRecords: 1_000 };

/**
 * One partition of the in-process log: records in offset order, and the next offset.
 *
 * A compacted partition behaves like Kafka's log compaction: once a key has a newer
 * record, the older one is dead and is dropped at the next compaction. Offsets are
 * never reassigned, so compaction leaves gaps, and a reader at any offset (even one in
 * a gap) continues at the first kept record at or after it. The newest record of every
 * key is kept, tombstones included (like Kafka with an unbounded delete.retention.ms):
 * a reader that saw a key's old value must still be able to see its deletion, and the
 * stores only delete from a bounded key space, so the tombstones cannot pile up.
 * Records without a key are never superseded.
 */
export class MemoryPartition {
  private records: LogRecord[] = [];
  private nextOffset = 0;
  /** Compacted partitions only: the offset of each key's newest record. */
  private readonly latestOffsetByKey: Map<string, number> | undefined;
  /** Superseded records still held. */
  private deadRecords = 0;
  /** Superseded records the last compaction had to keep because a follower had not read them yet. */
  private deadKeptByLastCompaction = 0;

  /**
   * `cleanableBelow` gives the offset below which records may be dropped: the position of
   * the slowest live follower. Like Kafka, which never cleans the active segment, a
   * reader that keeps up sees every record, not just the newest per key (a global
   * table counting what it applied relies on that).
   */
  constructor(
    compacted: boolean,
    private readonly policy: CompactionPolicy = DEFAULT_COMPACTION_POLICY,
    private readonly cleanableBelow: () => number = () => Number.POSITIVE_INFINITY,
  ) {
    this.latestOffsetByKey = compacted ? new Map() : undefined;
  }

  /** The offset the next record will get (Kafka's log end offset). */
  get endOffset(): number {
    return this.nextOffset;
  }

  /** Records currently held, live and not yet compacted away. */
  get storedRecords(): number {
    return this.records.length;
  }

  /** Appends one record, giving it the next offset; may compact afterwards. */
  append(make: (offset: number) => LogRecord): LogRecord {
    const record = make(this.nextOffset++);
    this.records.push(record);
    if (this.latestOffsetByKey && record.key !== null) {
      const identity = keyIdentity(record.key);
      if (this.latestOffsetByKey.has(identity)) this.deadRecords++;
      this.latestOffsetByKey.set(identity, record.offset);
      if (this.worthCompacting()) this.compact();
    }
    return record;
  }

  /** Up to `max` records with offsets at or after `offset`, in offset order. */
  read(offset: number, max: number): LogRecord[] {
    const start = this.indexOfFirstAtOrAfter(offset);
    return this.records.slice(start, start + Math.max(0, max));
  }

  /**
   * Drops every record superseded by a newer one of its key. Linear in the records held;
   * called only once the dead ones are the majority, so each record's removal is paid
   * for once and appends stay amortized constant time.
   */
  compact(): void {
    const latest = this.latestOffsetByKey;
    if (!latest || this.deadRecords === 0) return;
    const horizon = this.cleanableBelow();
    let deadKept = 0;
    this.records = this.records.filter((record) => {
      if (record.key === null || latest.get(keyIdentity(record.key)) === record.offset) return true;
      if (record.offset < horizon) return false;
      deadKept++;
      return true;
    });
    this.deadRecords = deadKept;
    this.deadKeptByLastCompaction = deadKept;
  }

  private worthCompacting(): boolean {
    // Only records superseded since the last compaction count: those it had to keep for a
    // lagging follower must not make every following append compact again.
    const newlyDead = this.deadRecords - this.deadKeptByLastCompaction;
    return newlyDead >= this.policy.minDeadRecords && newlyDead * 2 > this.records.length;
  }

  private indexOfFirstAtOrAfter(offset: number): number {
    // Never compacted (or nothing dropped yet): offsets are the array indices.
    if (this.records.length === this.nextOffset) return Math.min(Math.max(0, offset), this.records.length);
    let low = 0;
    let high = this.records.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.records[middle]!.offset < offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** A key's bytes as a map key: latin1 maps each byte to one char, so distinct keys stay distinct. */
function keyIdentity(key: Buffer): string {
  return key.toString('latin1');
}
