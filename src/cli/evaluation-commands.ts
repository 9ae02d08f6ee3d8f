import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, redactedConfig, type ConfigSources } from '../config/config.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { findingMarkdown, findingRows } from '../sim/finding.js';
import { parameterSet, PARAMETER_SETS } from '../sim/parameters.js';
import type { SimulationReport } from '../sim/report.js';
import { addConfigOptions, configFlags } from './options.js';
import { DEFAULT_COLUMNS, parseColumnMapping } from '../eval/interaction-log.js';
import { evaluateLog, evaluationSummary } from './evaluate.js';
import { replaySummary, runReplay } from './replay.js';
import { runSimulation, type SimulateResult } from './simulate.js';

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
const nonNegativeInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};

/** Config sources from a command's parsed options, and a logger at the configured level. */
export function commandContext(options: Record<string, unknown>): { sources: ConfigSources; logger: Logger } {
  const file = typeof options['config'] === 'string' ? options['config'] : undefined;
  const sources: ConfigSources = { flags: configFlags(options), env: process.env, ...(file ? { file } : {}) };
  const config = loadConfig(sources);
  const logger = createLogger({ level: config.log.level });
  logger.info({ mode: config.brokers.length > 0 ? 'kafka' : 'embedded', config: redactedConfig(config) }, 'lifelong starting');
  return { sources, logger };
}

/** `lifelong simulate` (what `npm start` runs, shortened), `lifelong replay` and `lifelong evaluate`. */
export function registerEvaluationCommands(program: Command): void {
  addConfigOptions(
    program
      .command('simulate')
      .description('Run a seeded population of users and creators against the recommend topology (closed loop, through topics), once per policy; write a JSON report and an HTML page.')
      .option('--users <n>', 'simulated users', positiveInt, 1_000)
      .option('--days <n>', 'simulated days', positiveInt, 7)
      .option('--policy <list>', 'policies to compare, comma separated (each runs the same seeded world)', 'greedy,lifelong')
      .option('--seed <n>', 'seed of the world', nonNegativeInt, 1)
      .option('--params <name>', `simulation parameter set: ${Object.keys(PARAMETER_SETS).join(', ')}`, 'baseline')
      .option('--out <dir>', 'directory of the report', '.lifelong/sim')
      .option('--slate-timeout-ms <ms>', 'longest wait for one step of slates (wall clock; generous, since a loaded machine can stall an instance for minutes)', positiveInt, 600_000)
      .option('--slate-log <file>', 'also write every served slate and its clicks as JSONL (input of `lifelong evaluate`)'),
  ).action(async (options: Record<string, unknown>) => {
    const { sources, logger } = commandContext(options);
    const result = await runSimulation(
      sources,
      {
        users: options['users'] as number,
        days: options['days'] as number,
        policies: String(options['policy']).split(',').map((p) => p.trim()).filter((p) => p !== ''),
        seed: options['seed'] as number,
        params: parameterSet(String(options['params'])),
        outDir: String(options['out']),
        slateTimeoutMs: options['slateTimeoutMs'] as number,
        ...(typeof options['slateLog'] === 'string' ? { slateLog: options['slateLog'] } : {}),
      },
      logger,
    );
    process.stdout.write(simulationSummary(result));
  });

  program
    .command('simulate-summary')
    .description('The finding table (Markdown) of the simulation reports in a directory: lifelong against greedy per parameter set and seed.')
    .option('--dir <dir>', 'directory of simulation-*.json reports', '.lifelong/sim')
    .action((options: Record<string, unknown>) => {
      const dir = String(options['dir']);
      const reports = readdirSync(dir)
        .filter((f) => f.startsWith('simulation-') && f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SimulationReport);
      process.stdout.write(findingMarkdown(findingRows(reports)));
    });

  addConfigOptions(
    program
      .command('replay')
      .description('Replay a real interaction log in time order through the topologies; at each session start ask for a slate and score it against the user\'s next interactions (HR@K, NDCG@K, coverage, novelty), next to popularity and most-recent-author baselines.')
      .requiredOption('--input <file>', 'the log: .tsv, .csv or .jsonl with user, item, author, category, timestamp, strength')
      .option('--columns <mapping>', `field=column pairs, e.g. user=userId,item=movieId,author=directorId,strength=rating (defaults: ${Object.entries(DEFAULT_COLUMNS).map(([f, c]) => `${f}=${c}`).join(',')})`)
      .option('--items <file>', 'side file of item categories (e.g. MovieLens movies.csv); the first category is the item\'s, all are its tags')
      .option('--item-columns <mapping>', 'item=column,category=column of --items (categories separated by |)', 'item=movieId,category=genres')
      .option('--k <n>', 'slate positions scored', positiveInt, 10)
      .option('--horizon <n>', 'next interactions of the session that form the truth', positiveInt, 10)
      .option('--min-history <n>', 'interactions a user needs before a request point is scored', nonNegativeInt, 1)
      .option('--positive-at <x>', 'strength at or above which an interaction is relevant (and a like)', Number, 4)
      .option('--negative-at <x>', 'strength at or below which an interaction is a skip', Number, 2)
      .option('--limit <n>', 'only the first N interactions in time order', positiveInt)
      .option('--policy <policy>', 'recommend policy for every user (greedy or lifelong); the configured arms otherwise')
      .option('--slate-timeout-ms <ms>', 'longest wait for the slates after the log is sent', positiveInt, 600_000)
      .option('--output <file>', 'write the report as JSON'),
  ).action(async (options: Record<string, unknown>) => {
    const { sources, logger } = commandContext(options);
    const itemColumns = parseColumnMapping(String(options['itemColumns']), { item: 'movieId', category: 'genres' });
    const report = await runReplay(
      sources,
      {
        input: String(options['input']),
        columns: parseColumnMapping(options['columns'] as string | undefined),
        ...(typeof options['items'] === 'string' ? { items: { path: options['items'], itemColumn: itemColumns.item, categoryColumn: itemColumns.category } } : {}),
        k: options['k'] as number,
        horizon: options['horizon'] as number,
        minHistory: options['minHistory'] as number,
        scale: { positiveAt: options['positiveAt'] as number, negativeAt: options['negativeAt'] as number },
        ...(options['limit'] !== undefined ? { limit: options['limit'] as number } : {}),
        ...(typeof options['policy'] === 'string' ? { policy: options['policy'] } : {}),
        slateTimeoutMs: options['slateTimeoutMs'] as number,
        ...(typeof options['output'] === 'string' ? { output: options['output'] } : {}),
      },
      logger,
    );
    process.stdout.write(replaySummary(report));
  });

  program
    .command('evaluate')
    .description('Off-policy estimates (IPS and self-normalized IPS) of a policy\'s top-slot click rate from a slate log with propensities (lifelong simulate --slate-log).')
    .requiredOption('--log <file>', 'JSONL slate log')
    .requiredOption('--policy <list>', 'target policies, comma separated (a logged policy name, or <policy>-exploit for its exploitation-only variant)')
    .option('--logged-by <policy>', 'only the slates served by this policy')
    .action((options: Record<string, unknown>) => {
      const log = String(options['log']);
      const targets = String(options['policy']).split(',').map((p) => p.trim()).filter((p) => p !== '');
      process.stdout.write(evaluationSummary(log, evaluateLog(log, targets, options['loggedBy'] as string | undefined)));
    });
}

