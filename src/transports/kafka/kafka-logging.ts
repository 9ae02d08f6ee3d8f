import kafkajs from 'kafkajs';
import type { Logger } from '../../observability/logger.js';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [kafkajs.logLevel.ERROR]: 'error',
  [kafkajs.logLevel.WARN]: 'warn',
  [kafkajs.logLevel.INFO]: 'info',
  [kafkajs.logLevel.DEBUG]: 'debug',
};

/**
 * Routes kafkajs's own log lines into pino, one level down: kafkajs is chatty at info
 * about routine group membership, which is debug detail for an operator of lifelong.
 */
export function kafkaLogCreator(logger: Logger): kafkajs.logCreator {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      const name = LEVELS[level] ?? 'info';
      const target = name === 'info' ? 'debug' : name;
      kafkaLogger[target](extra, message);
    };
}
