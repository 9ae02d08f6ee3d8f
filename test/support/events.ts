import type { UserEvent } from '../../src/serde/records.js';

/** A UserEvent with the given fields; every other field is null. */
export function userEvent(fields: Partial<UserEvent> & Pick<UserEvent, 'eventId' | 'userId' | 'type' | 'ts'>): UserEvent {
  return {
    sessionId: null,
    itemId: null,
    authorId: null,
    category: null,
    requestId: null,
    position: null,
    dwellMs: null,
    value: null,
    ...fields,
  };
}
