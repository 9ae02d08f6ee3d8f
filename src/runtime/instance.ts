import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { RuntimeMetrics } from '../observability/metrics.js';
import { OpsServer } from '../observability/http-server.js';
import { AvroCodec, LocalSchemaRegistry } from '../serde/avro.js';
import type { DeadLetter, UserEvent } from '../serde/records.js';
import { clickHouseSink, type RowSink } from '../sinks/clickhouse/batched-sink.js';
import { connectClickHouse, type ClickHouseHandle } from '../sinks/clickhouse/connect.js';
import { migrate } from '../sinks/clickhouse/migrations.js';
import type { TopologyDefinition } from '../topology/topology.js';
import type { Transport } from '../transports/contract.js';
import { KafkaTransport } from '../transports/kafka/kafka-transport.js';
import { MemoryTransport } from '../transports/memory/memory-transport.js';
import { queryRoute } from './interactive-queries.js';
import { DEFAULT_RETRY } from './retry.js';
import type { InstanceService } from './service.js';
import { StreamApp } from './stream-app.js';

/** One running lifelong instance and everything it owns. */
export interface Instance {
  readonly config: Config;
  readonly app: StreamApp;
  readonly transport: Transport;
  readonly clickhouse: ClickHouseHandle;
  readonly metrics: RuntimeMetrics;
  readonly codecs: { readonly event: AvroCodec<UserEvent>; readonly deadLetter: AvroCodec<DeadLetter> };
  /** The port /metrics, /healthz and /readyz answer on (undefined when disabled). */
  readonly httpPort: number | undefined;
  readonly ops: OpsServer;
  stop(): Promise<void>;
}

export interface InstanceDependencies {
  readonly logger: Logger;
  /** A transport to share (the embedded demo hands its in-memory log to the generator). */
  readonly transport?: Transport;
  /** Process-level services the topologies use (the lifelong-value learner): started before the first record, stopped after the last commit. */
  readonly services?: readonly InstanceService[];
}

/** Builds the transport, ClickHouse, sinks and runtime from the config, and starts them. */
export async function startInstance(config: Config, topologies: readonly TopologyDefinition<UserEvent>[], deps: InstanceDependencies): Promise<Instance> {
  const { logger } = deps;
  const metrics = new RuntimeMetrics({ defaultMetrics: true });
  const registry = new LocalSchemaRegistry();
  const codecs = { event: new AvroCodec<UserEvent>('UserEvent', registry, config.wireFormat), deadLetter: new AvroCodec<DeadLetter>('DeadLetter', registry) };
  const transport = deps.transport ?? createTransport(config, logger);

  const clickhouse = await connectClickHouse({
    ...(config.clickhouse.url ? { url: config.clickhouse.url } : {}),
    ...(config.clickhouse.password ? { password: config.clickhouse.password } : {}),
    ...(config.clickhouse.caFile ? { caFile: config.clickhouse.caFile } : {}),
    embeddedPath: config.clickhouse.embeddedPath,
    database: config.clickhouse.database,
    username: config.clickhouse.username,
    requestTimeoutMs: config.clickhouse.requestTimeoutMs,
  });
  const migrations = await migrate(clickhouse, { logger });
  logger.info({ clickhouse: clickhouse.describe, applied: migrations.applied }, 'clickhouse ready');

  const sinks = new Map<string, RowSink<Record<string, unknown>>>();
  for (const topology of topologies) {
    for (const sink of topology.sinks) {
      // Topic sinks go out with the batch's commit; only tables need a row sink.
      if (sink.kind !== 'clickhouse') continue;
      sinks.set(
        sink.name,
        clickHouseSink(clickhouse, {
          table: sink.table,
          maxBatchRows: config.sink.maxBatchRows,
          maxBatchDelayMs: config.sink.maxBatchDelayMs,
          maxBufferedRows: config.sink.maxBufferedRows,
          retry: DEFAULT_RETRY,
          logger: logger.child({ sink: sink.name }),
          onInsert: (_rows, ms) => metrics.sinkInsertSeconds.observe({ sink: sink.name }, ms / 1000),
          onRetry: () => metrics.sinkRetries.inc({ sink: sink.name }),
        }),
      );
    }
  }

  const app = new StreamApp({
    applicationId: config.applicationId,
    inputTopic: config.topics.events,
    deadLetterTopic: config.topics.deadLetter,
    partitions: config.partitions,
    topologies,
    transport,
    sinks,
    eventCodec: codecs.event,
    deadLetterCodec: codecs.deadLetter,
    limits: config.limits,
    allowedLatenessMs: config.allowedLatenessMs,
    dedupeWindow: config.dedupeWindow,
    punctuateIntervalMs: config.punctuateIntervalMs,
    maxBatchRecords: config.consumer.maxBatchRecords,
    concurrency: config.consumer.concurrency,
    heartbeatIntervalMs: config.consumer.heartbeatIntervalMs,
    logger,
    metrics,
  });

  let live = true;
  const ops = new OpsServer(metrics.registry, {
    get live() {
      return live;
    },
    get ready() {
      return app.ready;
    },
  });
  for (const topology of topologies) for (const query of topology.queries ?? []) ops.addRoute(queryRoute(query, app));
  const httpPort = config.http.enabled ? await ops.listen(config.http.port, config.http.host) : undefined;
  if (httpPort !== undefined) logger.info({ port: httpPort }, 'serving /metrics, /healthz and /readyz');

  for (const service of deps.services ?? []) await service.start({ logger: logger.child({ service: service.name }), metrics });
  await app.start();

  const pendingGauge = setInterval(() => {
    for (const [name, sink] of sinks) metrics.sinkPendingRows.set({ sink: name }, sink.pendingRows);
  }, 1_000).unref();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      clearInterval(pendingGauge);
      await app.stop();
      for (const service of [...(deps.services ?? [])].reverse()) await service.stop();
      await Promise.all([...sinks.values()].map((s) => s.close()));
      if (!deps.transport) await transport.close();
      await clickhouse.close();
      live = false;
      await ops.close();
    })());

  return { config, app, transport, clickhouse, metrics, codecs, httpPort, ops, stop };
}

export function createTransport(config: Config, logger: Logger): Transport {
  if (config.brokers.length === 0) return new MemoryTransport();
  const { kafka } = config;
  return new KafkaTransport(
    {
      brokers: config.brokers,
      clientId: kafka.clientId,
      ssl: kafka.ssl,
      ...(kafka.sslCaFile ? { sslCaFile: kafka.sslCaFile } : {}),
      ...(kafka.saslMechanism !== 'none' ? { sasl: { mechanism: kafka.saslMechanism, username: kafka.saslUsername, password: kafka.saslPassword } } : {}),
      sessionTimeoutMs: config.consumer.sessionTimeoutMs,
      transactionTimeoutMs: kafka.transactionTimeoutMs,
      connectionTimeoutMs: kafka.connectionTimeoutMs,
    },
    logger.child({ component: 'kafka' }),
  );
}
