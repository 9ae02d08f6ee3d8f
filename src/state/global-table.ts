import { LifelongError, isLifelongError, messageOf } from '../errors/catalog.js';
import type { LogRecord } from '../transports/contract.js';

/**
 * A global table: a compacted topic read whole by every instance and then followed
 * live (Kafka Streams' GlobalKTable). Unlike a store it is not partitioned with the
 * input and not part of a partition's atomic commit: each instance holds the whole
 * table, and records apply in offset order per partition of its topic (so per key).
 *
 * A table may carry indexes, views kept in step with every change (an inverted index
 * for candidate retrieval), built once per instance and shared by all its partitions.
 */
export interface GlobalTableDefinition<V> {
  /** Name topologies use to read it (`context.globalTable('items')`). */
  readonly name: string;
  readonly topic: string;
  readonly doc: string;
  /**
   * Turns a record's value into the table value, or null to remove the key (a
   * `deleted` flag). Throws a LifelongError for a record that must be refused.
   */
  decode(key: string, value: Buffer): V | null;
  readonly indexes?: readonly GlobalIndexDefinition<V>[];
}

export interface GlobalIndexDefinition<V> {
  readonly name: string;
  create(): GlobalIndex<V>;
}

/** Told of every change of its table, in the order they apply. */
export interface GlobalIndex<V> {
  put(key: string, value: V, previous: V | undefined): void;
  remove(key: string, previous: V): void;
}

/** What topologies see: reads only. */
export interface GlobalTable<V> {
  readonly name: string;
  get(key: string): V | undefined;
  readonly size: number;
  entries(): IterableIterator<[string, V]>;
  /** An index declared with the table, by name. */
  index<I>(name: string): I;
}

export type GlobalApplyOutcome = 'put' | 'delete' | 'invalid';

export function defineGlobalTable<V>(definition: GlobalTableDefinition<V>): GlobalTableDefinition<never> {
  return definition as unknown as GlobalTableDefinition<never>;
}

export class MaterializedGlobalTable<V> implements GlobalTable<V> {
  private readonly data = new Map<string, V>();
  private readonly indexes = new Map<string, GlobalIndex<V>>();

  constructor(readonly definition: GlobalTableDefinition<V>) {
    for (const index of definition.indexes ?? []) {
      if (this.indexes.has(index.name)) throw new Error(`lifelong: global table ${definition.name} declares index ${index.name} twice`);
      this.indexes.set(index.name, index.create());
    }
  }

  get name(): string {
    return this.definition.name;
  }

  get(key: string): V | undefined {
    return this.data.get(key);
  }

  get size(): number {
    return this.data.size;
  }

  entries(): IterableIterator<[string, V]> {
    return this.data.entries();
  }

  index<I>(name: string): I {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`lifelong: global table ${this.name} has no index named ${name}`);
    return index as unknown as I;
  }

  /**
   * Applies one record of the topic: a null value (tombstone) or a decoded null removes
   * the key. A refused record changes nothing and is reported through `onInvalid`, so
   * one bad catalog entry never stops the table.
   */
  apply(record: LogRecord, onInvalid?: (error: LifelongError) => void): GlobalApplyOutcome {
    try {
      if (record.key === null) throw new Error('a global table record needs a key');
      const key = record.key.toString('utf8');
      const value = record.value === null ? null : this.definition.decode(key, record.value);
      const previous = this.data.get(key);
      if (value === null) {
        if (previous === undefined) return 'delete';
        this.data.delete(key);
        for (const index of this.indexes.values()) index.remove(key, previous);
        return 'delete';
      }
      this.data.set(key, value);
      for (const index of this.indexes.values()) index.put(key, value, previous);
      return 'put';
    } catch (error) {
      const detail = isLifelongError(error) ? `${error.code}: ${error.message}` : messageOf(error);
      onInvalid?.(new LifelongError('GLOBAL_RECORD_INVALID', { table: this.name, topic: record.topic, partition: record.partition, offset: record.offset, detail }, { cause: error }));
      return 'invalid';
    }
  }
}
