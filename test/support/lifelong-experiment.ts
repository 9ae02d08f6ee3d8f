import { Learner, type LearnerOptions } from '../../src/learning/learner.js';
import type { UserEvent } from '../../src/serde/records.js';
import { pairKey, type Transition, type TransitionSink } from '../../src/learning/transition.js';
import { BatchRunner } from './batch-runner.js';
import { SeededRandom } from '../../src/sim/random.js';
import { lifelongValueFeatureNames, lifelongValueTopology, PAIR_STORE, USER_STORE, type PairState, type TransitionView, type UserIndex } from '../../topologies/lifelong-value/index.js';
import { pairFeatures } from '../../topologies/lifelong-value/features.js';
import { HOUR_MS } from '../../topologies/lifelong-value/pair-state.js';
import { discountedReturns, generatePairWorld, simulateUser, spearman, type PairWorld, type Reward } from './pair-world.js';

/**
 * The end-to-end check of the lifelong-value critic: a generated world of relationships
 * with known futures, training users' events through the real topology (TopologyTestDriver)
 * into a real Learner, held-out users' pairs scored at a cutoff and ranked against their
 * Monte Carlo discounted returns. Shared by the tests and the benchmark.
 */
export interface ExperimentOptions {
  readonly trainUsers: number;
  readonly heldOutUsers: number;
  readonly authorsPerUser: number;
  readonly hours: number;
  /** Held-out pairs are scored at this hour and judged on what follows. */
  readonly cutoffHour: number;
  readonly gammaPerHour: number;
  readonly transitions: TransitionView;
  readonly seed: number;
  /** Training steps taken per chunk of piped events, and at the end. */
  readonly stepsPerChunk: number;
  readonly chunkEvents: number;
  readonly finalSteps: number;
  readonly learner: Partial<LearnerOptions>;
  /** Also train a second learner on the same transitions with these options (ablations). */
  readonly compareWith?: Partial<LearnerOptions>;
  /** Resimulations of each held-out future for the expected return (0: skip the oracle). */
  readonly oracleSamples?: number;
}

export const HEAD_WEIGHTS = { click: 1, follow: 5, gift: 0.5 } as const;
const START = Date.UTC(2025, 0, 1);
const HALF_LIFE_HOURS = 72;

export interface Scored {
  readonly key: string;
  readonly critic: number;
  readonly criticGift: number;
  readonly compareGift: number | undefined;
  readonly engagements: number;
  readonly monteCarlo: number;
  readonly monteCarloGift: number;
  readonly expected: number | undefined;
}

export interface ExperimentResult {
  readonly trainEvents: number;
  readonly transitions: number;
  readonly steps: number;
  readonly trainSeconds: number;
  readonly pipeSeconds: number;
  readonly stepsPerSecond: number;
  readonly backend: string;
  /** Held-out pairs scored at their first step from the cutoff on. */
  readonly heldOutPairs: number;
  /** Spearman of the critic's value and of the past engagement count with the Monte Carlo return, at the step. */
  readonly spearmanCritic: number;
  readonly spearmanEngagements: number;
  /** Spearman of V_gift with the gift return: shared trunk, and the compared learner (a gift-only model) when there is one. */
  readonly spearmanGiftShared: number;
  readonly spearmanGiftCompare: number | undefined;
  /** The same, every held-out pair scored at the cutoff; the oracle is the expected return from the latent parameters. */
  readonly cutoff: { readonly pairs: number; readonly spearmanCritic: number; readonly spearmanEngagements: number; readonly spearmanOracle: number | undefined };
  readonly scored: readonly Scored[];
}

function compared<T>(present: unknown, value: () => T): T | undefined {
  return present === undefined ? undefined : value();
}

