import type { Observable } from 'rxjs';
import type { LifelongError } from '../errors/catalog.js';
import type { Logger } from '../observability/logger.js';
import type { GlobalTable, GlobalTableDefinition } from '../state/global-table.js';
import type { KeyValueStore, ResidentForm, ValueCodec } from '../state/store.js';

/** What a topology may do with a store it reads but does not own. */
export type ReadableStore<V> = Pick<KeyValueStore<V>, 'get'>;
import type { LogRecord } from '../transports/contract.js';

/**
 * The definition model: a topology is a description (name, stores, sinks and an RxJS
 * pipeline) with no I/O. The runtime, the embedded mode and the test driver all run
 * the same description.
 *
 * Pipelines are synchronous: every record pushed in has produced all of its emissions
 * when `next` returns, which is what lets the runtime commit a record's effects
 * together. State lives in stores, never in operator closures, so a pipeline can be
 * rebuilt at any time (after a failure or a rebalance) without losing anything.
 */
export interface StreamRecord<T> {
  readonly kind: 'record';
  readonly key: string;
  readonly value: T;
  readonly partition: number;
  readonly offset: number;
  /** The bytes as read, for dead letters. */
  readonly source: LogRecord;
}

/** Stream time moved forward (event time, the maximum timestamp seen in the partition). */
export interface StreamTick {
  readonly kind: 'tick';
  readonly streamTime: number;
}

export type StreamItem<T> = StreamRecord<T> | StreamTick;

/** Something a pipeline produced for one of its declared sinks. */
export interface Emission {
  readonly sink: string;
  readonly value: Record<string, unknown>;
  /** The record key, for a topic sink (a ClickHouse sink ignores it). */
  readonly key?: string;
}

export interface PartitionContext {
  readonly partition: number;
  readonly topology: string;
  readonly logger: Logger;
  store<V>(name: string): KeyValueStore<V>;
  /**
   * Read-only access to a store another topology of the application owns (declared in
   * `reads`). Pipelines run in the application's order, so a record has already updated
   * the stores of the topologies listed before this one.
   */
  readStore<V>(name: string): ReadableStore<V>;
  /** A global table the topology declared (the whole table, shared by the instance's partitions; read only). */
  globalTable<V>(name: string): GlobalTable<V>;
  /** Current stream time of the partition, epoch milliseconds (-Infinity before any record). */
  streamTime(): number;
  /** Records how long a named stage of the pipeline took (a histogram per topology and stage). */
  observe(stage: string, seconds: number): void;
  /** Routes a record to the dead-letter topic with the reason; processing goes on. */
  deadLetter(record: StreamRecord<unknown>, error: LifelongError): void;
}

export interface StoreDefinition<V = unknown> {
  readonly name: string;
  readonly doc: string;
  readonly codec: ValueCodec<V>;
  /**
   * How the store holds values between commits (default `objects`): `objects` keeps
   * each value decoded — free reads, several times the encoding's memory; `bytes` keeps
   * values untouched since the last commit as their changelog encoding and decodes a
   * key on its first read in a commit — far less memory for stores whose values are
   * nested objects and arrays and sit idle most of the time, one decode per key read
   * per commit. A value read but not put is dropped at the commit in the `bytes` form:
   * change values only through `put` (a change without one is lost on restore anyway).
   * `{ groupLength }` is `bytes` with the keys of a group (a user's pairs) held in one
   * string, for stores of many small values per group. See ResidentForm in
   * src/state/store.ts.
   */
  readonly resident?: ResidentForm;
}

/** Rows for a ClickHouse table, written before the batch commits (idempotent on replay). */
export interface ClickHouseSinkDefinition {
  readonly name: string;
  readonly kind: 'clickhouse';
  readonly table: string;
}

/**
 * Records for a topic, committed in the same transaction as the batch's changelog writes
 * and input offsets: a consumer reading committed records sees each output exactly once.
 */
export interface TopicSinkDefinition {
  readonly name: string;
  readonly kind: 'topic';
  readonly topic: string;
  readonly encode: (value: Record<string, unknown>) => Buffer;
}

