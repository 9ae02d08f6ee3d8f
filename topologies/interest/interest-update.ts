import { growth, decayTo, needsRebase } from './forward-decay.js';
import type { InterestOptions } from './options.js';
import type { NamePool } from './name-pool.js';
import { addToTopK, removeFromTopK, type TopKSlots } from './top-k.js';
import type { InterestLayout, UserInterest } from './user-interest.js';

/**
 * The incremental updates of a user's interest state. Each costs O(signatures · d) at
 * most, whatever the length of the user's history: an engagement adds its weighted
 * embedding to exactly one bucket per signature, and decay is never applied to cells
 * the event does not touch (forward decay).
 */
export class InterestUpdater {
  constructor(
    private readonly layout: InterestLayout,
    private readonly halfLives: Pick<InterestOptions, 'longTermHalfLifeMs' | 'shortTermHalfLifeMs'>,
    private readonly names: NamePool,
  ) {}

  /** Adds an engagement of weight `weight` (negative: a skip) with unit embedding x, whose signature codes are `codes`. */
  addEngagement(state: UserInterest, x: ArrayLike<number>, codes: ArrayLike<number>, weight: number, ts: number): void {
    this.rebaseLongTerm(state, ts);
    const g = weight * growth(ts, state.longLandmark, this.halfLives.longTermHalfLifeMs);
    const { values } = state;
    const { dim, signatures } = this.layout;
    for (let s = 0; s < signatures; s++) {
      const row = this.layout.bucketOffset(s, codes[s]!);
      for (let k = 0; k < dim; k++) values[row + k] = values[row + k]! + g * x[k]!;
      values[row + dim] = values[row + dim]! + g;
    }
  }

  /** The short-term mean learns from positive engagement only: it is what the user is into right now. */
  addShortTerm(state: UserInterest, x: ArrayLike<number>, weight: number, ts: number): void {
    if (!(weight > 0)) return;
    const { shortOffset, dim, stride } = this.layout;
    const halfLife = this.halfLives.shortTermHalfLifeMs;
    if (needsRebase(ts, state.shortLandmark, halfLife)) {
      scale(state.values, shortOffset, shortOffset + stride, decayTo(ts, state.shortLandmark, halfLife));
      state.shortLandmark = ts;
    }
    const g = weight * growth(ts, state.shortLandmark, halfLife);
    const { values } = state;
    for (let k = 0; k < dim; k++) values[shortOffset + k] = values[shortOffset + k]! + g * x[k]!;
    values[shortOffset + dim] = values[shortOffset + dim]! + g;
  }

  addCategory(state: UserInterest, category: string, weight: number, ts: number): void {
    this.rebaseLongTerm(state, ts);
    addToTopK(this.categorySlots(state), this.names.intern(category), weight * growth(ts, state.longLandmark, this.halfLives.longTermHalfLifeMs));
  }

  addAuthor(state: UserInterest, authorId: string, weight: number, ts: number): void {
    this.rebaseLongTerm(state, ts);
    addToTopK(this.authorSlots(state), this.names.intern(authorId), weight * growth(ts, state.longLandmark, this.halfLives.longTermHalfLifeMs));
  }

  removeAuthor(state: UserInterest, authorId: string): void {
    removeFromTopK(this.authorSlots(state), authorId);
  }

  /** Bookkeeping after an event changed the state. */
  touched(state: UserInterest, ts: number, usedFallback: boolean): void {
    if (ts > state.updatedAt) state.updatedAt = ts;
    state.events++;
    if (usedFallback) state.fallbackEvents++;
  }

  categorySlots(state: UserInterest): TopKSlots {
    return { values: state.values, keys: state.keys, valueOffset: this.layout.categoryOffset, keyOffset: 0, size: this.layout.topCategories };
  }

  authorSlots(state: UserInterest): TopKSlots {
    return { values: state.values, keys: state.keys, valueOffset: this.layout.authorOffset, keyOffset: this.layout.topCategories, size: this.layout.topAuthors };
  }

  /** Moves the long-term landmark to `ts` once stored values would grow past float32's comfort (rare: every 24 half-lives). */
  private rebaseLongTerm(state: UserInterest, ts: number): void {
    const halfLife = this.halfLives.longTermHalfLifeMs;
    if (!needsRebase(ts, state.longLandmark, halfLife)) return;
    const factor = decayTo(ts, state.longLandmark, halfLife);
    scale(state.values, 0, this.layout.shortOffset, factor);
    scale(state.values, this.layout.categoryOffset, this.layout.floats, factor);
    state.longLandmark = ts;
  }
}

function scale(values: Float32Array, from: number, to: number, factor: number): void {
  for (let i = from; i < to; i++) values[i] = values[i]! * factor;
}
