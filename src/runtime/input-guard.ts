import { LifelongError, isLifelongError, messageOf } from '../errors/catalog.js';
import type { AvroCodec } from '../serde/avro.js';
import type { DeadLetterStage, UserEvent } from '../serde/records.js';
import { validateEvent, type EventLimits } from '../serde/validate-event.js';
import type { LogRecord } from '../transports/contract.js';

export interface GuardLimits extends EventLimits {
  /** Largest accepted record value, in bytes; larger ones are dead-lettered undecoded. */
  readonly maxRecordBytes: number;
}

export type Admission = { readonly ok: true; readonly key: string; readonly event: UserEvent } | { readonly ok: false; readonly stage: DeadLetterStage; readonly error: LifelongError };

/**
 * Turns bytes into a valid event, or into the reason it is refused: too large, not
 * decodable, invalid, or keyed differently from its user (which would break the
 * per-user ordering that every store relies on).
 */
export function admit(record: LogRecord, codec: AvroCodec<UserEvent>, limits: GuardLimits, now: number): Admission {
  const value = record.value;
  if (value === null) return refuse('deserialization', new LifelongError('DECODE_FAILED', { what: 'UserEvent', detail: 'the record has no value' }));
  if (value.length > limits.maxRecordBytes) return refuse('deserialization', new LifelongError('RECORD_TOO_LARGE', { bytes: value.length, limit: limits.maxRecordBytes }));
  let event: UserEvent;
  try {
    event = codec.decode(value);
  } catch (error) {
    return refuse('deserialization', asLifelong(error, 'DECODE_FAILED'));
  }
  try {
    validateEvent(event, limits, now);
  } catch (error) {
    return refuse('validation', asLifelong(error, 'RECORD_INVALID'));
  }
  const key = record.key?.toString('utf8');
  if (key !== event.userId) {
    return refuse('validation', new LifelongError('RECORD_INVALID', { detail: `record key ${JSON.stringify(key ?? null)} is not the event's userId ${JSON.stringify(event.userId)}` }));
  }
  return { ok: true, key, event };
}

function refuse(stage: DeadLetterStage, error: LifelongError): Admission {
  return { ok: false, stage, error };
}

function asLifelong(error: unknown, fallback: 'DECODE_FAILED' | 'RECORD_INVALID'): LifelongError {
  if (isLifelongError(error)) return error;
  return fallback === 'DECODE_FAILED'
    ? new LifelongError('DECODE_FAILED', { what: 'UserEvent', detail: messageOf(error) }, { cause: error })
    : new LifelongError('RECORD_INVALID', { detail: messageOf(error) }, { cause: error });
}
