import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths whose values never reach a log line: credentials in config objects, client
 * options and error details. pino removes them before serialisation.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'sasl',
  '*.sasl',
  '*.*.sasl',
  'ssl.key',
  '*.ssl.key',
  'authorization',
  '*.authorization',
  'headers.authorization',
];

export interface LoggerSettings {
  readonly level: string;
  readonly pretty?: boolean;
}

export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    name: 'lifelong',
    level: settings.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that writes nothing, for tests and library use without output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
