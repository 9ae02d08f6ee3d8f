import { ignoreElements, tap } from 'rxjs';
import { defineStore, defineTopology, Learner, LifelongError, pairKey, pairKeyUserLength, type KeyValueStore, type TopologyDefinition, type TransitionSink, type UserEvent } from '../../src/index.js';
import { pairStateCodec, userIndexCodec } from './state-codecs.js';
import { lifelongValueFeatureNames, pairFeatures, withEmbedding, type PairEmbeddingProvider } from './features.js';
import { applyCounts, countRequest, evictionCandidate, HOUR_MS, newPair, newUserIndex, rewardsOf, type OpenStep, type PairState, type RetentionWeights, type UserIndex } from './pair-state.js';
import type { Config } from '../../src/config/config.js';

export { lifelongValueFeatureNames, PAIR_FEATURES, type PairEmbeddingProvider } from './features.js';
export type { PairState, UserIndex, OpenStep, RetentionWeights } from './pair-state.js';
export { relationshipStrength, decayFactor } from './pair-state.js';

export const USER_STORE = 'lifelong-users';
export const PAIR_STORE = 'lifelong-pairs';

export type TransitionView = 'sparse' | 'dense';

export interface LifelongValueOptions {
  /** Where transitions go: the process-level learner (its inputDim must match the features). */
  readonly learner: TransitionSink;
  /** Authors kept per user, by retention (value and recency). */
  readonly maxAuthorsPerUser: number;
  /** Half-life of the decayed counts, in event-time hours. */
  readonly decayHalfLifeHours: number;
  /**
   * `sparse` (the default of the paper's cross-request MDP): a step is a request in which
   * the pair met, and the next state is the pair's state at its next such request.
   * `dense`: every request of the user is a step of each of their pairs, the next state
   * being the pair's state at the user's next request (rewardless steps included).
   */
  readonly transitions: TransitionView;
  /** Head weights, used here for the retention score. */
  readonly headWeights: RetentionWeights;
  /** Without request boundaries, events of a pair further apart than this start a new step (default 30 minutes). */
  readonly stepGapMs?: number;
  /**
   * Sparse view: a step still open this many event-time hours after it began ends at the
   * user's next request, with a rewardless step starting there (default 72). Without it
   * a relationship that stops would never produce a last transition, and the critic
   * would only ever see relationships that go on.
   */
  readonly maxStepHours?: number;
  /** Optional extra features per pair (interest and author embeddings, once available). */
  readonly embeddings?: PairEmbeddingProvider;
  /** Resolves the author of an item when an event carries only the itemId (the item table's lookup, once plugged in). */
  readonly authorOf?: (itemId: string) => string | undefined;
}

/** The settings of the `lifelongValue.*` options, as the validated config carries them. */
export type LifelongValueSettings = Omit<Config['lifelongValue'], 'enabled'>;

/**
 * The topology's options and its learner, from settings. The learner is a process-level
 * service: hand it to the instance (`services`) so it starts and checkpoints with it.
 */
export function lifelongValueFromSettings(settings: LifelongValueSettings, extras: Pick<LifelongValueOptions, 'embeddings' | 'authorOf'> = {}): LifelongValueOptions & { readonly learner: Learner } {
  const learner = new Learner({
    featureNames: lifelongValueFeatureNames(extras.embeddings),
    gammaPerHour: settings.gammaPerHour,
    headWeights: settings.weights,
    batchSize: settings.batchSize,
    targetRefreshSteps: settings.targetRefreshSteps,
    replayCapacity: settings.replayCapacity,
    learningRate: settings.learningRate,
    trainingShare: settings.trainingShare,
    mode: settings.trainingThread,
    backend: settings.backend,
    checkpoint: { dir: settings.checkpointDir, intervalMs: settings.checkpointIntervalMs },
  });
  return {
    learner,
    maxAuthorsPerUser: settings.maxAuthorsPerUser,
    decayHalfLifeHours: settings.decayHalfLifeHours,
    maxStepHours: settings.maxStepHours,
    transitions: settings.transitions,
    headWeights: settings.weights,
    ...extras,
  };
}

/**
 * The lifelong value of each user–author relationship (RLIV-UA's sparse cross-request
 * MDP). Two changelogged stores: per user, the request counter, activity and the
 * authors kept (at most maxAuthorsPerUser, by value and recency); per pair, decayed
 * interaction counts and the open step. A record rewrites only its own pair (and the
 * user's index on a request or a new author), so changelog volume follows activity, not
 * the number of authors kept. When a step ends the pipeline appends the transition
 * (state, rewards per head, elapsed event time, next state) to the learner's bounded
 * replay buffer, and notes the new step's state for the value cache. It emits nothing
 * and never waits on training.
 */