/** Engagements (click, like, share, comment, follow, gift) of each pair before its own start time. */
function countEngagements(events: readonly UserEvent[], before: ReadonlyMap<string, number>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    if (event.authorId === null || !ENGAGEMENT_TYPES.has(event.type)) continue;
    const key = pairKey(event.userId, event.authorId);
    const limit = before.get(key);
    if (limit !== undefined && event.ts < limit) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

const ENGAGEMENT_TYPES = new Set<string>(['CLICK', 'LIKE', 'SHARE', 'COMMENT', 'FOLLOW', 'GIFT']);

class Tee implements TransitionSink {
  constructor(private readonly sinks: readonly Learner[]) {}
  get inputDim(): number {
    return this.sinks[0]!.inputDim;
  }
  record(transition: Transition): void {
    for (const sink of this.sinks) sink.record(transition);
  }
  noteState(): void {}
}

export async function runLifelongExperiment(options: ExperimentOptions): Promise<ExperimentResult> {
  const featureNames = lifelongValueFeatureNames();
  const learnerOptions = (overrides: Partial<LearnerOptions>): LearnerOptions => ({
    featureNames,
    gammaPerHour: options.gammaPerHour,
    headWeights: HEAD_WEIGHTS,
    batchSize: 128,
    targetRefreshSteps: 100,
    replayCapacity: 100_000,
    learningRate: 2e-3,
    architecture: { trunkUnits: [32, 32], headUnits: 16 },
    backend: 'wasm',
    seed: options.seed,
    ...options.learner,
    ...overrides,
  });
  const learner = new Learner(learnerOptions({}));
  const other = options.compareWith ? new Learner(learnerOptions(options.compareWith)) : undefined;
  await learner.init();
  await other?.init();
  const topologyOptions = { maxAuthorsPerUser: options.authorsPerUser, decayHalfLifeHours: HALF_LIFE_HOURS, transitions: options.transitions, headWeights: HEAD_WEIGHTS };
  try {
    const train = generatePairWorld({ users: options.trainUsers, authorsPerUser: options.authorsPerUser, hours: options.hours, seed: options.seed, startMs: START, userPrefix: 'train' });
    const wallClock = START + (options.hours + 48) * HOUR_MS;
    const driver = new BatchRunner([lifelongValueTopology({ ...topologyOptions, learner: new Tee(other ? [learner, other] : [learner]) })], wallClock);
    let pipeMs = 0;
    let trainMs = 0;
    for (let i = 0; i < train.events.length; i += options.chunkEvents) {
      let t = performance.now();
      driver.pipe(train.events.slice(i, i + options.chunkEvents));
      pipeMs += performance.now() - t;
      t = performance.now();
      if (learner.stats().replaySize >= 4 * learnerOptions({}).batchSize) {
        await learner.trainSteps(options.stepsPerChunk);
        await other?.trainSteps(options.stepsPerChunk);
      }
      trainMs += performance.now() - t;
    }
    const t = performance.now();
    await learner.trainSteps(options.finalSteps);
    await other?.trainSteps(options.finalSteps);
    trainMs += performance.now() - t;

    // Held-out users: their history up to the cutoff goes through the topology (no training), the rest is their future.
    const heldOut = generatePairWorld({ users: options.heldOutUsers, authorsPerUser: options.authorsPerUser, hours: options.hours, seed: options.seed + 1, startMs: START, userPrefix: 'held' });
    const cutoff = START + options.cutoffHour * HOUR_MS;
    const past = heldOut.events.filter((e) => e.ts < cutoff);
    // One pass: the past (the store at the cutoff is kept), then the future, catching each pair's first step from the cutoff on.
    const firstSteps = new Map<string, Transition>();
    const catcher: TransitionSink = { inputDim: featureNames.length, noteState: () => {}, record: (t) => void (t.at >= cutoff && !firstSteps.has(t.key) && firstSteps.set(t.key, { ...t, state: Array.from(t.state) })) };
    const heldDriver = new BatchRunner([lifelongValueTopology({ ...topologyOptions, learner: catcher })], wallClock).pipe(past);
    const pairsAtCutoff = structuredClone(heldDriver.store<PairState>(PAIR_STORE));
    const usersAtCutoff = structuredClone(heldDriver.store<UserIndex>(USER_STORE));
    heldDriver.pipe(heldOut.events.slice(past.length));
    const expected = options.oracleSamples ? expectedReturns(heldOut, past, cutoff, START + options.hours * HOUR_MS, options.gammaPerHour, options.oracleSamples, options.seed) : undefined;

    const weighted = (r: Reward | undefined): number => (r ? HEAD_WEIGHTS.click * r.click + HEAD_WEIGHTS.follow * r.follow + HEAD_WEIGHTS.gift * r.gift : 0);
    const held = [...pairsAtCutoff].map(([key, pair]) => ({ key, pair, user: usersAtCutoff.get(key.split('\u001f')[0]!)! }));

    // At the step: the state the critic is defined on — each pair's first step from the cutoff on (an interaction, or a
    // rewardless step after a long silence) — judged on everything from that step's start.
    const atStep = [...firstSteps.values()];
    const stepStart = new Map(atStep.map((t) => [t.key, t.at] as const));
    const stepReturns = discountedReturns(heldOut.events, (key) => stepStart.get(key), options.gammaPerHour);
    const engagedBefore = countEngagements(heldOut.events, stepStart);
    const stepValues = learner.predictStates(atStep.map((t) => t.state));
    const stepCompared = other?.predictStates(atStep.map((t) => t.state));
    const scored: Scored[] = atStep.map((t, i) => ({
      key: t.key,
      critic: stepValues[i]!.value,
      criticGift: stepValues[i]!.gift,
      compareGift: stepCompared?.[i]!.gift,
      engagements: engagedBefore.get(t.key) ?? 0,
      monteCarlo: weighted(stepReturns.get(t.key)),
      monteCarloGift: stepReturns.get(t.key)?.gift ?? 0,
      expected: undefined,
    }));

    // At the cutoff: the question a recommender asks ("what is this pair worth now?"), with the pair's features read at the cutoff.
    const cutoffReturns = discountedReturns(heldOut.events, cutoff, options.gammaPerHour);
    const cutoffValues = learner.predictStates(held.map((h) => pairFeatures(h.pair, h.user, cutoff, HALF_LIFE_HOURS * HOUR_MS)));
    const atCutoff = held.map((h, i) => ({ critic: cutoffValues[i]!.value, engagements: h.pair.engagements, monteCarlo: weighted(cutoffReturns.get(h.key)), expected: expected ? weighted(expected.get(h.key)) : 0 }));

    const mc = scored.map((s) => s.monteCarlo);
    const giftMc = scored.map((s) => s.monteCarloGift);
    const cutoffMc = atCutoff.map((s) => s.monteCarlo);
    return {
      trainEvents: train.events.length,
      transitions: learner.stats().transitionsAppended,
      steps: learner.steps,
      trainSeconds: trainMs / 1000,
      pipeSeconds: pipeMs / 1000,
      stepsPerSecond: (learner.steps * (other ? 2 : 1)) / (trainMs / 1000),
      backend: learner.backend ?? 'unknown',
      heldOutPairs: scored.length,
      spearmanCritic: spearman(scored.map((s) => s.critic), mc),
      spearmanEngagements: spearman(scored.map((s) => s.engagements), mc),
      spearmanGiftShared: spearman(scored.map((s) => s.criticGift), giftMc),
      spearmanGiftCompare: compared(stepCompared, () => spearman(scored.map((s) => s.compareGift ?? 0), giftMc)),
      cutoff: {
        pairs: atCutoff.length,
        spearmanCritic: spearman(atCutoff.map((s) => s.critic), cutoffMc),
        spearmanEngagements: spearman(atCutoff.map((s) => s.engagements), cutoffMc),
        spearmanOracle: expected ? spearman(atCutoff.map((s) => s.expected), cutoffMc) : undefined,
      },
      scored,
    };
  } finally {
    await learner.stop();
    await other?.stop();
  }
}

/** The expected discounted return of each held-out pair at the cutoff, by resimulating its future. */
function expectedReturns(world: PairWorld, past: readonly { type: string; userId: string; authorId: string | null }[], cutoff: number, end: number, gammaPerHour: number, samples: number, seed: number): Map<string, Reward> {
  const followedAtCutoff = new Map<string, Set<string>>();
  for (const event of past) {
    if (event.type !== 'FOLLOW' || event.authorId === null) continue;
    let set = followedAtCutoff.get(event.userId);
    if (!set) followedAtCutoff.set(event.userId, (set = new Set()));
    set.add(event.authorId);
  }
  const byUser = new Map<string, ReturnType<PairWorld['pairs']['get']>[]>();
  for (const pair of world.pairs.values()) {
    let list = byUser.get(pair.userId);
    if (!list) byUser.set(pair.userId, (list = []));
    list.push(pair);
  }
  const random = new SeededRandom(seed + 99);
  const sums = new Map<string, { click: number; follow: number; gift: number }>();
  for (const [userId, authors] of byUser) {
    for (let s = 0; s < samples; s++) {
      simulateUser(userId, authors.filter((a) => a !== undefined), world.requestRate.get(userId)!, cutoff, end, random, null, new Set(followedAtCutoff.get(userId) ?? []), (authorId, ts, reward) => {
        const key = pairKey(userId, authorId);
        const sum = sums.get(key) ?? { click: 0, follow: 0, gift: 0 };
        const discount = Math.pow(gammaPerHour, (ts - cutoff) / HOUR_MS) / samples;
        sum.click += discount * reward.click;
        sum.follow += discount * reward.follow;
        sum.gift += discount * reward.gift;
        sums.set(key, sum);
      });
    }
  }
  return sums;
}
