import { decayTo } from './forward-decay.js';
import type { InterestModel } from './interest-model.js';
import { rankTopK } from './top-k.js';
import type { UserInterest } from './user-interest.js';

/** Below this decayed weight (≈ a millionth of a click) a region counts as empty. */
export const MIN_MATCH_WEIGHT = 1e-6;

export interface InterestMatch {
  /**
   * The user's history as seen from the candidate: the decayed, engagement-weighted mean
   * of the embeddings that share the candidate's bucket, pooled over signatures
   * (Σ_s sum_s / Σ_s weight_s). Behaviour j weighs in proportion to a_j·decay_j times the
   * share of signatures it shares with the candidate — in expectation (1 − θ_j/π)^τ.
   * Zero when nothing matches.
   */
  readonly vector: Float32Array;
  /** Cosine between the candidate and `vector`. */
  readonly similarity: number;
  /** Decayed engagement weight matching the candidate, averaged over signatures (negative when skips dominate). */
  readonly weight: number;
  /** Cosine between the candidate and the short-term mean (0 when it is empty). */
  readonly shortTermSimilarity: number;
}

export interface TopInterests {
  readonly updatedAt: number;
  /** The time weights are decayed to. */
  readonly asOf: number;
  readonly events: number;
  readonly fallbackEvents: number;
  readonly categories: ReadonlyArray<{ readonly name: string; readonly weight: number }>;
  readonly authors: ReadonlyArray<{ readonly name: string; readonly weight: number }>;
  /** The heaviest (signature, code) buckets, heaviest first: where the inverted index finds candidates. */
  readonly buckets: ReadonlyArray<{ readonly signature: number; readonly code: number; readonly weight: number }>;
  /** Decayed weight of the short-term mean, and the norm of the mean (1: one direction only; near 0: scattered). */
  readonly shortTerm: { readonly weight: number; readonly norm: number };
  /** Total decayed weight of the lifelong buckets, averaged over signatures. */
  readonly longTermWeight: number;
}

/**
 * Reads a user's interest for a candidate in O(signatures · d): gathers one bucket per
 * signature, whatever the length of the history. `candidate` is a unit vector and
 * `codes` its signature codes. `rows` is scratch space of one integer per signature (kept by the
 * caller, so a read allocates only its result vector, or nothing when `out` is given).
 * For many candidates at once, read through one `InterestAt`.
 */
export function readInterest(
  model: InterestModel,
  state: UserInterest,
  candidate: Float32Array,
  codes: ArrayLike<number>,
  now: number,
  rows: Int32Array,
  out: Float32Array = new Float32Array(model.layout.dim),
): InterestMatch {
  return new InterestAt(model, state, now, rows).match(candidate, codes, out);
}

/**
 * A user's interest as of `now`, read for many candidates (recommend scores every
 * candidate of a request): the decay factors and the short-term mean's norm, which do
 * not depend on the candidate, are computed once. A candidate is read in one pass over
 * the dimensions of typed arrays (no views, no polymorphic helpers).
 */
export class InterestAt {
  private readonly longDecay: number;
  /** Whether the short-term mean weighs enough to count, and its squared norm when it does. */
  private readonly short: boolean;
  private readonly shortSquare: number;

  constructor(
    private readonly model: InterestModel,
    private readonly state: UserInterest,
    now: number,
    /** Each signature's bucket row: scratch space of as many integers as signatures. */
    private readonly rows: Int32Array,
  ) {
    this.longDecay = decayTo(now, state.longLandmark, model.options.longTermHalfLifeMs);
    const { shortOffset, dim } = model.layout;
    this.short = shortTermWeight(model, state, now) > MIN_MATCH_WEIGHT;
    let square = 0;
    if (this.short) for (let k = 0; k < dim; k++) square += state.values[shortOffset + k]! * state.values[shortOffset + k]!;
    this.shortSquare = square;
  }

