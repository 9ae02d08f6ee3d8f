import type { UserEvent } from '../../src/index.js';
import { authorWeight, contentWeight } from '../../topologies/interest/engagement-weights.js';
import { fallbackEmbedding } from '../../topologies/interest/fallback-embedding.js';
import type { InterestModel } from '../../topologies/interest/interest-model.js';
import type { CatalogItem } from '../../topologies/interest/item-catalog.js';
import type { SimHasher } from '../../topologies/interest/simhash.js';

/** One engagement as the reference keeps it: the whole history, nothing summarised. */
export interface ReferenceEngagement {
  /** Unit embedding (the same floats the topology hashes). */
  readonly embedding: ArrayLike<number>;
  readonly weight: number;
  readonly ts: number;
}

export interface ReferenceRead {
  readonly vector: Float64Array;
  readonly similarity: number;
  readonly weight: number;
  /** Σ|w| / |Σ w| over the matching engagements: how much skips cancel engagement (1 without skips). */
  readonly cancellation: number;
}

/** Same threshold as the topology: below it a region counts as empty. */
const MIN_MATCH_WEIGHT = 1e-6;

/**
 * The brute-force definition of the SDIM read the interest topology computes
 * incrementally: keep every engagement; at read time decay each by its own age, hash it
 * with the same hyperplanes (projections written out here, not through SimHasher.codes),
 * and pool, over signatures, the engagements whose code equals the candidate's.
 * O(history · m · d) per read — the cost the buckets avoid.
 */
export class ReferenceInterest {
  readonly history: ReferenceEngagement[] = [];

  constructor(
    private readonly hasher: SimHasher,
    private readonly halfLifeMs: number,
  ) {}

  add(engagement: ReferenceEngagement): void {
    this.history.push(engagement);
  }

  read(candidate: ArrayLike<number>, now: number): ReferenceRead {
    const { dim, signatures } = this.hasher;
    const wanted = this.codesOf(candidate);
    const sum = new Float64Array(dim);
    let weight = 0;
    let absolute = 0;
    for (const engagement of this.history) {
      const codes = this.codesOf(engagement.embedding);
      const decayed = engagement.weight * Math.pow(2, -(now - engagement.ts) / this.halfLifeMs);
      for (let s = 0; s < signatures; s++) {
        if (codes[s] !== wanted[s]) continue;
        for (let k = 0; k < dim; k++) sum[k]! += decayed * engagement.embedding[k]!;
        weight += decayed;
        absolute += Math.abs(decayed);
      }
    }
    const vector = new Float64Array(dim);
    if (weight > MIN_MATCH_WEIGHT) for (let k = 0; k < dim; k++) vector[k] = sum[k]! / weight;
    return { vector, similarity: cosine(candidate, vector), weight: weight / signatures, cancellation: weight === 0 ? Infinity : absolute / Math.abs(weight) };
  }

  /** Sign bits of R·x, `bits` at a time. */
  codesOf(x: ArrayLike<number>): number[] {
    const { dim, signatures, bits, matrix } = this.hasher;
    const codes: number[] = [];
    for (let s = 0; s < signatures; s++) {
      let code = 0;
      for (let b = 0; b < bits; b++) {
        const row = s * bits + b;
        let projection = 0;
        for (let k = 0; k < dim; k++) projection += matrix[row * dim + k]! * x[k]!;
        if (projection >= 0) code += 2 ** b;
      }
      codes.push(code);
    }
    return codes;
  }
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < a.length; k++) {
    ab += a[k]! * b[k]!;
    aa += a[k]! * a[k]!;
    bb += b[k]! * b[k]!;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** A unit vector as float32 (what the topology stores and hashes). */
export function unitFloat32(values: readonly number[]): Float32Array {
  const length = Math.sqrt(values.reduce((s, v) => s + v * v, 0));
  return Float32Array.from(values, (v) => v / length);
}

/**
 * The full-history reference of one user: every engagement with the embedding the event
 * resolves to (catalog item, or the fallback of its category), its weight and time; and
 * the category/author weights decayed event by event (backward decay, clamped at zero).
 */
export class UserReference {
  readonly lifelong: ReferenceInterest;
  readonly categories = new Map<string, { weight: number; at: number }>();
  readonly authors = new Map<string, { weight: number; at: number }>();
  /** Events that changed something, and the latest of their times. */
  events = 0;
  updatedAt = -Infinity;

  constructor(
    private readonly model: InterestModel,
    private readonly items: (id: string) => CatalogItem | undefined,
  ) {
    this.lifelong = new ReferenceInterest(model.hasher, model.options.longTermHalfLifeMs);
  }

  add(event: UserEvent): void {
    const catalog = event.itemId === null ? undefined : this.items(event.itemId);
    const category = catalog?.category ?? event.category;
    const authorId = catalog?.authorId ?? event.authorId;
    const content = contentWeight(event);
    const author = authorWeight(event);
    if ((content !== 0 && (catalog || category !== null)) || (authorId !== null && author !== 0)) {
      this.events++;
      this.updatedAt = Math.max(this.updatedAt, event.ts);
    }
    if (content !== 0 && (catalog || category !== null)) {
      const embedding = catalog?.embedding ?? fallbackEmbedding(this.model.layout.dim, category, []);
      this.lifelong.add({ embedding, weight: content, ts: event.ts });
      if (category !== null) this.bump(this.categories, category, content, event.ts);
    }
    if (authorId !== null && author !== 0) this.bump(this.authors, authorId, author, event.ts);
  }

  /** Decayed weight of every non-empty (signature, code) bucket at `now`, keyed `s:code`. */
  bucketWeights(now: number): Map<string, number> {
    const weights = new Map<string, number>();
    for (const engagement of this.lifelong.history) {
      const decayed = engagement.weight * Math.pow(2, -(now - engagement.ts) / this.model.options.longTermHalfLifeMs);
      this.lifelong.codesOf(engagement.embedding).forEach((code, s) => weights.set(`${s}:${code}`, (weights.get(`${s}:${code}`) ?? 0) + decayed));
    }
    return weights;
  }

  decayed(map: Map<string, { weight: number; at: number }>, now: number): Map<string, number> {
    const halfLife = this.model.options.longTermHalfLifeMs;
    return new Map([...map].filter(([, v]) => v.weight > 0).map(([k, v]) => [k, v.weight * Math.pow(2, -(now - v.at) / halfLife)]));
  }

  private bump(map: Map<string, { weight: number; at: number }>, name: string, delta: number, ts: number): void {
    const current = map.get(name);
    if (!current && delta <= 0) return;
    const halfLife = this.model.options.longTermHalfLifeMs;
    const weight = current ? current.weight * Math.pow(2, -(ts - current.at) / halfLife) : 0;
    map.set(name, { weight: Math.max(0, weight + delta), at: ts });
  }
}
