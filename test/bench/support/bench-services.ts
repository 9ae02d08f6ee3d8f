import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../../src/config/paths.js';
import { clickhouseUnreachable, kafkaUnreachable } from '../../support/services.js';

const SCRIPT = join(packageRoot(), 'deploy/local/services.sh');
const SERVICES = ['kafka', 'clickhouse'] as const;
const REACHABLE = { kafka: kafkaUnreachable, clickhouse: clickhouseUnreachable } as const;

function services(action: 'start' | 'stop' | 'status', name: string, quiet = false): boolean {
  return spawnSync('bash', [SCRIPT, action, name], { stdio: quiet ? 'ignore' : ['ignore', 2, 2] }).status === 0;
}

/**
 * Starts the local services that are not already answering (installing them on first use)
 * and returns a function that stops exactly those, leaving a developer's own running.
 */
export async function ensureServices(): Promise<() => void> {
  const started: string[] = [];
  for (const name of SERVICES) {
    // Answering already (ours, a developer's, or one whose pid file is gone): leave it be.
    if ((await REACHABLE[name]()) === undefined || services('status', name, true)) continue;
    if (!services('start', name)) throw new Error(`bench: deploy/local/services.sh start ${name} failed`);
    started.push(name);
  }
  return () => {
    for (const name of started.reverse()) services('stop', name);
  };
}
