/**
 * Item ids ordered newest first (by createdAt, then id), at most `capacity` of them: the
 * building block of the catalog's inverted indexes. An id pushed out by newer ones does
 * not come back when those are removed; the indexes favour recent items.
 */
export class NewestList {
  private readonly ids: string[] = [];
  private readonly times: number[] = [];

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.ids.length;
  }

  /** The ids, newest first (a live view: do not modify). */
  get newest(): readonly string[] {
    return this.ids;
  }

  insert(id: string, createdAt: number): void {
    const { ids, times } = this;
    // Binary search for the first entry that sorts after (createdAt desc, id asc).
    let low = 0;
    let high = ids.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const before = times[mid]! > createdAt || (times[mid] === createdAt && ids[mid]! < id);
      if (before) low = mid + 1;
      else high = mid;
    }
    if (low >= this.capacity) return;
    ids.splice(low, 0, id);
    times.splice(low, 0, createdAt);
    if (ids.length > this.capacity) {
      ids.length = this.capacity;
      times.length = this.capacity;
    }
  }

  remove(id: string): void {
    const at = this.ids.indexOf(id);
    if (at < 0) return;
    this.ids.splice(at, 1);
    this.times.splice(at, 1);
  }
}
