import { Subject, type Subscription } from 'rxjs';
import { LifelongError, messageOf } from '../errors/catalog.js';
import type { Logger } from '../observability/logger.js';
import type { RuntimeMetrics } from '../observability/metrics.js';
import type { AvroCodec } from '../serde/avro.js';
import type { DeadLetter, DeadLetterStage, UserEvent } from '../serde/records.js';
import type { GlobalTable } from '../state/global-table.js';
import { ChangelogStore, jsonCodec, type KeyValueStore, type ResidentForm, type ValueCodec } from '../state/store.js';
import { changelogTopic, type Emission, type PartitionContext, type ReadableStore, type StreamItem, type StreamRecord, type TopologyDefinition } from '../topology/topology.js';
import type { LogRecord, OutboundRecord } from '../transports/contract.js';
import { admit, type GuardLimits } from './input-guard.js';
import { RecentEventIds, recentEventIdsCodec } from './recent-event-ids.js';

/** Stores the runtime keeps for every partition, beside the topologies' own. */
export const RUNTIME_STORES = {
  /** Recent eventIds per user (hashed, RecentEventIds), for de-duplication. */
  seenEvents: 'seen-events',
  /**
   * Where the partition's state stands: its stream time (so lateness decisions survive
   * a restart) and the next input offset the state has not seen yet.
   */
  progress: 'progress',
} as const;

/**
 * The de-duplication store as every partition declares it. Held encoded: a user's ids at
 * rest are a few dozen bytes, which an object and its typed array would more than double.
 */
export const SEEN_EVENTS_STORE: { readonly name: string; readonly codec: ValueCodec<RecentEventIds>; readonly resident: ResidentForm } = {
  name: RUNTIME_STORES.seenEvents,
  codec: recentEventIdsCodec,
  resident: 'bytes',
};

const STREAM_TIME_KEY = 'stream-time';
const NEXT_OFFSET_KEY = 'next-offset';

export interface PartitionTaskOptions {
  readonly applicationId: string;
  readonly inputTopic: string;
  readonly deadLetterTopic: string;
  readonly partition: number;
  readonly topologies: readonly TopologyDefinition<UserEvent>[];
  /** The instance's global tables, shared by its partitions (read only). */
  readonly globalTables?: ReadonlyMap<string, GlobalTable<unknown>>;
  readonly eventCodec: AvroCodec<UserEvent>;
  readonly deadLetterCodec: AvroCodec<DeadLetter>;
  readonly limits: GuardLimits;
  /** How far behind stream time an event is still accepted, in milliseconds. */
  readonly allowedLatenessMs: number;
  /** At most this many event ids remembered per user for de-duplication (those within the allowed lateness). */
  readonly dedupeWindow: number;
  /** Stream-time step between ticks that let pipelines close idle windows, in milliseconds. */
  readonly punctuateIntervalMs: number;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  readonly clock?: () => number;
}

/** What one batch produced: rows per sink, and the records to commit with its offsets. */
export interface BatchEffects {
  readonly rows: Map<string, Record<string, unknown>[]>;
  readonly outputs: OutboundRecord[];
  readonly nextOffset: number;
}

interface RunningPipeline {
  readonly topology: TopologyDefinition<UserEvent>;
  input: Subject<StreamItem<UserEvent>>;
  subscription: Subscription;
  failure: unknown;
}

/**
 * Everything one input partition owns: its stores and one running pipeline per
 * topology. Records go through strictly in offset order; a record's emissions are all
 * collected when it has been pushed (pipelines are synchronous).
 */
export class PartitionTask {
  readonly stores = new Map<string, ChangelogStore<unknown>>();
  private readonly pipelines: RunningPipeline[] = [];
  private readonly seen: ChangelogStore<RecentEventIds>;
  private readonly progress: ChangelogStore<number>;
  private streamTime = -Infinity;
  /** Input records below this offset are already reflected in the state. */
  private nextOffset = 0;
  private nextTickAt = Infinity;
  private rows = new Map<string, Record<string, unknown>[]>();
  private deadLetters: OutboundRecord[] = [];
  /** Records for topic sinks, committed with the batch. */
  private results: OutboundRecord[] = [];
  private readonly clock: () => number;

  constructor(private readonly options: PartitionTaskOptions) {
    this.clock = options.clock ?? Date.now;
    this.seen = this.addStore(SEEN_EVENTS_STORE.name, SEEN_EVENTS_STORE.codec, SEEN_EVENTS_STORE.resident);
    this.progress = this.addStore(RUNTIME_STORES.progress, jsonCodec<number>());
    for (const topology of options.topologies) {
      for (const read of topology.reads ?? []) {
        if (!this.stores.has(read)) throw new Error(`lifelong: topology ${topology.name} reads store ${read}, which no topology before it declares`);
      }
      for (const store of topology.stores) this.addStore(store.name, store.codec, store.resident);
    }
    for (const topology of options.topologies) this.pipelines.push(this.startPipeline(topology));
  }

  get partition(): number {
    return this.options.partition;
  }

