import type { KeyValueStore } from '../../src/index.js';
import type { InterestModel } from './interest-model.js';
import { InterestAt, readInterest, topInterests, type InterestMatch, type TopInterests } from './interest-read.js';
import type { CatalogItem } from './item-catalog.js';
import type { UserInterest } from './user-interest.js';
import { normalizeInto } from './vector.js';

/**
 * The read API later stages use (recommend scores candidates with it; the interactive
 * query summarises with it). Reads never change the state. One reader keeps its own
 * scratch buffers: use one per partition pipeline, not across threads of work.
 * `now` defaults to the user's last update; pass the request's event time to decay to it.
 */
export class InterestReader {
  private readonly rows: Int32Array;
  private readonly unit: Float32Array;
  private readonly codes: Uint16Array;
  private readonly matchScratch: Float32Array;

  constructor(
    private readonly model: InterestModel,
    private readonly store: Pick<KeyValueStore<UserInterest>, 'get'>,
  ) {
    this.rows = new Int32Array(model.layout.signatures);
    this.unit = new Float32Array(model.layout.dim);
    this.codes = new Uint16Array(model.layout.signatures);
    this.matchScratch = new Float32Array(model.layout.dim);
  }

  /** `interest(user, candidateEmbedding)`: hashes the candidate (O(m·d)) and reads its buckets. */
  interest(userId: string, candidate: ArrayLike<number>, now?: number, out?: Float32Array): InterestMatch | undefined {
    const state = this.store.get(userId);
    if (!state) return undefined;
    if (candidate.length !== this.model.layout.dim) throw new RangeError(`interest: candidate has ${candidate.length} dimensions, expected ${this.model.layout.dim}`);
    const length = normalizeInto(candidate, this.unit);
    if (!(length > 0) || !Number.isFinite(length)) this.unit.fill(0);
    this.model.hasher.codes(this.unit, this.codes);
    return readInterest(this.model, state, this.unit, this.codes, now ?? state.updatedAt, this.rows, out);
  }

  /** The same for a catalog item, whose codes were computed once when it was loaded. */
  interestInItem(userId: string, item: CatalogItem, now?: number, out?: Float32Array): InterestMatch | undefined {
    const state = this.store.get(userId);
    if (!state) return undefined;
    return readInterest(this.model, state, item.embedding, item.codes, now ?? state.updatedAt, this.rows, out);
  }

  /**
   * As `interestInItem`, for scoring many catalog items for one user at one time: the
   * state is looked up and what does not depend on the item computed once. Each match's
   * `vector` is the reader's scratch, overwritten by the next. Undefined for a user
   * without interest state.
   */
  itemScorer(userId: string, now?: number): ((item: CatalogItem) => InterestMatch) | undefined {
    const state = this.store.get(userId);
    if (!state) return undefined;
    const reading = new InterestAt(this.model, state, now ?? state.updatedAt, this.rows);
    return (item) => reading.match(item.embedding, item.codes, this.matchScratch);
  }

  /** `topInterests(user)`: categories, authors, strongest buckets and short-term focus. */
  topInterests(userId: string, now?: number, maxBuckets?: number): TopInterests | undefined {
    const state = this.store.get(userId);
    return state ? topInterests(this.model, state, now ?? state.updatedAt, maxBuckets) : undefined;
  }
}
