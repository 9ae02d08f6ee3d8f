import type { GlobalIndex } from '../../src/index.js';
import type { CatalogItem } from './item-catalog.js';
import { NewestList } from './newest-list.js';

/**
 * The newest items per value of one field (per author, per category), at most
 * `capacity` each: where recommend finds new items from the authors a user values and
 * fills the categories its planner chose. Memory: keys · capacity ids.
 */
export class KeyedNewestIndex implements GlobalIndex<CatalogItem> {
  private readonly lists = new Map<string, NewestList>();
  private sortedGroups: readonly string[] | undefined;

  constructor(
    private readonly keyOf: (item: CatalogItem) => string,
    readonly capacity: number,
  ) {}

  put(key: string, value: CatalogItem, previous: CatalogItem | undefined): void {
    if (previous) this.remove(key, previous);
    const group = this.keyOf(value);
    let list = this.lists.get(group);
    if (!list) {
      this.lists.set(group, (list = new NewestList(this.capacity)));
      this.sortedGroups = undefined;
    }
    list.insert(key, value.createdAt);
  }

  remove(key: string, previous: CatalogItem): void {
    const group = this.keyOf(previous);
    const list = this.lists.get(group);
    if (!list) return;
    list.remove(key);
    if (list.size === 0) {
      this.lists.delete(group);
      this.sortedGroups = undefined;
    }
  }

  /** Item ids of one group, newest first (a live view: do not modify). */
  newest(group: string): readonly string[] {
    return this.lists.get(group)?.newest ?? [];
  }

  /** The groups that hold at least one item, sorted (kept until a group appears or empties). */
  groups(): readonly string[] {
    return (this.sortedGroups ??= [...this.lists.keys()].sort());
  }
}
