/**
 * One catalog of the errors lifelong raises on purpose. Each has a stable code (for
 * alerts and dead-letter reasons), a message template, and whether retrying can help.
 */
export const ERRORS = {
  CONFIG_INVALID: { retriable: false, template: 'invalid configuration: {detail}' },
  DECODE_FAILED: { retriable: false, template: 'could not decode {what}: {detail}' },
  UNKNOWN_SCHEMA_ID: { retriable: false, template: 'unknown schema id {id}' },
  RECORD_INVALID: { retriable: false, template: 'record failed validation: {detail}' },
  RECORD_TOO_LARGE: { retriable: false, template: 'record of {bytes} bytes exceeds the limit of {limit} bytes' },
  DUPLICATE_EVENT: { retriable: false, template: 'event {eventId} was already processed' },
  LATE_EVENT: { retriable: false, template: 'event at {ts} is later than the allowed lateness behind stream time {streamTime}' },
  PROCESSING_FAILED: { retriable: false, template: 'processing failed: {detail}' },
  SINK_UNAVAILABLE: { retriable: true, template: 'sink {sink} is unavailable: {detail}' },
  MIGRATION_FAILED: { retriable: false, template: 'migration {name} failed: {detail}' },
  TRANSPORT_FAILED: { retriable: true, template: 'transport failed: {detail}' },
  RESTORE_FAILED: { retriable: true, template: 'restoring store {store} failed: {detail}' },
  SHUTDOWN_TIMEOUT: { retriable: false, template: 'shutdown did not finish within {ms} ms' },
  LEARNER_BACKEND_UNAVAILABLE: { retriable: false, template: 'no TensorFlow.js backend could start (wanted {preference}): {detail}' },
  CHECKPOINT_REFUSED: { retriable: false, template: 'checkpoint {path} refused: {detail}' },
  CHECKPOINT_SAVE_FAILED: { retriable: true, template: 'saving checkpoint {path} failed: {detail}' },
  GLOBAL_RECORD_INVALID: { retriable: false, template: 'global table {table} refused the record at {topic}/{partition}@{offset}: {detail}' },
  STATE_INCOMPATIBLE: { retriable: false, template: 'stored state of {store} does not match the configuration: {detail}' },
} as const satisfies Record<string, { retriable: boolean; template: string }>;

export type ErrorKey = keyof typeof ERRORS;
export type ErrorCode = `LIFELONG_ERR_${ErrorKey}`;

export class LifelongError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(key: ErrorKey, details: Record<string, unknown> = {}, options: { cause?: unknown } = {}) {
    const entry = ERRORS[key];
    super(fill(entry.template, details), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LifelongError';
    this.code = `LIFELONG_ERR_${key}`;
    this.retriable = entry.retriable;
    this.details = details;
  }
}

export function isLifelongError(error: unknown, key?: ErrorKey): error is LifelongError {
  return error instanceof LifelongError && (key === undefined || error.code === `LIFELONG_ERR_${key}`);
}

/** The message of any thrown value, for logs and dead-letter reasons. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fill(template: string, details: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => (name in details ? String(details[name]) : `{${name}}`));
}