  match(candidate: Float32Array, codes: ArrayLike<number>, out: Float32Array = new Float32Array(this.model.layout.dim)): InterestMatch {
    const { layout } = this.model;
    const { dim, signatures, shortOffset } = layout;
    const { values } = this.state;
    const { rows } = this;
    let weight = 0;
    for (let s = 0; s < signatures; s++) {
      rows[s] = layout.bucketOffset(s, codes[s]!);
      weight += values[rows[s]! + dim]!;
    }
    const decayedWeight = weight * this.longDecay;
    const matches = decayedWeight > MIN_MATCH_WEIGHT;
    const { short } = this;
    // One pass over the dimensions; each sum adds the signatures' rows in signature order.
    let candidateSquare = 0;
    let product = 0;
    let square = 0;
    let shortProduct = 0;
    for (let k = 0; k < dim; k++) {
      const c = candidate[k]!;
      candidateSquare += c * c;
      if (matches) {
        let sum = 0;
        for (let s = 0; s < signatures; s++) sum += values[rows[s]! + k]!;
        out[k] = sum / weight;
        const mean = out[k]!;
        product += c * mean;
        square += mean * mean;
      }
      if (short) shortProduct += c * values[shortOffset + k]!;
    }
    if (!matches) out.fill(0);
    const similarity = matches ? cosineOf(product, candidateSquare, square) : 0;
    const shortTermSimilarity = short ? cosineOf(shortProduct, candidateSquare, this.shortSquare) : 0;
    return { vector: out, similarity, weight: decayedWeight / signatures, shortTermSimilarity };
  }
}

/** `cosine` from its dot product and the two squared norms (the same operations, so the same result). */
function cosineOf(product: number, squareA: number, squareB: number): number {
  const denominator = Math.sqrt(squareA) * Math.sqrt(squareB);
  return denominator > 0 ? product / denominator : 0;
}

/** The decayed weight behind the short-term mean at `now`. */
export function shortTermWeight(model: InterestModel, state: UserInterest, now: number): number {
  const { shortOffset, dim } = model.layout;
  return state.values[shortOffset + dim]! * decayTo(now, state.shortLandmark, model.options.shortTermHalfLifeMs);
}

/** The short-term mean (decayed, positive engagement only) into `out`; zeros when empty. */
export function shortTermMean(model: InterestModel, state: UserInterest, out: Float32Array = new Float32Array(model.layout.dim)): Float32Array {
  const { shortOffset, dim } = model.layout;
  const weight = state.values[shortOffset + dim]!;
  if (!(weight > 0)) return out.fill(0);
  for (let k = 0; k < dim; k++) out[k] = state.values[shortOffset + k]! / weight;
  return out;
}

/** The summary of a user: top categories and authors, strongest buckets, short-term focus; weights decayed to `now`. */
export function topInterests(model: InterestModel, state: UserInterest, now: number, maxBuckets = 8): TopInterests {
  const { layout, updater } = model;
  const longDecay = decayTo(now, state.longLandmark, model.options.longTermHalfLifeMs);
  const buckets: Array<{ signature: number; code: number; weight: number }> = [];
  let total = 0;
  for (let s = 0; s < layout.signatures; s++) {
    for (let code = 0; code < layout.codesPerSignature; code++) {
      const weight = state.values[layout.bucketOffset(s, code) + layout.dim]! * longDecay;
      total += weight;
      if (weight > MIN_MATCH_WEIGHT) buckets.push({ signature: s, code, weight });
    }
  }
  buckets.sort((a, b) => b.weight - a.weight || a.signature - b.signature || a.code - b.code);
  const mean = shortTermMean(model, state);
  let meanNorm = 0;
  for (let k = 0; k < layout.dim; k++) meanNorm += mean[k]! * mean[k]!;
  return {
    updatedAt: state.updatedAt,
    asOf: now,
    events: state.events,
    fallbackEvents: state.fallbackEvents,
    categories: rankTopK(updater.categorySlots(state), longDecay),
    authors: rankTopK(updater.authorSlots(state), longDecay),
    buckets: buckets.slice(0, maxBuckets),
    shortTerm: { weight: shortTermWeight(model, state, now), norm: Math.sqrt(meanNorm) },
    longTermWeight: total / layout.signatures,
  };
}
