import cliProgress from 'cli-progress';
import type { Logger } from '../observability/logger.js';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

/**
 * A progress bar on a terminal; on a pipe or in CI, a log line every tenth of the way,
 * so long work never looks stuck and never floods a log file.
 */
export function progress(label: string, total: number, logger: Logger): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(Math.min(done, total)), stop: () => bar.stop() };
  }
  let nextTenth = 1;
  return {
    update: (done) => {
      while (total > 0 && done >= (nextTenth * total) / 10 && nextTenth <= 10) {
        logger.info({ done, total }, `${label}: ${nextTenth * 10}%`);
        nextTenth++;
      }
    },
    stop: () => {},
  };
}
