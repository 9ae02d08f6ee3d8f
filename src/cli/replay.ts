import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfig, type ConfigSources } from '../config/config.js';
import { ReplayBaselines } from '../eval/baselines.js';
import { readInteractions, readItemCategories, type ColumnMapping, type Interaction } from '../eval/interaction-log.js';
import { catalogCoverage, hitRateAtK, meanNovelty, ndcgAtK } from '../eval/ranking-metrics.js';
import { catalogFromLog, interactionEvents, requestEvent, type StrengthScale } from '../eval/replay-events.js';
import { planReplay, type RequestPoint } from '../eval/replay-plan.js';
import type { Logger } from '../observability/logger.js';
import { createTransport, startInstance } from '../runtime/instance.js';
import type { InstanceService } from '../runtime/service.js';
import type { Item, UserEvent } from '../serde/records.js';
import { TopicSlateChannel } from '../sim/topic-channel.js';
import { topologiesFromConfig } from '../../topologies/index.js';
import { waitUntilCommitted } from './demo.js';
import { progress } from './progress.js';

export interface ReplayOptions {
  readonly input: string;
  readonly columns: ColumnMapping;
  /** A side file of item categories (e.g. MovieLens movies.csv) and its item and category columns. */
  readonly items?: { readonly path: string; readonly itemColumn: string; readonly categoryColumn: string };
  readonly k: number;
  readonly horizon: number;
  readonly minHistory: number;
  readonly scale: StrengthScale;
  /** Only the first N interactions in time order (a slice, for tests and quick looks). */
  readonly limit?: number;
  /** The policy every user gets (recommend.arms); the config's arms when absent. */
  readonly policy?: string;
  readonly slateTimeoutMs: number;
  readonly output?: string;
}

export interface SystemScores {
  readonly system: string;
  readonly requests: number;
  readonly hitRate: number;
  readonly ndcg: number;
  readonly coverage: number;
  readonly novelty: number;
}

export interface ReplayReport {
  readonly kind: 'lifelong-replay';
  readonly input: string;
  readonly interactions: number;
  readonly users: number;
  readonly catalogItems: number;
  readonly requestPoints: number;
  readonly k: number;
  readonly horizon: number;
  readonly policy: string;
  readonly wallSeconds: number;
  readonly systems: readonly SystemScores[];
}

/** Events produced per transport call (and the granularity at which items appear). */
const CHUNK = 1_000;

/**
 * `lifelong replay`: the log in event-time order through the real topologies, a
 * FEED_REQUEST at each request point (a session start), and each slate scored against
 * the user's next real interactions, next to two baselines fed the same stream.
 */
