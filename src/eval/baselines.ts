import { isPositive } from './replay-plan.js';
import type { Interaction } from './interaction-log.js';

/**
 * The simple baselines a replay compares the topologies with, fed the same interactions
 * in the same order and asked at the same request points: what is popular so far, and
 * the newest-engaged authors' other items. Neither recommends an item the user already
 * interacted with.
 */
export class ReplayBaselines {
  /** Positive interactions so far per item, and items by that count (buckets, so an update is O(1)). */
  private readonly counts = new Map<string, number>();
  private readonly byCount: Array<Set<string>> = [];
  private readonly seenByUser = new Map<string, Set<string>>();
  /** Per user, authors by the time of their latest positive interaction, newest last. */
  private readonly recentAuthors = new Map<string, string[]>();
  private readonly itemsByAuthor = new Map<string, Set<string>>();

  constructor(
    private readonly positiveAt: number,
    /** How many of the user's most recent authors the author baseline draws from. */
    private readonly authorsConsidered = 5,
  ) {}

  observe(interaction: Interaction): void {
    let seen = this.seenByUser.get(interaction.user);
    if (!seen) this.seenByUser.set(interaction.user, (seen = new Set()));
    seen.add(interaction.item);
    if (interaction.author !== null) {
      let items = this.itemsByAuthor.get(interaction.author);
      if (!items) this.itemsByAuthor.set(interaction.author, (items = new Set()));
      items.add(interaction.item);
    }
    if (!isPositive(interaction, this.positiveAt)) return;
    const before = this.counts.get(interaction.item) ?? 0;
    this.byCount[before]?.delete(interaction.item);
    this.counts.set(interaction.item, before + 1);
    (this.byCount[before + 1] ??= new Set()).add(interaction.item);
    if (interaction.author !== null) {
      const authors = (this.recentAuthors.get(interaction.user) ?? []).filter((a) => a !== interaction.author);
      authors.push(interaction.author);
      this.recentAuthors.set(interaction.user, authors.slice(-this.authorsConsidered));
    }
  }

  /** The k most popular items so far that the user has not interacted with (ties: first to reach the count first). */
  popular(user: string, k: number): string[] {
    const seen = this.seenByUser.get(user);
    const out: string[] = [];
    for (let count = this.byCount.length - 1; count >= 1 && out.length < k; count--) {
      for (const item of this.byCount[count] ?? []) {
        if (seen?.has(item)) continue;
        out.push(item);
        if (out.length === k) break;
      }
    }
    return out;
  }

  /** Items of the user's most recently engaged authors (newest author first, each author's items by popularity), filled up with popular items. */
  recentAuthor(user: string, k: number): string[] {
    const seen = this.seenByUser.get(user);
    const out: string[] = [];
    const authors = this.recentAuthors.get(user) ?? [];
    for (let i = authors.length - 1; i >= 0 && out.length < k; i--) {
      const items = [...(this.itemsByAuthor.get(authors[i]!) ?? [])].filter((item) => !seen?.has(item) && !out.includes(item));
      items.sort((a, b) => (this.counts.get(b) ?? 0) - (this.counts.get(a) ?? 0));
      out.push(...items.slice(0, k - out.length));
    }
    if (out.length < k) for (const item of this.popular(user, k + out.length)) if (out.length < k && !out.includes(item)) out.push(item);
    return out;
  }
}
