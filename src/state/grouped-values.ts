/**
 * The encoded values of a store whose keys come in groups (a user's author pairs), held
 * as one string per group instead of one Map entry per key.
 *
 * A store of small values pays more for holding a key than for its value: in V8 a Map
 * entry, the key's own string and the value string's header come to about 110 bytes,
 * where a compact pair state is 86. Held together, a user's pairs cost one entry and one
 * key, and each pair only its author id and two length prefixes.
 *
 * A group's string is a sequence of records `[member length][member][value length][value]`,
 * lengths as unsigned varints (7 bits per char), the member as its UTF-16 code units and
 * the value as its bytes, one char each (latin1): the string stays one byte per char as
 * long as the ids do. A read scans the group's records (tens, each skipped by its
 * lengths); a write rebuilds the group's string, so writes are staged and applied a
 * group at a time: at the end of a commit's drain or of a restore, before a scan of
 * every key, or when many are staged. Reads see staged writes first.
 */
import { LargeMap } from './large-map.js';

/** Where a key's group ends: the length of the prefix the key shares with its group (0 to key.length). */
export type GroupLength = (key: string) => number;

export class GroupedValues {
  /** Group prefix → its records. */
  private readonly groups = new LargeMap<string, string>();
  /** Keys held as a null marker: put for the first time, their bytes not written yet. */
  private readonly fresh = new Set<string>();
  /**
   * Writes not applied to their groups yet, by whole key (null deletes): a key string
   * keeps its hash, so looking a key up here costs what the store's own maps cost.
   */
  private readonly staged = new Map<string, string | null>();
  private count = 0;
  /** The group read last and its records: a user's pairs are read one after another. */
  private lastGroup = '';
  private lastRecords: string | undefined;

  constructor(
    private readonly groupLength: GroupLength,
    /** Staged writes applied at once beyond this many (bounds what a long restore holds twice). */
    private readonly maxStaged = 65_536,
  ) {}

  get size(): number {
    this.applyStaged();
    return this.count + this.fresh.size;
  }

  /** The key's bytes, null for a fresh key, undefined for a key not held. */
  get(key: string): string | null | undefined {
    // A write staged for the key is its value: reads never apply staged writes (a
    // drain reads between writes, and each apply rewrites whole groups).
    if (this.staged.size > 0) {
      const staged = this.staged.get(key);
      if (staged !== undefined) return staged ?? undefined;
    }
    const at = this.groupLength(key);
    const records = this.recordsOf(key, at);
    const valueAt = records === undefined ? -1 : findValue(records, key, at);
    if (valueAt >= 0) return valueFrom(records!, valueAt);
    // Last: a fresh key is in no group, and the store reads fresh keys from its cache.
    return this.fresh.has(key) ? null : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Holds bytes for the key, or (null) marks a key not held as fresh: its bytes come at the next drain. */
  set(key: string, bytes: string | null): this {
    if (bytes === null) {
      this.fresh.add(key);
      return this;
    }
    if (this.fresh.size > 0) this.fresh.delete(key);
    this.stage(key, bytes);
    return this;
  }

  delete(key: string): boolean {
    if (this.fresh.delete(key)) return true;
    if (this.get(key) === undefined) return false;
    this.stage(key, null);
    return true;
  }

  *entries(): IterableIterator<[string, string | null]> {
    this.applyStaged();
    for (const key of this.fresh) yield [key, null];
    for (const [group, records] of this.groups) {
      for (let at = 0; at < records.length; ) {
        const record = recordAt(records, at);
        yield [group + records.slice(record.memberStart, record.memberEnd), records.slice(record.valueStart, record.end)];
        at = record.end;
      }
    }
  }

  /** Applies every staged write, rebuilding each group written once. */
  applyStaged(): void {
    if (this.staged.size === 0) return;
    const byGroup = new Map<string, Map<string, string | null>>();
    for (const [key, bytes] of this.staged) {
      const at = this.groupLength(key);
      const group = key.slice(0, at);
      let writes = byGroup.get(group);
      if (writes === undefined) byGroup.set(group, (writes = new Map()));
      writes.set(key.slice(at), bytes);
    }
    this.staged.clear();
    this.lastRecords = undefined;
    for (const [group, writes] of byGroup) {
      const { records, held } = rewrite(this.groups.get(group) ?? '', writes);
      this.count += held;
      if (records.length === 0) this.groups.delete(group);
      else this.groups.set(group, records);
    }
  }

  private recordsOf(key: string, at: number): string | undefined {
    const last = this.lastGroup;
    if (this.lastRecords !== undefined && last.length === at && key.startsWith(last)) return this.lastRecords;
    const group = key.slice(0, at);
    const records = this.groups.get(group);
    if (records !== undefined) {
      this.lastGroup = group;
      this.lastRecords = records;
    }
    return records;
  }

  private stage(key: string, bytes: string | null): void {
    this.staged.set(key, bytes);
    if (this.staged.size >= this.maxStaged) this.applyStaged();
  }
}

/** A record's parts, as positions in its group's string. */
interface RecordAt {
  readonly memberStart: number;
  readonly memberEnd: number;
  readonly valueStart: number;
  readonly end: number;
}

function recordAt(records: string, at: number): RecordAt {
  const memberLength = lengthAt(records, at);
  const memberStart = at + lengthChars(memberLength);
  const memberEnd = memberStart + memberLength;
  const valueLength = lengthAt(records, memberEnd);
  const valueStart = memberEnd + lengthChars(valueLength);
  return { memberStart, memberEnd, valueStart, end: valueStart + valueLength };
}

/**
 * Where the value length of `key`'s member (the key from `at` on) starts, or -1. The
 * read path: members are compared in place and nothing is allocated per record skipped.
 */
function findValue(records: string, key: string, at: number): number {
  const wanted = key.length - at;
  for (let i = 0; i < records.length; ) {
    const memberLength = lengthAt(records, i);
    const memberStart = i + lengthChars(memberLength);
    const memberEnd = memberStart + memberLength;
    if (memberLength === wanted && sameChars(records, memberStart, key, at, wanted)) return memberEnd;
    const valueLength = lengthAt(records, memberEnd);
    i = memberEnd + lengthChars(valueLength) + valueLength;
  }
  return -1;
}

function valueFrom(records: string, valueAt: number): string {
  const length = lengthAt(records, valueAt);
  const start = valueAt + lengthChars(length);
  return records.slice(start, start + length);
}

function sameChars(a: string, aStart: number, b: string, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a.charCodeAt(aStart + i) !== b.charCodeAt(bStart + i)) return false;
  return true;
}

