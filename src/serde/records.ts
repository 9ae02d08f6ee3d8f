/**
 * TypeScript shapes of the Avro records in schemas/*.avsc. The codec decodes into these
 * and a unit test checks that the field names match the schemas, so the two cannot drift.
 */
export const EVENT_TYPES = [
  'IMPRESSION',
  'CLICK',
  'LIKE',
  'SHARE',
  'COMMENT',
  'FOLLOW',
  'UNFOLLOW',
  'GIFT',
  'SKIP',
  'DWELL',
  'NOT_INTERESTED',
  'MUTE_AUTHOR',
  'FEED_REQUEST',
  'SESSION_START',
  'SESSION_END',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface UserEvent {
  eventId: string;
  userId: string;
  sessionId: string | null;
  type: EventType;
  itemId: string | null;
  authorId: string | null;
  category: string | null;
  requestId: string | null;
  position: number | null;
  dwellMs: number | null;
  value: number | null;
  /** Event time, epoch milliseconds. */
  ts: number;
}

/** A UserEvent with the given fields; every optional field not given is null. */
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

export interface Item {
  itemId: string;
  authorId: string;
  category: string;
  tags: string[];
  embedding: number[] | null;
  createdAt: number;
  deleted: boolean;
}

export interface RecommendedItem {
  itemId: string;
  authorId: string;
  category: string;
  score: number;
  interest: number;
  lifelongValue: number;
  novelty: number;
  diversity: number;
  freshness: number;
  /** Probability that the serving policy put this item at this position, given the items before it. */
  propensity: number;
  /** Eligible items the policy chose from at this position. */
  candidates: number;
  /** Whether the item was the policy's best-scored eligible item (false: an exploration draw). */
  exploited: boolean;
}

export interface Recommendation {
  requestId: string;
  userId: string;
  ts: number;
  items: RecommendedItem[];
  plannedCategories: string[];
  /** Probability of the planner's random choice (1 when it had none). */
  planProbability: number;
  /** The per-position exploration rate. */
  exploration: number;
  policy: string;
  arm: string;
  modelVersions: Record<string, number>;
  latencyMicros: number;
}

export interface DeadLetter {
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: number;
  key: Buffer | null;
  value: Buffer | null;
  errorCode: string;
  errorClass: string;
  message: string;
  stage: DeadLetterStage;
  topology: string;
  ts: number;
}

export type DeadLetterStage = 'deserialization' | 'validation' | 'processing';