  /** Changelog topic → store, for restore. */
  changelogs(): Map<string, ChangelogStore<unknown>> {
    const byTopic = new Map<string, ChangelogStore<unknown>>();
    for (const store of this.stores.values()) byTopic.set(changelogTopic(this.options.applicationId, store.name), store);
    return byTopic;
  }

  /** Call once the stores are restored: settles them and picks up the persisted stream time. */
  restored(): void {
    for (const store of this.stores.values()) store.restored();
    const persisted = this.progress.get(STREAM_TIME_KEY);
    if (persisted !== undefined) this.advanceStreamTime(persisted, false);
    this.nextOffset = this.progress.get(NEXT_OFFSET_KEY) ?? 0;
  }

  /**
   * Processes a batch. Records the state has already seen are skipped: a consumer may
   * start from a committed offset read a moment before the previous owner's last
   * transaction landed, and applying that batch twice would count it twice.
   */
  process(records: readonly LogRecord[]): BatchEffects {
    const now = this.clock();
    let processed = 0;
    for (const record of records) {
      if (record.offset < this.nextOffset) continue;
      this.processOne(record, now);
      this.nextOffset = record.offset + 1;
      processed++;
    }
    // Counted once per batch: a labelled counter hashes its labels on every call.
    if (processed > 0) this.options.metrics.recordsIn.inc({ partition: this.options.partition }, processed);
    if (records.length > 0) this.progress.put(NEXT_OFFSET_KEY, this.nextOffset);
    return { rows: this.takeRows(), outputs: [...this.takeOutputs(), ...this.changelogRecords()], nextOffset: this.nextOffset };
  }

  /** Pushes a stream-time tick as if a record at `ts` had arrived (test driver, shutdown tooling). */
  advanceTo(ts: number): BatchEffects {
    this.advanceStreamTime(ts, true);
    return { rows: this.takeRows(), outputs: [...this.takeOutputs(), ...this.changelogRecords()], nextOffset: this.nextOffset };
  }

  close(): void {
    for (const pipeline of this.pipelines) {
      pipeline.subscription.unsubscribe();
      pipeline.input.complete();
    }
  }

  private processOne(record: LogRecord, now: number): void {
    const { metrics } = this.options;
    const admission = admit(record, this.options.eventCodec, this.options.limits, now);
    if (!admission.ok) return this.deadLetter(record, admission.stage, admission.error, 'runtime');
    const { key, event } = admission;
    if (event.ts < this.streamTime - this.options.allowedLatenessMs) {
      metrics.lateEvents.inc();
      return this.deadLetter(record, 'validation', new LifelongError('LATE_EVENT', { ts: event.ts, streamTime: this.streamTime }), 'runtime');
    }
    if (this.isDuplicate(key, event)) {
      metrics.duplicateEvents.inc();
      return this.deadLetter(record, 'validation', new LifelongError('DUPLICATE_EVENT', { eventId: event.eventId }), 'runtime');
    }
    const item: StreamRecord<UserEvent> = { kind: 'record', key, value: event, partition: record.partition, offset: record.offset, source: record };
    // Indexed: a for-of here left an iterator per record to the garbage collector.
    for (let i = 0; i < this.pipelines.length; i++) this.push(this.pipelines[i]!, item, record);
    this.advanceStreamTime(event.ts, true);
  }

  private push(pipeline: RunningPipeline, item: StreamItem<UserEvent>, record: LogRecord | null): void {
    pipeline.input.next(item);
    if (pipeline.failure === undefined) return;
    const error = new LifelongError('PROCESSING_FAILED', { detail: messageOf(pipeline.failure) }, { cause: pipeline.failure });
    this.options.logger.error({ err: pipeline.failure, topology: pipeline.topology.name, offset: record?.offset }, 'pipeline failed on a record; it is dead-lettered and the pipeline restarted');
    if (record) this.deadLetter(record, 'processing', error, pipeline.topology.name);
    // State lives in stores, so a fresh pipeline carries on where the failed one stopped.
    const fresh = this.startPipeline(pipeline.topology);
    pipeline.input = fresh.input;
    pipeline.subscription = fresh.subscription;
    pipeline.failure = undefined;
  }

  private advanceStreamTime(ts: number, persist: boolean): void {
    if (ts <= this.streamTime) return;
    this.streamTime = ts;
    if (persist) this.progress.put(STREAM_TIME_KEY, ts);
    const interval = this.options.punctuateIntervalMs;
    if (this.nextTickAt === Infinity) this.nextTickAt = (Math.floor(ts / interval) + 1) * interval;
    if (ts < this.nextTickAt) return;
    this.nextTickAt = (Math.floor(ts / interval) + 1) * interval;
    const tick: StreamItem<UserEvent> = { kind: 'tick', streamTime: ts };
    for (const pipeline of this.pipelines) this.push(pipeline, tick, null);
  }

  private isDuplicate(key: string, { eventId, ts }: UserEvent): boolean {
    const recent = this.seen.get(key) ?? RecentEventIds.empty();
    if (recent.has(eventId)) return true;
    recent.add(eventId, ts, { window: this.options.dedupeWindow, streamTime: this.streamTime, allowedLatenessMs: this.options.allowedLatenessMs });
    this.seen.put(key, recent);
    return false;
  }

