import type { Item } from '../serde/records.js';
import { SeededRandom } from './random.js';
import { AUTHORS_PER_CATEGORY, DEFAULT_START_MS, ITEMS_PER_CATEGORY } from './session-generator.js';

export interface CatalogGeneratorOptions {
  readonly seed: number;
  /** Embedding dimension (the interest topology's d). */
  readonly dim: number;
  readonly categories?: number;
  /** Share of the items the session generator refers to that the catalog describes; the rest stay unknown. */
  readonly coverage?: number;
  /** Share of the published items that carry no embedding (interest then derives one from category and tags). */
  readonly withoutEmbedding?: number;
  readonly startMs?: number;
}

/**
 * A small item catalog matching the ids of the session generator: each category has a
 * direction in embedding space and its items scatter around it, so a user's taste for
 * categories shows up as interest regions. Deliberately incomplete (coverage) and partly
 * without embeddings, as real catalogs are.
 */
export function generateCatalog(options: CatalogGeneratorOptions): Item[] {
  const random = new SeededRandom(options.seed);
  const coverage = options.coverage ?? 0.75;
  const withoutEmbedding = options.withoutEmbedding ?? 0.1;
  const start = options.startMs ?? DEFAULT_START_MS;
  const items: Item[] = [];
  for (let c = 0; c < (options.categories ?? 12); c++) {
    const category = `cat-${c}`;
    const centre = Array.from({ length: options.dim }, () => random.gaussian());
    for (let k = 0; k < ITEMS_PER_CATEGORY; k++) {
      if (!random.chance(coverage)) continue;
      const tags = [`${category}-t${k % 7}`];
      const embedding = random.chance(withoutEmbedding) ? null : centre.map((x) => x + 0.6 * random.gaussian());
      items.push({ itemId: `${category}-i${k}`, authorId: `${category}-a${k % AUTHORS_PER_CATEGORY}`, category, tags, embedding, createdAt: start - random.int(0, 30) * 86_400_000, deleted: false });
    }
  }
  return items;
}
