import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The runtime's Prometheus metrics, one registry per application instance (tests run
 * several in one process). Label sets are small and bounded: partition numbers,
 * topology and sink names, error codes.
 */
export class RuntimeMetrics {
  readonly registry = new Registry();
  readonly recordsIn: Counter<'partition'>;
  readonly recordsOut: Counter<'sink'>;
  readonly deadLetters: Counter<'code' | 'stage'>;
  readonly lateEvents: Counter;
  readonly duplicateEvents: Counter;
  readonly lag: Gauge<'partition'>;
  readonly batchSeconds: Histogram;
  readonly commitSeconds: Histogram;
  readonly sinkInsertSeconds: Histogram<'sink'>;
  readonly sinkRetries: Counter<'sink'>;
  readonly sinkPendingRows: Gauge<'sink'>;
  readonly restoreSeconds: Histogram;
  readonly stageSeconds: Histogram<'topology' | 'stage'>;
  readonly restoredRecords: Counter<'store'>;
  readonly storeKeys: Gauge<'store'>;
  readonly globalTableRecords: Counter<'table' | 'outcome'>;
  readonly assignedPartitions: Gauge;
  readonly rebalances: Counter;
  readonly ready: Gauge;
  readonly learnerBackend: Gauge<'backend'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'lifelong_' });
    this.recordsIn = new Counter({ name: 'lifelong_records_in_total', help: 'Input records read, per partition', labelNames: ['partition'], registers });
    this.recordsOut = new Counter({ name: 'lifelong_records_out_total', help: 'Records and rows written, per sink', labelNames: ['sink'], registers });
    this.deadLetters = new Counter({ name: 'lifelong_dead_letters_total', help: 'Records routed to the dead-letter topic, per reason', labelNames: ['code', 'stage'], registers });
    this.lateEvents = new Counter({ name: 'lifelong_late_events_total', help: 'Events later than the allowed lateness', registers });
    this.duplicateEvents = new Counter({ name: 'lifelong_duplicate_events_total', help: 'Events whose eventId was already processed', registers });
    this.lag = new Gauge({ name: 'lifelong_consumer_lag', help: 'Records behind the end of the input partition', labelNames: ['partition'], registers });
    this.batchSeconds = new Histogram({ name: 'lifelong_batch_duration_seconds', help: 'Processing time of one partition batch, commit included', buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });
    this.commitSeconds = new Histogram({ name: 'lifelong_commit_duration_seconds', help: 'Time to commit a batch (outputs, changelogs and offsets)', buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers });
    this.sinkInsertSeconds = new Histogram({ name: 'lifelong_sink_insert_duration_seconds', help: 'Duration of one insert into a sink', labelNames: ['sink'], buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers });
    this.sinkRetries = new Counter({ name: 'lifelong_sink_retries_total', help: 'Failed sink inserts that were retried', labelNames: ['sink'], registers });
    this.sinkPendingRows = new Gauge({ name: 'lifelong_sink_pending_rows', help: 'Rows buffered and not yet durable', labelNames: ['sink'], registers });
    this.stageSeconds = new Histogram({ name: 'lifelong_stage_duration_seconds', help: 'Duration of a named stage inside a topology (e.g. recommend\'s slate: request consumed to slate ready)', labelNames: ['topology', 'stage'], buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25], registers });
    this.restoreSeconds = new Histogram({ name: 'lifelong_restore_duration_seconds', help: 'Time to restore stores on assignment', buckets: [0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60], registers });
    this.restoredRecords = new Counter({ name: 'lifelong_restored_records_total', help: 'Changelog records applied during restores', labelNames: ['store'], registers });
    this.storeKeys = new Gauge({ name: 'lifelong_store_keys', help: 'Keys held per store (all local partitions)', labelNames: ['store'], registers });
    this.globalTableRecords = new Counter({ name: 'lifelong_global_table_records_total', help: 'Records applied to global tables, per outcome (put, delete, invalid)', labelNames: ['table', 'outcome'], registers });
    this.assignedPartitions = new Gauge({ name: 'lifelong_assigned_partitions', help: 'Input partitions owned by this instance', registers });
    this.rebalances = new Counter({ name: 'lifelong_rebalances_total', help: 'Partition assignments received', registers });
    this.ready = new Gauge({ name: 'lifelong_ready', help: '1 when the instance is ready (restored, sinks healthy)', registers });
    this.learnerBackend = new Gauge({ name: 'lifelong_learner_backend', help: 'TensorFlow.js backend of the lifelong-value learner (1 for the active one: tensorflow, wasm or cpu)', labelNames: ['backend'], registers });
  }
}