export async function runReplay(sources: ConfigSources, options: ReplayOptions, logger: Logger): Promise<ReplayReport> {
  const started = performance.now();
  let interactions: Interaction[] = readInteractions(options.input, options.columns);
  if (options.limit !== undefined) interactions = [...interactions].sort((a, b) => a.ts - b.ts).slice(0, options.limit);
  const categories = options.items ? readItemCategories(options.items.path, options.items.itemColumn, options.items.categoryColumn) : new Map<string, string[]>();
  const categoriesOf = (item: string): readonly string[] => categories.get(item) ?? [];
  const catalog = catalogFromLog(interactions, categoriesOf);
  const catalogById = new Map(catalog.map((item) => [item.itemId, item]));
  const categoryOf = (itemId: string): string | null => catalogById.get(itemId)?.category ?? null;
  const base = loadConfig(sources);
  const config = loadConfig({ ...sources, flags: { ...sources.flags, ...(options.policy ? { 'recommend.arms': options.policy } : {}) } });
  const { steps, points } = planReplay(interactions, { sessionGapMs: base.sessionGapMs, horizon: options.horizon, positiveAt: options.scale.positiveAt, minHistory: options.minHistory });
  logger.info({ interactions: interactions.length, items: catalog.length, requestPoints: points.length }, 'replay planned');

  const transport = createTransport(config, logger);
  const channel = new TopicSlateChannel({ transport, topics: config.topics, partitions: config.partitions, slateTimeoutMs: options.slateTimeoutMs });
  const baselines = new ReplayBaselines(options.scale.positiveAt);
  const lists = { popularity: new Map<string, string[]>(), recentAuthor: new Map<string, string[]>() };
  let slates: ReadonlyMap<string, { items: readonly { itemId: string }[] }>;
  try {
    await channel.open();
    const services: InstanceService[] = [];
    const instance = await startInstance(config, topologiesFromConfig(config, services), { logger, transport, services });
    try {
      const expected = channel.expect(points.map((p) => p.requestId));
      const bar = progress('replaying', steps.length, logger);
      let batch: UserEvent[] = [];
      // Items reach the items topic just ahead of the chunk of events that first mentions
      // them, never earlier: a slate can then only hold items that exist at its time
      // (published all at once, items from the log's future would look brand new).
      let newItems: Item[] = [];
      const published = new Set<string>();
      const send = async (): Promise<void> => {
        await channel.publishItems(newItems);
        await channel.sendEvents(batch);
        newItems = [];
        batch = [];
      };
      for (const [i, step] of steps.entries()) {
        if (step.kind === 'request') {
          lists.popularity.set(step.point.requestId, baselines.popular(step.point.user, options.k));
          lists.recentAuthor.set(step.point.requestId, baselines.recentAuthor(step.point.user, options.k));
          batch.push(requestEvent(step.point));
        } else {
          const item = catalogById.get(step.interaction.item);
          if (item && !published.has(item.itemId)) {
            published.add(item.itemId);
            newItems.push(item);
          }
          baselines.observe(step.interaction);
          batch.push(...interactionEvents(step.interaction, i, categoryOf(step.interaction.item), options.scale));
        }
        if (batch.length >= CHUNK) {
          await send();
          bar.update(i + 1);
        }
      }
      await send();
      bar.update(steps.length);
      bar.stop();
      slates = await expected.wait(options.slateTimeoutMs);
      await waitUntilCommitted(instance, config.topics.events);
    } finally {
      await instance.stop();
    }
  } finally {
    await channel.close();
    await transport.close();
  }

  const usersOfItem = itemUsers(interactions);
  const users = new Set(interactions.map((i) => i.user)).size;
  const score = (system: string, listOf: (point: RequestPoint) => readonly string[]): SystemScores => {
    const all = points.map((point) => listOf(point).slice(0, options.k));
    const mean = (f: (list: readonly string[], point: RequestPoint) => number): number => (points.length === 0 ? 0 : points.reduce((s, point, i) => s + f(all[i]!, point), 0) / points.length);
    return {
      system,
      requests: points.length,
      hitRate: mean((list, point) => hitRateAtK(list, point.relevant, options.k)),
      ndcg: mean((list, point) => ndcgAtK(list, point.relevant, options.k)),
      coverage: catalogCoverage(all, catalog.length),
      novelty: meanNovelty(all, (item) => usersOfItem.get(item) ?? 0, users),
    };
  };
  const report: ReplayReport = {
    kind: 'lifelong-replay',
    input: resolve(options.input),
    interactions: interactions.length,
    users,
    catalogItems: catalog.length,
    requestPoints: points.length,
    k: options.k,
    horizon: options.horizon,
    policy: options.policy ?? config.recommend.arms.join(','),
    wallSeconds: (performance.now() - started) / 1000,
    systems: [
      score(`topologies (${options.policy ?? config.recommend.arms.join(',')})`, (p) => slates.get(p.requestId)?.items.map((item) => item.itemId) ?? []),
      score('popularity', (p) => lists.popularity.get(p.requestId) ?? []),
      score('most-recent author', (p) => lists.recentAuthor.get(p.requestId) ?? []),
    ],
  };
  if (options.output) {
    mkdirSync(dirname(resolve(options.output)), { recursive: true });
    writeFileSync(options.output, JSON.stringify(report, null, 2) + '\n');
  }
  return report;
}

function itemUsers(interactions: readonly Interaction[]): Map<string, number> {
  const users = new Map<string, Set<string>>();
  for (const interaction of interactions) {
    let set = users.get(interaction.item);
    if (!set) users.set(interaction.item, (set = new Set()));
    set.add(interaction.user);
  }
  return new Map([...users].map(([item, set]) => [item, set.size]));
}

export function replaySummary(report: ReplayReport): string {
  const lines = ['', `lifelong replay: ${report.interactions} interactions, ${report.users} users, ${report.catalogItems} items, ${report.requestPoints} request points (K = ${report.k}, truth = positives among the next ${report.horizon} interactions of the session), ${report.wallSeconds.toFixed(0)} s`];
  lines.push(`  ${'system'.padEnd(28)} ${`HR@${report.k}`.padStart(8)} ${`NDCG@${report.k}`.padStart(8)} ${'coverage'.padStart(9)} ${'novelty'.padStart(8)}`);
  for (const s of report.systems) lines.push(`  ${s.system.padEnd(28)} ${s.hitRate.toFixed(4).padStart(8)} ${s.ndcg.toFixed(4).padStart(8)} ${(s.coverage * 100).toFixed(1).padStart(8)}% ${s.novelty.toFixed(2).padStart(8)}`);
  lines.push('');
  return lines.join('\n');
}
