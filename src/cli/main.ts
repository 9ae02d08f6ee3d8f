#!/usr/bin/env node
import { Command } from 'commander';
import { loadConfig, redactedConfig, type Config } from '../config/config.js';
import { configReference } from '../config/reference.js';
import { isLifelongError, messageOf } from '../errors/catalog.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { startInstance } from '../runtime/instance.js';
import type { InstanceService } from '../runtime/service.js';
import { describeTopology } from '../topology/topology.js';
import { topologiesFromConfig } from '../../topologies/index.js';
import { runDemo } from './demo.js';
import { registerEvaluationCommands } from './evaluation-commands.js';
import { addConfigOptions, configFlags } from './options.js';

const program = new Command('lifelong')
  .description('A stream processor for recommendation that optimizes long-term user satisfaction.')
  .showHelpAfterError();

addConfigOptions(
  program
    .command('run')
    .description('Run the topologies as a long-lived service until SIGTERM or SIGINT (embedded log and engine unless --brokers/--clickhouse are given).'),
).action(async (options: Record<string, unknown>) => {
  const { config, logger } = setup(options);
  // Listen before starting: a SIGTERM that arrives while the instance starts (it may
  // already answer /readyz) stops it as soon as it is up, gracefully.
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const services: InstanceService[] = [];
  const instance = await startInstance(config, topologiesFromConfig(config, services), { logger, services });
  logger.info({ signal: await signal }, 'shutting down: finishing the batch in progress and committing');
  const timer = setTimeout(() => {
    logger.error({ ms: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();
  try {
    await instance.stop();
    clearTimeout(timer);
    // Everything is committed and closed: exit now rather than wait for client
    // libraries' stray timers and sockets (kafkajs leaves some after a broker restart).
    logger.info('stopped; exiting');
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
});

addConfigOptions(
  program
    .command('demo')
    .description('Generate plausible user sessions, process them, and print a summary read back from ClickHouse (`npm start` runs `simulate`).'),
).action(async (options: Record<string, unknown>) => {
  const { config, logger } = setup(options);
  const services: InstanceService[] = [];
  const summary = await runDemo(config, topologiesFromConfig(config, services), logger, services);
  const utility = summary.meanUtility === null ? 'n/a' : summary.meanUtility.toFixed(3);
  process.stdout.write(
    [
      '',
      'lifelong demo finished',
      `  events processed     ${summary.events} in ${summary.seconds.toFixed(1)} s (${Math.round(summary.eventsPerSecond)} events/s)`,
      `  sessions in ClickHouse ${summary.sessions}`,
      `  mean CTR             ${summary.meanCtr.toFixed(3)}`,
      `  mean session utility ${utility}`,
      `  dead letters         ${summary.deadLetters}`,
      `  interest profiles    ${summary.interestProfiles} users (catalog of ${summary.catalogItems} items; unknown items fall back to their category)`,
      `  data                 ${summary.clickhouse} (table session_metrics; read with FINAL)`,
      '',
    ].join('\n'),
  );
});

addConfigOptions(program.command('describe').description('Print the topologies: sources, stores with their changelog topics, and sinks.')).action((options: Record<string, unknown>) => {
  const { config } = setup(options);
  const descriptions = topologiesFromConfig(config).map((t) => describeTopology(t, config.applicationId, config.topics.events));
  process.stdout.write(JSON.stringify(descriptions, null, 2) + '\n');
});

addConfigOptions(
  program
    .command('config')
    .description('Print the resolved configuration (secrets redacted), or with --reference the Markdown reference of every option.')
    .option('--reference', 'print the reference table of all options instead'),
).action((options: Record<string, unknown>) => {
  if (options['reference']) {
    process.stdout.write(configReference() + '\n');
    return;
  }
  const { config } = setup(options);
  process.stdout.write(JSON.stringify(redactedConfig(config), null, 2) + '\n');
});

function setup(options: Record<string, unknown>): { config: Config; logger: Logger } {
  const file = typeof options['config'] === 'string' ? options['config'] : undefined;
  const config = loadConfig({ flags: configFlags(options), env: process.env, ...(file ? { file } : {}) });
  const logger = createLogger({ level: config.log.level });
  const shown = redactedConfig(config);
  logger.info({ mode: config.brokers.length > 0 ? 'kafka' : 'embedded', clickhouse: config.clickhouse.url ? (shown['clickhouse'] as { url: string }).url : 'embedded', config: shown }, 'lifelong starting');
  return { config, logger };
}

/** The default topologies; the process-level services they need (the lifelong-value learner) are added to `services`. */

registerEvaluationCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (isLifelongError(error, 'CONFIG_INVALID')) {
    process.stderr.write(`lifelong: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`lifelong: ${messageOf(error)}\n${error instanceof Error && error.stack ? error.stack + '\n' : ''}`);
  process.exit(1);
});
