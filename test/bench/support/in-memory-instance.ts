import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../../../src/config/config.js';
import { waitUntilCommitted } from '../../../src/cli/demo.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { startInstance, type Instance } from '../../../src/runtime/instance.js';
import type { TopologyDefinition } from '../../../src/topology/topology.js';
import type { UserEvent } from '../../../src/serde/records.js';
import { MemoryTransport } from '../../../src/transports/memory/memory-transport.js';
import { topologiesFromConfig } from '../../../topologies/index.js';
import { benchConfig, runId } from './bench-config.js';
import { asRecords, produceAll, publishCatalog, type BenchInput } from './bench-events.js';
import { cpuSecondsSince, perSecond, round } from './figures.js';

export interface InMemoryInstance {
  readonly config: Config;
  readonly transport: MemoryTransport;
  readonly instance: Instance;
  readonly topologies: readonly TopologyDefinition<UserEvent>[];
  /** Stops the instance and deletes its scratch directory (the embedded engine's data). */
  stop(): Promise<void>;
}

/**
 * A whole instance on the in-memory log with the embedded ClickHouse engine, the demo's
 * catalog already loaded: every topology of the configured application, or the named ones. Training is excluded: no services are handed over, so the
 * lifelong-value learner is never started (its replay buffer still fills).
 */
export async function startInMemory(partitions: number, only?: readonly string[]): Promise<InMemoryInstance> {
  const run = runId('inproc');
  const config = benchConfig({ run, eventsTopic: `${run}.events`, itemsTopic: `${run}.items`, partitions });
  const transport = new MemoryTransport();
  await publishCatalog(transport, config.topics.items, partitions, config.interest.embeddingDim);
  await transport.ensureTopics([{ name: config.topics.events, partitions }]);
  // The application as configured, or only the named topologies of it (none of which may read a store of one left out).
  const topologies = topologiesFromConfig(config).filter((t) => only === undefined || only.includes(t.name));
  const instance = await startInstance(config, topologies, { logger: silentLogger(), transport });
  const stop = async (): Promise<void> => {
    await instance.stop();
    rmSync(dirname(config.clickhouse.embeddedPath), { recursive: true, force: true });
  };
  return { config, transport, instance, topologies, stop };
}

/** Produces the input and waits until all of it is committed: wall milliseconds and CPU seconds of this process. */
export async function processAll(run: InMemoryInstance, input: BenchInput): Promise<{ ms: number; cpuSeconds: number }> {
  const records = asRecords(input, run.config.topics.events);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await produceAll(run.transport, records);
  await waitUntilCommitted(run.instance, run.config.topics.events);
  return { ms: performance.now() - started, cpuSeconds: cpuSecondsSince(cpu) };
}

export interface InMemoryRate {
  readonly eventsPerSecond: number;
  /** Events per CPU-second of this whole process (every thread: the embedded engine's, GC's). */
  readonly eventsPerCpuSecond: number;
  readonly cpuSeconds: number;
  readonly seconds: number;
}

/** The application (or the named topologies of it) over the input on a fresh in-memory instance, training excluded. */
export async function inMemoryRate(partitions: number, input: BenchInput, only?: readonly string[]): Promise<InMemoryRate> {
  const run = await startInMemory(partitions, only);
  try {
    const { ms, cpuSeconds } = await processAll(run, input);
    return { eventsPerSecond: perSecond(input.events.length, ms), eventsPerCpuSecond: Math.round(input.events.length / cpuSeconds), cpuSeconds: round(cpuSeconds, 1), seconds: round(ms / 1000, 1) };
  } finally {
    await run.stop();
  }
}
