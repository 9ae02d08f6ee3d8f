/**
 * The contract between a topology and the learner. A topology appends transitions and
 * notes the latest state of pairs it touched; both calls are synchronous, cheap and never
 * wait on training, so they are safe on the per-record path.
 */

/** One step of a user–author pair: the state when the step began, what it earned, and the state when the next one began. */
export interface Transition {
  /** The pair (`pairKey(userId, authorId)`). */
  readonly key: string;
  /** Event time the step began, epoch milliseconds. */
  readonly at: number;
  /** Features of the pair at the start of the step (length: the learner's inputDim). */
  readonly state: ArrayLike<number>;
  /** Features at the start of the next step. */
  readonly next: ArrayLike<number>;
  /** Rewards of the step per value head: clicks, follows, gift value (in gift units). */
  readonly rewards: readonly [click: number, follow: number, gift: number];
  /** 1 when the step had a click: the label of the auxiliary immediate-click head. */
  readonly click: number;
  /** Event time from this step's start to the next one's, in hours (the discount is γ^dtHours). */
  readonly dtHours: number;
}

export interface TransitionSink {
  /** Length of the feature vectors the sink accepts. */
  readonly inputDim: number;
  /** Appends a transition to the bounded replay buffer (the oldest is overwritten when full). */
  record(transition: Transition): void;
  /** Remembers a pair's latest features so the value cache refreshes it with the next batched inference. */
  noteState(key: string, state: ArrayLike<number>): void;
}

/** The lifelong value of a pair as last computed by batched inference. */
export interface PairValue {
  /** Σ weight_h × V_h over the value heads. */
  readonly value: number;
  readonly click: number;
  readonly follow: number;
  readonly gift: number;
  /** Probability of a click at the pair's next step (the auxiliary head). */
  readonly clickProbability: number;
  /** The model version that computed it. */
  readonly modelVersion: number;
}

export interface PairValueReader {
  /** The cached value of a pair (undefined until the background loop has computed it). */
  cachedValue(key: string): PairValue | undefined;
}

/** The key of a user–author pair in the learner's cache (a separator ids cannot contain in practice). */
export function pairKey(userId: string, authorId: string): string {
  return `${userId}\u001f${authorId}`;
}

/** The length of a pair key's user part (separator included): a store groups a user's pairs by it. */
export function pairKeyUserLength(key: string): number {
  return key.indexOf('\u001f') + 1;
}