/**
 * The group's records with the writes applied: records written keep their place, new
 * members go at the end. `held` is the change in the number of members held.
 */
function rewrite(before: string, writes: Map<string, string | null>): { records: string; held: number } {
  const pending = [...writes];
  const pieces: string[] = [];
  let held = 0;
  let kept = 0;
  for (let at = 0; at < before.length && pending.length > 0; ) {
    const record = recordAt(before, at);
    const written = writtenMember(pending, before, record);
    if (written >= 0) {
      const [member, bytes] = pending[written]!;
      pieces.push(before.slice(kept, at));
      if (bytes === null) held--;
      else pieces.push(encodeRecord(member, bytes));
      pending.splice(written, 1);
      kept = record.end;
    }
    at = record.end;
  }
  pieces.push(before.slice(kept));
  for (const [member, bytes] of pending) {
    if (bytes === null) continue;
    pieces.push(encodeRecord(member, bytes));
    held++;
  }
  // join copies the pieces into one flat string: slices of `before` do not keep it alive.
  return { records: pieces.join(''), held };
}

/**
 * Which of the writes is the record's member (-1: none), compared in place. A commit
 * writes a few of a group's members, so a scan of the few beats slicing every member
 * to look it up.
 */
function writtenMember(pending: ReadonlyArray<readonly [string, string | null]>, records: string, record: RecordAt): number {
  const length = record.memberEnd - record.memberStart;
  for (let i = 0; i < pending.length; i++) {
    const member = pending[i]![0];
    if (member.length === length && sameChars(records, record.memberStart, member, 0, length)) return i;
  }
  return -1;
}

function encodeRecord(member: string, bytes: string): string {
  return encodeLength(member.length) + member + encodeLength(bytes.length) + bytes;
}

/** An unsigned varint, 7 bits per char, least significant first. */
function encodeLength(length: number): string {
  let chars = '';
  while (length >= 0x80) {
    chars += String.fromCharCode((length & 0x7f) | 0x80);
    length = Math.floor(length / 0x80);
  }
  return chars + String.fromCharCode(length);
}

/** Chars of a length's varint (the encoding is minimal, so its value tells). */
function lengthChars(length: number): number {
  let chars = 1;
  while (length >= 0x80) {
    length = Math.floor(length / 0x80);
    chars++;
  }
  return chars;
}

function lengthAt(records: string, at: number): number {
  let c = records.charCodeAt(at);
  if (c < 0x80) return c;
  let length = 0;
  let scale = 1;
  while (c >= 0x80) {
    length += (c & 0x7f) * scale;
    scale *= 0x80;
    c = records.charCodeAt(++at);
  }
  return length + c * scale;
}
