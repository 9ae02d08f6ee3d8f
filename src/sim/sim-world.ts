import type { Item } from '../serde/records.js';
import type { SimulationParameters } from './parameters.js';
import { CreatorPopulation } from './sim-creators.js';
import { SimUser } from './sim-user.js';

export interface WorldOptions {
  readonly users: number;
  readonly seed: number;
  /** Embedding dimension of the items (the interest topology's d). */
  readonly dim: number;
  /** Event time of day 0, 00:00, epoch milliseconds. */
  readonly startMs: number;
}

/**
 * The simulated population: users and creators, deterministic for a seed. The world
 * knows nothing about the recommender; the closed loop hands it slates and collects
 * the events its users produce.
 */
export class SimWorld {
  readonly users: readonly SimUser[];
  readonly creators: CreatorPopulation;

  constructor(
    readonly params: SimulationParameters,
    readonly options: WorldOptions,
  ) {
    this.users = Array.from({ length: options.users }, (_, u) => new SimUser(`user-${u}`, options.seed, params));
    this.creators = new CreatorPopulation(params, options.seed, options.dim, options.startMs);
  }

  /** The catalog that exists before day 0. */
  backCatalog(): Item[] {
    return this.creators.backCatalog();
  }

  /** Start of a day: interests drift, creators publish, and the users who visit are drawn. */
  beginDay(day: number): { published: Item[]; visitors: SimUser[] } {
    if (day > 0) for (const user of this.users) user.newDay();
    const published = this.creators.publishDay(day);
    const visitors = this.users.filter((user) => user.visits(day));
    return { published, visitors };
  }

  /** End of a day: creators judge their items, drift, and maybe leave (their items' tombstones are returned). */
  endDay(day: number): Item[] {
    return this.creators.endDay(day);
  }
}
