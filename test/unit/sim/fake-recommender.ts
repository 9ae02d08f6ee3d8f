import type { Item, Recommendation, UserEvent } from '../../../src/serde/records.js';
import type { SlateChannel } from '../../../src/sim/closed-loop.js';
import { SeededRandom } from '../../../src/sim/random.js';

/**
 * A recommender answered in-process, for testing the simulator without topologies: it
 * keeps the live catalog and serves `slateSize` items chosen by `choose` (uniformly at
 * random by default, from its own seeded stream).
 */
export class FakeRecommender implements SlateChannel {
  readonly catalog = new Map<string, Item>();
  readonly events: UserEvent[] = [];
  private readonly random: SeededRandom;

  constructor(
    seed: number,
    private readonly slateSize = 8,
    private readonly choose?: (catalog: readonly Item[], random: SeededRandom, request: UserEvent) => Item[],
  ) {
    this.random = new SeededRandom(seed);
  }

  async publishItems(items: readonly Item[]): Promise<void> {
    for (const item of items) {
      if (item.deleted) this.catalog.delete(item.itemId);
      else this.catalog.set(item.itemId, item);
    }
  }

  async sendEvents(events: readonly UserEvent[]): Promise<void> {
    this.events.push(...events);
  }

  async requestSlates(requests: readonly UserEvent[]): Promise<ReadonlyMap<string, Recommendation>> {
    this.events.push(...requests);
    const items = [...this.catalog.values()];
    const slates = new Map<string, Recommendation>();
    for (const request of requests) {
      const chosen = this.choose ? this.choose(items, this.random, request) : Array.from({ length: Math.min(this.slateSize, items.length) }, () => this.random.pick(items));
      slates.set(request.requestId!, {
        requestId: request.requestId!,
        userId: request.userId,
        ts: request.ts,
        items: chosen.map((item) => ({ itemId: item.itemId, authorId: item.authorId, category: item.category, score: 0, interest: 0, lifelongValue: 0, novelty: 0, diversity: 0, freshness: 0, propensity: 1 / Math.max(1, items.length), candidates: items.length, exploited: false })),
        plannedCategories: [],
        planProbability: 1,
        exploration: 1,
        policy: 'fake',
        arm: 'default',
        modelVersions: {},
        latencyMicros: 0,
      });
    }
    return slates;
  }
}