export function lifelongValueTopology(options: LifelongValueOptions): TopologyDefinition<UserEvent> {
  const featureNames = lifelongValueFeatureNames(options.embeddings);
  if (options.learner.inputDim !== featureNames.length) {
    throw new LifelongError('CONFIG_INVALID', { detail: `the lifelong-value learner takes ${options.learner.inputDim} features, the topology builds ${featureNames.length} (${featureNames.join(', ')})` });
  }
  if (!(options.maxAuthorsPerUser >= 1)) throw new LifelongError('CONFIG_INVALID', { detail: `maxAuthorsPerUser must be ≥ 1, got ${options.maxAuthorsPerUser}` });
  const steps = new PairSteps(options);
  return defineTopology<UserEvent>({
    name: 'lifelong-value',
    doc: 'Per (user, author) pair state with decayed counts; transitions of the sparse cross-request MDP feed the online critic.',
    stores: [
      defineStore<UserIndex>({ name: USER_STORE, doc: 'per user: request counter, decayed activity, the authors they have pairs with (at most maxAuthorsPerUser)', codec: userIndexCodec, resident: 'bytes' }),
      // A user's pairs held together: one Map entry and key per user instead of per pair.
      defineStore<PairState>({ name: PAIR_STORE, doc: 'per (user, author): decayed counts, follow status, the open step', codec: pairStateCodec, resident: { groupLength: pairKeyUserLength } }),
    ],
    sinks: [],
    pipeline(input$, context) {
      const stores: Stores = { users: context.store<UserIndex>(USER_STORE), pairs: context.store<PairState>(PAIR_STORE) };
      return input$.pipe(
        tap((item) => {
          if (item.kind === 'record') steps.apply(stores, item.value);
        }),
        ignoreElements(),
      );
    },
  });
}

interface Stores {
  readonly users: KeyValueStore<UserIndex>;
  readonly pairs: KeyValueStore<PairState>;
}

/** The per-event logic, apart from RxJS so it reads top to bottom. */
class PairSteps {
  private readonly halfLifeMs: number;
  private readonly stepGapMs: number;
  private readonly maxStepMs: number;
  private readonly dense: boolean;

  constructor(private readonly options: LifelongValueOptions) {
    this.halfLifeMs = options.decayHalfLifeHours * HOUR_MS;
    this.stepGapMs = options.stepGapMs ?? 30 * 60_000;
    this.maxStepMs = (options.maxStepHours ?? 72) * HOUR_MS;
    this.dense = options.transitions === 'dense';
  }

  apply(stores: Stores, event: UserEvent): void {
    if (event.type === 'FEED_REQUEST') return this.request(stores, event);
    const authorId = event.authorId ?? (event.itemId !== null ? this.options.authorOf?.(event.itemId) : undefined);
    if (authorId === undefined) return;
    const user = stores.users.get(event.userId) ?? newUserIndex();
    const key = pairKey(event.userId, authorId);
    const pair = stores.pairs.get(key) ?? this.newPair(stores, user, event, authorId);
    // The pair's features before this event, computed only when a step ends or opens
    // (most events fall into a step already open, and need none).
    const opensDense = this.dense && pair.dense === null;
    const endsSparse = !this.dense && !(pair.step !== null && this.continuesStep(pair.step, event, user));
    const before = opensDense || endsSparse ? pairFeatures(pair, user, event.ts, this.halfLifeMs) : NO_FEATURES;
    this.advanceStep(event, authorId, pair, user, before);
    if (!this.dense && user.stepsDueAt !== undefined && pair.step) {
      const due = pair.step.at + this.maxStepMs;
      if (user.stepsDueAt === null || due < user.stepsDueAt) {
        user.stepsDueAt = due;
        stores.users.put(event.userId, user);
      }
    }
    if (opensDense) pair.dense = openStep(user.request, event.ts, before, true);
    const rewards = rewardsOf(event, pair);
    addRewards(pair.step!, rewards, event);
    if (pair.dense) addRewards(pair.dense, rewards, event);
    applyCounts(pair, event, this.halfLifeMs);
    stores.pairs.put(key, pair);
  }