export type SinkDefinition = ClickHouseSinkDefinition | TopicSinkDefinition;

/** Where a sink writes, for descriptions and logs. */
export function sinkTarget(sink: SinkDefinition): string {
  return sink.kind === 'clickhouse' ? sink.table : sink.topic;
}

/**
 * An interactive query: a GET route on the operations port answered from a store of the
 * partition that owns the key. An instance that does not own it answers "not here"
 * with the owning partition.
 */
export interface QueryDefinition<V = unknown> {
  readonly name: string;
  /** The route, with one `:key` segment, e.g. `/users/:key/interest`. */
  readonly path: string;
  readonly store: string;
  readonly doc: string;
  /** The answer for a key of a local partition; `value` is undefined when the store has none. */
  answer(value: V | undefined, key: string): { readonly status: number; readonly body: unknown };
}

export interface TopologyDefinition<In> {
  readonly name: string;
  readonly doc: string;
  readonly stores: readonly StoreDefinition<never>[];
  /** Stores of topologies listed earlier in the application that this one reads (never writes). */
  readonly reads?: readonly string[];
  readonly sinks: readonly SinkDefinition[];
  /** Global tables the pipeline reads; the runtime loads them before the first record. */
  readonly globalTables?: readonly GlobalTableDefinition<never>[];
  readonly queries?: readonly QueryDefinition<never>[];
  pipeline(input$: Observable<StreamItem<In>>, context: PartitionContext): Observable<Emission>;
}

export function defineStore<V>(definition: StoreDefinition<V>): StoreDefinition<never> {
  return definition as unknown as StoreDefinition<never>;
}

export function defineQuery<V>(definition: QueryDefinition<V>): QueryDefinition<never> {
  return definition as unknown as QueryDefinition<never>;
}

export function defineTopology<In>(definition: TopologyDefinition<In>): TopologyDefinition<In> {
  const names = new Set<string>();
  for (const store of definition.stores) {
    if (names.has(store.name)) throw new Error(`lifelong: topology ${definition.name} declares store ${store.name} twice`);
    names.add(store.name);
  }
  for (const query of definition.queries ?? []) {
    if (!names.has(query.store) && !(definition.reads ?? []).includes(query.store)) throw new Error(`lifelong: query ${query.name} of topology ${definition.name} reads undeclared store ${query.store}`);
  }
  return Object.freeze(definition);
}

export function changelogTopic(applicationId: string, store: string): string {
  return `${applicationId}.${store}-changelog`;
}

export interface TopologyDescription {
  readonly name: string;
  readonly doc: string;
  readonly source: string;
  readonly stores: ReadonlyArray<{ readonly name: string; readonly changelog: string; readonly doc: string }>;
  readonly sinks: ReadonlyArray<{ readonly name: string; readonly kind: string; readonly target: string }>;
  readonly reads?: readonly string[];
  readonly globalTables?: ReadonlyArray<{ readonly name: string; readonly topic: string; readonly doc: string }>;
  readonly queries?: ReadonlyArray<{ readonly name: string; readonly path: string; readonly store: string; readonly doc: string }>;
}

export function describeTopology(topology: TopologyDefinition<unknown>, applicationId: string, sourceTopic: string): TopologyDescription {
  return {
    name: topology.name,
    doc: topology.doc,
    source: sourceTopic,
    stores: topology.stores.map((s) => ({ name: s.name, changelog: changelogTopic(applicationId, s.name), doc: s.doc })),
    sinks: topology.sinks.map((s) => ({ name: s.name, kind: s.kind, target: sinkTarget(s) })),
    ...(topology.reads ? { reads: topology.reads } : {}),
    ...(topology.globalTables ? { globalTables: topology.globalTables.map((g) => ({ name: g.name, topic: g.topic, doc: g.doc })) } : {}),
    ...(topology.queries ? { queries: topology.queries.map((q) => ({ name: q.name, path: q.path, store: q.store, doc: q.doc })) } : {}),
  };
}
