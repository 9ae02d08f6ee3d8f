import type { LifelongError } from '../errors/catalog.js';
import type { Logger } from '../observability/logger.js';
import type { RuntimeMetrics } from '../observability/metrics.js';
import { MaterializedGlobalTable, type GlobalTable, type GlobalTableDefinition } from '../state/global-table.js';
import type { TopologyDefinition } from '../topology/topology.js';
import type { LogRecord, TopicFollower, TopicSpec, Transport } from '../transports/contract.js';
import { LIFECYCLE } from './lifecycle.js';

export interface GlobalTablesHooks {
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
}

/**
 * The global tables of an application: one materialized copy of each per instance,
 * whichever topologies declare it. `start` reads every table's topic to its end before
 * the caller lets the first event through, then keeps following the topics live.
 *
 * Global tables sit outside a partition's atomic commit (as in Kafka Streams): after a
 * crash, replayed events see the catalog as it is then, not as it was.
 */
export class GlobalTables {
  private readonly materialized = new Map<string, MaterializedGlobalTable<unknown>>();
  private readonly followers: TopicFollower[] = [];
  /** Past the initial load: table sizes are then reported as they change. */
  private live = false;

  constructor(
    topologies: readonly TopologyDefinition<never>[],
    private readonly hooks: GlobalTablesHooks,
  ) {
    for (const topology of topologies) {
      for (const definition of (topology.globalTables ?? []) as readonly GlobalTableDefinition<unknown>[]) {
        const known = this.materialized.get(definition.name);
        if (known && known.definition.topic !== definition.topic) {
          throw new Error(`lifelong: global table ${definition.name} is declared over two topics (${known.definition.topic}, ${definition.topic})`);
        }
        if (!known) this.materialized.set(definition.name, new MaterializedGlobalTable(definition));
      }
    }
  }

  /** The tables by name, for partition contexts. */
  get tables(): ReadonlyMap<string, GlobalTable<unknown>> {
    return this.materialized;
  }

  /** The topics to create when missing: compacted, keyed by the table's key. */
  topicSpecs(partitions: number): TopicSpec[] {
    const topics = new Set([...this.materialized.values()].map((t) => t.definition.topic));
    return [...topics].map((name) => ({ name, partitions, compacted: true }));
  }

  /** Reads every table to the end of its topic, then keeps following. */
  async start(transport: Transport): Promise<void> {
    const started = performance.now();
    for (const table of this.materialized.values()) {
      this.followers.push(transport.follow({ topic: table.definition.topic, onRecord: (record) => this.apply(table, record) }));
    }
    await Promise.all(this.followers.map((f) => f.caughtUp));
    this.live = true;
    for (const table of this.materialized.values()) this.hooks.metrics.storeKeys.set({ store: table.name }, table.size);
    if (this.materialized.size === 0) return;
    const sizes = Object.fromEntries([...this.materialized].map(([name, table]) => [name, table.size]));
    this.hooks.logger.info({ tables: sizes, ms: Math.round(performance.now() - started) }, LIFECYCLE.GLOBAL_TABLES_LOADED);
  }

  async stop(): Promise<void> {
    const followers = this.followers.splice(0);
    await Promise.all(followers.map((f) => f.stop()));
  }

  /** Applies one record to a table by name (the test driver's entry point). */
  apply(table: string | MaterializedGlobalTable<unknown>, record: LogRecord): void {
    const target = typeof table === 'string' ? this.materialized.get(table) : table;
    if (!target) throw new Error(`lifelong: no global table named ${String(table)}`);
    const outcome = target.apply(record, (error) => this.refused(error));
    this.hooks.metrics.globalTableRecords.inc({ table: target.name, outcome });
    if (this.live) this.hooks.metrics.storeKeys.set({ store: target.name }, target.size);
  }

  private refused(error: LifelongError): void {
    this.hooks.logger.warn({ code: error.code, ...error.details }, error.message);
  }
}
