import { InterestUpdater } from './interest-update.js';
import { NamePool } from './name-pool.js';
import type { InterestOptions } from './options.js';
import { SimHasher } from './simhash.js';
import { InterestLayout } from './user-interest.js';

/**
 * Everything derived from the options once, on the cold path, and shared by the
 * pipeline, the read API, the codec and the item table: the state layout and the
 * hyperplane matrix. Item signatures and user buckets must use the same matrix.
 */
export class InterestModel {
  readonly layout: InterestLayout;
  readonly hasher: SimHasher;
  readonly updater: InterestUpdater;
  /** Category and author names, shared by all the instance's user states. */
  readonly names = new NamePool();

  constructor(readonly options: InterestOptions) {
    this.layout = new InterestLayout(options);
    this.hasher = new SimHasher(options.embeddingDim, options.signatures, options.bitsPerSignature, options.hashSeed);
    this.updater = new InterestUpdater(this.layout, options, this.names);
  }
}
