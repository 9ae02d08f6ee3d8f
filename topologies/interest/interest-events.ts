import type { GlobalTable, UserEvent } from '../../src/index.js';
import { authorWeight, contentWeight, mutesAuthor } from './engagement-weights.js';
import { fallbackEmbedding } from './fallback-embedding.js';
import type { InterestModel } from './interest-model.js';
import type { CatalogItem } from './item-catalog.js';
import { UserInterest } from './user-interest.js';

/** Category fallbacks remembered per partition; categories are few, the bound only guards against abuse. */
const FALLBACK_CACHE = 4096;

interface Content {
  readonly embedding: Float32Array;
  readonly codes: Uint16Array;
  readonly fallback: boolean;
}

/**
 * Turns one event into updates of its user's state. The item comes from the catalog
 * (global table); an item the catalog does not know falls back to the embedding of the
 * event's category, so interest keeps learning from events that name a category.
 */
export class InterestEventApplier {
  private readonly fallbacks = new Map<string, Content>();

  constructor(
    private readonly model: InterestModel,
    private readonly items: GlobalTable<CatalogItem>,
  ) {}

  /** The state after the event, or undefined when the event says nothing about interest. */
  apply(state: UserInterest | undefined, event: UserEvent): UserInterest | undefined {
    const content = contentWeight(event);
    const author = authorWeight(event);
    const mute = mutesAuthor(event);
    if (content === 0 && author === 0 && !mute) return undefined;
    const item = event.itemId === null ? undefined : this.items.get(event.itemId);
    const category = item?.category ?? event.category;
    const authorId = item?.authorId ?? event.authorId;
    const source = content === 0 ? undefined : item ?? (category === null ? undefined : this.categoryFallback(category));
    const touchesAuthor = authorId !== null && (author !== 0 || mute);
    if (source === undefined && !touchesAuthor) return undefined;

    const { updater } = this.model;
    const next = state ?? UserInterest.empty(this.model.layout, event.ts);
    if (source !== undefined) {
      updater.addEngagement(next, source.embedding, source.codes, content, event.ts);
      updater.addShortTerm(next, source.embedding, content, event.ts);
      if (category !== null) updater.addCategory(next, category, content, event.ts);
    }
    if (touchesAuthor) {
      if (mute) updater.removeAuthor(next, authorId);
      else updater.addAuthor(next, authorId, author, event.ts);
    }
    updater.touched(next, event.ts, source?.fallback === true);
    return next;
  }

  private categoryFallback(category: string): Content {
    let content = this.fallbacks.get(category);
    if (content) return content;
    if (this.fallbacks.size >= FALLBACK_CACHE) this.fallbacks.clear();
    const embedding = fallbackEmbedding(this.model.layout.dim, category, []);
    content = { embedding, codes: this.model.hasher.codes(embedding), fallback: true };
    this.fallbacks.set(category, content);
    return content;
  }
}
