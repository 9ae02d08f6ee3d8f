import { createWriteStream, mkdirSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, type Config, type ConfigSources } from '../config/config.js';
import { OPTIONS } from '../config/options.js';
import { slateLogLine } from '../eval/slate-log.js';
import type { Logger } from '../observability/logger.js';
import { createTransport, startInstance, type Instance } from '../runtime/instance.js';
import type { ClickHouseClient } from '../sinks/clickhouse/connect.js';
import type { InstanceService } from '../runtime/service.js';
import { runClosedLoop } from '../sim/closed-loop.js';
import type { SimulationParameters } from '../sim/parameters.js';
import { compare, totalsOf, type PolicyRun, type SimulationReport } from '../sim/report.js';
import { renderReportHtml } from '../sim/report-html.js';
import { DEFAULT_START_MS } from '../sim/session-generator.js';
import { SimWorld } from '../sim/sim-world.js';
import { TopicSlateChannel } from '../sim/topic-channel.js';
import { topologiesFromConfig } from '../../topologies/index.js';
import { waitUntilCommitted } from './demo.js';
import { progress, type Progress } from './progress.js';

export interface SimulateOptions {
  readonly users: number;
  readonly days: number;
  readonly policies: readonly string[];
  readonly seed: number;
  readonly params: SimulationParameters;
  /** Where the report (and the per-run models) go. */
  readonly outDir: string;
  /** Longest wait for one step's slates, wall-clock milliseconds. */
  readonly slateTimeoutMs: number;
  /** JSONL of every served slate and its clicks, for `lifelong evaluate`. */
  readonly slateLog?: string;
}

export interface SimulateResult {
  readonly report: SimulationReport;
  readonly jsonPath: string;
  readonly htmlPath: string;
}

/**
 * `lifelong simulate`: runs the same seeded world once per policy through the real
 * topologies (a fresh instance, log and critic each time; ClickHouse is shared, the
 * sessions told apart by their ids), then writes the JSON report and the HTML page.
 */
export async function runSimulation(sources: ConfigSources, options: SimulateOptions, logger: Logger): Promise<SimulateResult> {
  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  const runId = Date.now().toString(36);
  const bar = progress('simulating (user-days)', options.users * options.days * options.policies.length, logger);
  const slateLog = options.slateLog ? createWriteStream(options.slateLog) : undefined;
  const runs: PolicyRun[] = [];
  let transportKind: 'memory' | 'kafka' = 'memory';
  try {
    for (const [index, policy] of options.policies.entries()) {
      // Ids carry no wall-clock part: the recommender seeds its exploration with the request
      // id, so the same world and policy must send the same ids to get the same slates.
      const runTag = `sim-${options.params.name}-s${options.seed}-u${options.users}-${policy}`;
      const config = policyConfig(sources, policy, runTag, outDir, runId);
      transportKind = config.brokers.length > 0 ? 'kafka' : 'memory';
      const offset = index * options.users * options.days;
      runs.push(await runPolicy(config, policy, runTag, options, logger, { update: (done) => bar.update(offset + done), stop: () => {} }, slateLog));
      logger.info({ policy, totals: runs[runs.length - 1]!.totals }, 'simulated policy');
    }
  } finally {
    bar.stop();
    if (slateLog) await new Promise<void>((done) => slateLog.end(done));
  }
  const report: SimulationReport = {
    kind: 'lifelong-simulation',
    createdAt: new Date().toISOString(),
    users: options.users,
    days: options.days,
    seed: options.seed,
    parameters: options.params,
    transport: transportKind,
    runs,
    comparison: compare(runs),
  };
  const base = join(outDir, `simulation-${options.params.name}-s${options.seed}-u${options.users}-d${options.days}`);
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(`${base}.html`, renderReportHtml(report));
  return { report, jsonPath: `${base}.json`, htmlPath: `${base}.html` };
}

/**
 * The config of one policy's run: the user's settings, the policy for every user, a
 * fresh critic directory (no policy may inherit another's training), and on Kafka,
 * topics and a group of its own (`runId` keeps a rerun off an earlier run's topics).
 */
export function policyConfig(sources: ConfigSources, policy: string, runTag: string, outDir: string, runId: string): Config {
  const base = loadConfig(sources);
  const checkpointDir = join(outDir, 'models', runTag);
  rmSync(checkpointDir, { recursive: true, force: true });
  const flags: Record<string, unknown> = { ...sources.flags, 'lifelongValue.checkpointDir': checkpointDir, ...policyFlags(policy) };
  if (base.brokers.length > 0) {
    flags['applicationId'] = `${base.applicationId}-${runTag}-${runId}`;
    for (const topic of ['events', 'items', 'recommendations', 'deadLetter'] as const) flags[`topics.${topic}`] = `${base.topics[topic]}.${runTag}-${runId}`;
  }
  return loadConfig({ ...sources, flags });
}

