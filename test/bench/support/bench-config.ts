import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../../src/config/config.js';

export interface BenchConfigOptions {
  /** Unique per measured run: consumer group, changelog topics, transactional ids. */
  readonly run: string;
  readonly eventsTopic: string;
  readonly itemsTopic: string;
  readonly partitions: number;
  /** Empty: the in-memory log. */
  readonly brokers?: string;
  /** Empty: the embedded engine in a fresh temporary directory. */
  readonly clickhouseUrl?: string;
}

/**
 * A config for one measured run, built like the tests build theirs (option paths as
 * flags): its own application id and ClickHouse database, no HTTP port, quiet logs,
 * critic checkpoints in a temporary directory.
 */
export function benchConfig(options: BenchConfigOptions): Config {
  const scratch = mkdtempSync(join(tmpdir(), `lifelong-bench-${options.run}-`));
  return loadConfig({
    flags: {
      applicationId: options.run,
      brokers: options.brokers ?? '',
      partitions: options.partitions,
      'topics.events': options.eventsTopic,
      'topics.items': options.itemsTopic,
      'topics.deadLetter': `${options.run}.dead-letter`,
      'clickhouse.url': options.clickhouseUrl ?? '',
      'clickhouse.embeddedPath': join(scratch, 'chdb'),
      'clickhouse.database': `bench_${options.run.replace(/[^a-z0-9_]/gi, '_')}`,
      'http.enabled': false,
      'log.level': 'warn',
      'lifelongValue.checkpointDir': join(scratch, 'models'),
    },
  });
}

export function runId(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}