export function simulationSummary({ report, jsonPath, htmlPath }: SimulateResult): string {
  const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);
  const signed = (v: number | null): string => (v === null ? 'n/a' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`);
  const lines = ['', `lifelong simulation: ${report.users} users × ${report.days} days, seed ${report.seed}, parameters ${report.parameters.name}`];
  lines.push(`  ${'policy'.padEnd(10)} ${'CTR'.padStart(7)} ${'engagement'.padStart(11)} ${'last-day return'.padStart(16)} ${'last-day active'.padStart(16)} ${'creators'.padStart(14)} ${'wall s'.padStart(7)}`);
  for (const run of report.runs) {
    lines.push(`  ${run.policy.padEnd(10)} ${pct(run.totals.ctr).padStart(7)} ${run.totals.engagement.toFixed(0).padStart(11)} ${pct(run.totals.lastDayReturnRate).padStart(16)} ${pct(run.totals.lastDayActiveShare).padStart(16)} ${String(run.totals.creatorsActiveAtEnd).padStart(14)} ${run.wallSeconds.toFixed(0).padStart(7)}`);
  }
  for (const c of report.comparison) lines.push(`  ${c.policy} vs ${c.baseline}: return ${signed(c.lastDayReturnRate)}, engagement ${signed(c.totalEngagement)}, CTR ${signed(c.ctr)}`);
  lines.push(`  report  ${jsonPath}`, `  charts  ${htmlPath}`, '');
  return lines.join('\n');
}