  private startPipeline(topology: TopologyDefinition<UserEvent>): RunningPipeline {
    const input = new Subject<StreamItem<UserEvent>>();
    const running: RunningPipeline = { topology, input, subscription: undefined as unknown as Subscription, failure: undefined };
    running.subscription = topology.pipeline(input.asObservable(), this.contextFor(topology)).subscribe({
      next: (emission: Emission) => this.collect(topology, emission),
      error: (error: unknown) => {
        running.failure = error ?? new Error('pipeline failed');
      },
    });
    return running;
  }

  private contextFor(topology: TopologyDefinition<UserEvent>): PartitionContext {
    const declared = new Set(topology.stores.map((s) => s.name));
    const readable = new Set([...declared, ...(topology.reads ?? [])]);
    const declaredGlobals = new Set((topology.globalTables ?? []).map((g) => g.name));
    return {
      partition: this.options.partition,
      topology: topology.name,
      logger: this.options.logger.child({ topology: topology.name }),
      store: <V>(name: string): KeyValueStore<V> => {
        const store = this.stores.get(name);
        if (!store || !declared.has(name)) throw new Error(`lifelong: topology ${topology.name} did not declare a store named ${name}`);
        return store as unknown as KeyValueStore<V>;
      },
      readStore: <V>(name: string): ReadableStore<V> => {
        const store = this.stores.get(name);
        if (!store || !readable.has(name)) throw new Error(`lifelong: topology ${topology.name} did not declare that it reads a store named ${name}`);
        return store as unknown as ReadableStore<V>;
      },
      globalTable: <V>(name: string): GlobalTable<V> => {
        const table = this.options.globalTables?.get(name);
        if (!table || !declaredGlobals.has(name)) throw new Error(`lifelong: topology ${topology.name} did not declare a global table named ${name}`);
        return table as GlobalTable<V>;
      },
      streamTime: () => this.streamTime,
      observe: (stage, seconds) => this.options.metrics.stageSeconds.observe({ topology: topology.name, stage }, seconds),
      deadLetter: (record, error) => this.deadLetter(record.source, 'processing', error, topology.name),
    };
  }

  private collect(topology: TopologyDefinition<UserEvent>, emission: Emission): void {
    const sink = topology.sinks.find((s) => s.name === emission.sink);
    if (!sink) throw new Error(`lifelong: topology ${topology.name} emitted to undeclared sink ${emission.sink}`);
    if (sink.kind === 'topic') {
      const key = emission.key === undefined ? null : Buffer.from(emission.key);
      this.results.push({ topic: sink.topic, key, value: sink.encode(emission.value) });
      return;
    }
    let rows = this.rows.get(emission.sink);
    if (!rows) this.rows.set(emission.sink, (rows = []));
    rows.push(emission.value);
  }

  private deadLetter(record: LogRecord, stage: DeadLetterStage, error: LifelongError, topology: string): void {
    this.options.metrics.deadLetters.inc({ code: error.code, stage });
    // An oversized record is kept only up to the size limit, so one hostile record
    // cannot make the dead-letter topic refuse the whole transaction.
    const limit = this.options.limits.maxRecordBytes;
    const truncated = record.value !== null && record.value.length > limit;
    const letter: DeadLetter = {
      sourceTopic: record.topic,
      sourcePartition: record.partition,
      sourceOffset: record.offset,
      key: record.key,
      value: truncated ? record.value!.subarray(0, limit) : record.value,
      errorCode: error.code,
      errorClass: error.name,
      message: truncated ? `${error.message} (value truncated to its first ${limit} bytes here)` : error.message,
      stage,
      topology,
      ts: this.clock(),
    };
    this.deadLetters.push({ topic: this.options.deadLetterTopic, key: record.key, value: this.options.deadLetterCodec.encode(letter) });
  }

  private addStore<V>(name: string, codec: ValueCodec<V>, resident?: ResidentForm): ChangelogStore<V> {
    if (this.stores.has(name)) throw new Error(`lifelong: two topologies declare a store named ${name}`);
    const store = new ChangelogStore<V>(name, codec, resident);
    this.stores.set(name, store as ChangelogStore<unknown>);
    return store;
  }

  private changelogRecords(): OutboundRecord[] {
    const records: OutboundRecord[] = [];
    for (const [topic, store] of this.changelogs()) {
      // Drained even when unchanged: a `bytes` store empties its commit-scoped cache.
      for (const change of store.drainChanges()) records.push({ topic, partition: this.options.partition, key: change.key, value: change.value });
    }
    return records;
  }

  private takeRows(): Map<string, Record<string, unknown>[]> {
    const rows = this.rows;
    this.rows = new Map();
    return rows;
  }

  /** Topic-sink results then dead letters, in the order they arose within each. */
  private takeOutputs(): OutboundRecord[] {
    const outputs = [...this.results, ...this.deadLetters];
    this.results = [];
    this.deadLetters = [];
    return outputs;
  }
}
