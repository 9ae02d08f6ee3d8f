import type { Item } from '../serde/records.js';
import type { SimulationParameters } from './parameters.js';
import { SeededRandom } from './random.js';
import type { ItemTruth } from './sim-user.js';

const DAY_MS = 86_400_000;

/** An item as the world knows it: its truth (quality) and the feedback it got. */
export interface SimItem extends ItemTruth {
  readonly item: Item;
  readonly creator: SimCreator;
  readonly publishedDay: number;
  impressions: number;
  clicks: number;
  judged: boolean;
}

/**
 * A creator (after CreAgent): publishes items in a mix of categories, sees only the
 * feedback on its own items and moves its mix toward the categories that got clicks,
 * and leaves after a run of ignored items (no click by the end of the day after
 * publication).
 */
export class SimCreator {
  readonly mix: Float64Array;
  readonly skill: number;
  active = true;
  ignoredStreak = 0;
  published = 0;
  readonly pending: SimItem[] = [];
  readonly random: SeededRandom;

  constructor(
    readonly authorId: string,
    readonly home: number,
    seed: number,
    params: SimulationParameters,
  ) {
    this.random = SeededRandom.derive(seed, 'creator', authorId);
    this.skill = this.random.beta(params.creatorSkillBeta[0], params.creatorSkillBeta[1]);
    this.mix = new Float64Array(params.categories);
    // Mostly the home category, with two side categories to learn from.
    this.mix[home] = 0.8;
    for (let k = 0; k < 2; k++) this.mix[this.random.int(0, params.categories - 1)]! += 0.1;
  }

  drawCategory(): number {
    let u = this.random.next();
    for (let c = 0; c < this.mix.length; c++) {
      u -= this.mix[c]!;
      if (u < 0) return c;
    }
    return this.home;
  }
}

/** Category directions in embedding space: items of a category scatter around its direction. */
export class CategorySpace {
  readonly directions: readonly (readonly number[])[];

  constructor(seed: number, categories: number, readonly dim: number) {
    const random = SeededRandom.derive(seed, 'category-space');
    this.directions = Array.from({ length: categories }, () => Array.from({ length: dim }, () => random.gaussian()));
  }

  embed(category: number, noise: number, random: SeededRandom): number[] {
    return this.directions[category]!.map((x) => x + noise * random.gaussian());
  }
}

export const categoryName = (index: number): string => `cat-${index}`;

/** The creators of a world and the items they published, with their feedback. */
export class CreatorPopulation {
  readonly creators: SimCreator[] = [];
  readonly items = new Map<string, SimItem>();
  private readonly space: CategorySpace;

  constructor(
    private readonly params: SimulationParameters,
    seed: number,
    dim: number,
    private readonly startMs: number,
  ) {
    this.space = new CategorySpace(seed, params.categories, dim);
    for (let c = 0; c < params.categories; c++) {
      for (let k = 0; k < params.creatorsPerCategory; k++) this.creators.push(new SimCreator(`${categoryName(c)}-a${k}`, c, seed, params));
    }
  }

  get activeCreators(): number {
    return this.creators.reduce((n, c) => n + (c.active ? 1 : 0), 0);
  }

  /** The catalog before day 0: each creator's back catalog, published over the previous week. */
  backCatalog(): Item[] {
    const out: Item[] = [];
    for (const creator of this.creators) {
      for (let k = 0; k < this.params.initialItemsPerCreator; k++) out.push(this.publish(creator, -1, this.startMs - creator.random.int(1, 7 * 24) * 3_600_000));
    }
    return out;
  }

  /** Items the active creators publish at the start of `day` (before the day's sessions). */
  publishDay(day: number): Item[] {
    const out: Item[] = [];
    const dayStart = this.startMs + day * DAY_MS;
    for (const creator of this.creators) {
      if (!creator.active) continue;
      const count = creator.random.poisson(this.params.publishPerDay);
      for (let k = 0; k < count; k++) out.push(this.publish(creator, day, dayStart + creator.random.int(0, 8 * 3_600_000 - 1)));
    }
    return out;
  }

  truth(itemId: string): SimItem | undefined {
    return this.items.get(itemId);
  }

  /** One slot's feedback (what the creator gets to see). */
  record(itemId: string, clicked: boolean): void {
    const item = this.items.get(itemId);
    if (!item) return;
    item.impressions++;
    if (clicked) item.clicks++;
  }

  /**
   * End of `day`: items published the day before (or earlier) are judged; creators move
   * their mix toward the categories whose judged items got clicks, and leave after a
   * run of ignored items. Returns the items of creators who left, as tombstones.
   */
  endDay(day: number): Item[] {
    const tombstones: Item[] = [];
    for (const creator of this.creators) {
      if (!creator.active) continue;
      const due = creator.pending.filter((item) => !item.judged && item.publishedDay <= day - 1);
      if (due.length === 0) continue;
      const clicksByCategory = new Float64Array(this.params.categories);
      let clicks = 0;
      for (const item of due) {
        item.judged = true;
        clicksByCategory[item.categoryIndex]! += item.clicks;
        clicks += item.clicks;
        creator.ignoredStreak = item.clicks === 0 ? creator.ignoredStreak + 1 : 0;
      }
      creator.pending.splice(0, creator.pending.length, ...creator.pending.filter((item) => !item.judged));
      if (clicks > 0) {
        const rate = this.params.creatorDriftRate;
        for (let c = 0; c < creator.mix.length; c++) creator.mix[c] = (1 - rate) * creator.mix[c]! + (rate * clicksByCategory[c]!) / clicks;
      }
      if (creator.ignoredStreak >= this.params.ignoredItemsBeforeLeaving) {
        creator.active = false;
        for (const item of this.items.values()) if (item.creator === creator) tombstones.push({ ...item.item, deleted: true });
      }
    }
    return tombstones;
  }

  private publish(creator: SimCreator, day: number, createdAt: number): Item {
    const categoryIndex = creator.drawCategory();
    const quality = Math.min(1, Math.max(0, creator.skill + 0.15 * creator.random.gaussian()));
    const category = categoryName(categoryIndex);
    const item: Item = {
      itemId: `${creator.authorId}-i${creator.published++}`,
      authorId: creator.authorId,
      category,
      tags: [category],
      embedding: this.space.embed(categoryIndex, this.params.embeddingNoise, creator.random),
      createdAt,
      deleted: false,
    };
    const simItem: SimItem = { item, creator, categoryIndex, quality, publishedDay: day, impressions: 0, clicks: 0, judged: false };
    this.items.set(item.itemId, simItem);
    creator.pending.push(simItem);
    return item;
  }
}