/** Every user on one policy, whichever option the recommend topology reads (an experiment's arms, or a single policy). */
function policyFlags(policy: string): Record<string, unknown> {
  const has = (path: string): boolean => OPTIONS.some((o) => o.path === path);
  if (has('recommend.arms')) return { 'recommend.arms': policy };
  if (has('recommend.policy')) return { 'recommend.policy': policy };
  return {};
}

async function runPolicy(config: Config, policy: string, runTag: string, options: SimulateOptions, logger: Logger, bar: Progress, slateLog: WriteStream | undefined): Promise<PolicyRun> {
  const started = performance.now();
  const transport = createTransport(config, logger);
  const channel = new TopicSlateChannel({ transport, topics: config.topics, partitions: config.partitions, slateTimeoutMs: options.slateTimeoutMs });
  let eventsSent = 0;
  let itemsPublished = 0;
  let instance: Instance | undefined;
  const counting = {
    // A slate may only depend on the seed: the day's items must be in the instance's
    // catalog before the day's first request, or a run would depend on thread timing.
    publishItems: async (items: Parameters<typeof channel.publishItems>[0]) => {
      await channel.publishItems(items);
      itemsPublished += items.length;
      if (instance) await catalogApplied(instance, itemsPublished, options.slateTimeoutMs);
    },
    sendEvents: (events: Parameters<typeof channel.sendEvents>[0]) => ((eventsSent += events.length), channel.sendEvents(events)),
    requestSlates: (requests: Parameters<typeof channel.requestSlates>[0]) => ((eventsSent += requests.length), channel.requestSlates(requests)),
  };
  try {
    await channel.open();
    const world = new SimWorld(options.params, { users: options.users, seed: options.seed, dim: config.interest.embeddingDim, startMs: DEFAULT_START_MS });
    // The back catalog goes first, so the instance loads it as a global table before any event.
    await counting.publishItems(world.backCatalog());
    const services: InstanceService[] = [];
    instance = await startInstance(config, topologiesFromConfig(config, services), { logger, transport, services });
    try {
      const days = await runClosedLoop(world, counting, {
        days: options.days,
        runTag,
        backCatalogPublished: true,
        onProgress: (done) => bar.update(done),
        onDay: (day) => logger.debug({ policy, day }, 'simulated day'),
        ...(slateLog ? { onSlate: (slate) => void slateLog.write(JSON.stringify(slateLogLine(slate.recommendation, slate.outcome.clicked, slate.day)) + '\n') } : {}),
      });
      await waitUntilCommitted(instance, config.topics.events);
      await instance.app.stop();
      return {
        policy,
        days,
        totals: totalsOf(days, options.users),
        wallSeconds: (performance.now() - started) / 1000,
        eventsSent,
        clickhouse: await sessionSummary(instance.clickhouse.client, runTag),
      };
    } finally {
      await instance.stop();
    }
  } finally {
    await channel.close();
    await transport.close();
  }
}

/** Resolves once every global table of the instance has applied `records` catalog records (polled: the runtime has no event for it). */
async function catalogApplied(instance: Instance, records: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const perTable = new Map<string, number>();
    for (const value of (await instance.metrics.globalTableRecords.get()).values) {
      const table = String(value.labels['table']);
      perTable.set(table, (perTable.get(table) ?? 0) + value.value);
    }
    if (perTable.size === 0 || Math.min(...perTable.values()) >= records) return;
    if (performance.now() > deadline) throw new Error(`lifelong: the instance applied ${Math.min(...perTable.values())} of ${records} catalog records within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function sessionSummary(client: ClickHouseClient, runTag: string): Promise<{ sessions: number; meanCtr: number; meanUtility: number | null }> {
  // runTag is made of [a-z0-9.-] only; a literal keeps the query portable to ClickHouse 18.16 (no query parameters).
  const result = await client.query({ query: `SELECT count() AS sessions, avg(ctr) AS mean_ctr, avg(normalized_utility) AS mean_utility FROM session_metrics FINAL WHERE session_id LIKE '${runTag.replace(/[^a-zA-Z0-9.-]/g, '')}-%'`, format: 'JSONEachRow' });
  const [row] = await result.json<{ sessions: string | number; mean_ctr: number | null; mean_utility: number | null }>();
  return { sessions: Number(row?.sessions ?? 0), meanCtr: Number(row?.mean_ctr ?? 0), meanUtility: row?.mean_utility ?? null };
}