  /**
   * A new request of the user. The dense view closes every pair's step here; the sparse
   * view closes only the steps open for longer than maxStepHours (a long silence), with
   * a rewardless step starting at the request.
   */
  private request(stores: Stores, event: UserEvent): void {
    const user = stores.users.get(event.userId) ?? newUserIndex();
    countRequest(user, event.ts, this.halfLifeMs);
    stores.users.put(event.userId, user);
    // Most requests come well before any step is due: skip reading every pair (up to
    // maxAuthorsPerUser store reads per request — the topology's hottest path otherwise).
    if (!this.dense && user.stepsDueAt !== undefined && (user.stepsDueAt === null || event.ts < user.stepsDueAt)) return;
    let dueAt: number | null = null;
    for (const authorId of user.authors) {
      const key = pairKey(event.userId, authorId);
      const pair = stores.pairs.get(key);
      if (!pair) continue;
      if (this.dense) {
        const now = pairFeatures(pair, user, event.ts, this.halfLifeMs);
        if (pair.dense) this.emit(event.userId, authorId, pair.dense, now, event.ts);
        pair.dense = this.startStep(event.userId, authorId, user.request, event.ts, now, true);
      } else if (pair.step && event.ts - pair.step.at >= this.maxStepMs) {
        const now = pairFeatures(pair, user, event.ts, this.halfLifeMs);
        this.emit(event.userId, authorId, pair.step, now, event.ts);
        pair.step = this.startStep(event.userId, authorId, user.request, event.ts, now, false);
      } else {
        if (pair.step) dueAt = Math.min(dueAt ?? Infinity, pair.step.at + this.maxStepMs);
        continue;
      }
      if (pair.step) dueAt = Math.min(dueAt ?? Infinity, pair.step.at + this.maxStepMs);
      stores.pairs.put(key, pair);
    }
    if (!this.dense) user.stepsDueAt = dueAt;
  }

  /**
   * The pair's own steps: an event in a later request than the open step (or, without
   * requests, after a gap) ends it. In the sparse view that is a transition; in the dense
   * view these steps only count touches, and keep no state.
   */
  private advanceStep(event: UserEvent, authorId: string, pair: PairState, user: UserIndex, before: number[]): void {
    const open = pair.step;
    if (open !== null && this.continuesStep(open, event, user)) {
      open.lastAt = Math.max(open.lastAt, event.ts);
      if (!open.met) {
        open.met = true;
        pair.touches++;
      }
      return;
    }
    if (open && !this.dense) this.emit(event.userId, authorId, open, before, event.ts);
    pair.step = this.dense ? openStep(user.request, event.ts, [], true) : this.startStep(event.userId, authorId, user.request, event.ts, before, true);
    pair.touches++;
  }

  /** Whether the event falls into the pair's open step: the same request, within the step gap. */
  private continuesStep(open: OpenStep, event: UserEvent, user: UserIndex): boolean {
    return open.request === user.request && event.ts - open.lastAt <= this.stepGapMs;
  }

  /** Opens a step whose state is a training state, and notes that state for the value cache. */
  private startStep(userId: string, authorId: string, request: number, at: number, state: number[], met: boolean): OpenStep {
    this.options.learner.noteState(pairKey(userId, authorId), this.input(state, userId, authorId));
    return openStep(request, at, state, met);
  }

  /** A pair for a new author; a full user first drops the author least worth keeping. */
  private newPair(stores: Stores, user: UserIndex, event: UserEvent, authorId: string): PairState {
    if (user.authors.length >= this.options.maxAuthorsPerUser) {
      const { userId } = event;
      const evicted = evictionCandidate(user.authors, (a) => stores.pairs.get(pairKey(userId, a)), event.ts, this.options.headWeights, this.halfLifeMs);
      if (evicted !== undefined) {
        stores.pairs.delete(pairKey(event.userId, evicted));
        user.authors = user.authors.filter((a) => a !== evicted);
      }
    }
    user.authors.push(authorId);
    stores.users.put(event.userId, user);
    return newPair(event.ts);
  }

  private emit(userId: string, authorId: string, step: OpenStep, next: readonly number[], nextAt: number): void {
    this.options.learner.record({
      key: pairKey(userId, authorId),
      at: step.at,
      state: this.input(step.state, userId, authorId),
      next: this.input(next, userId, authorId),
      rewards: step.rewards,
      click: step.click,
      dtHours: Math.max(0, nextAt - step.at) / HOUR_MS,
    });
  }

  private input(features: readonly number[], userId: string, authorId: string): readonly number[] {
    return withEmbedding(features, userId, authorId, this.options.embeddings);
  }
}

/** Stands in for the features when nothing will read them (the event continues an open step). */
const NO_FEATURES: number[] = [];

function openStep(request: number, at: number, state: number[], met: boolean): OpenStep {
  return { request, at, lastAt: at, state, rewards: [0, 0, 0], click: 0, met };
}

function addRewards(step: OpenStep, rewards: readonly [number, number, number], event: UserEvent): void {
  step.rewards[0] += rewards[0];
  step.rewards[1] += rewards[1];
  step.rewards[2] += rewards[2];
  if (event.type === 'CLICK') step.click = 1;
  step.lastAt = Math.max(step.lastAt, event.ts);
}
