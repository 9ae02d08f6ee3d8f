import { binaryCodec, fitsSvarint, type BinaryReader, type BinaryWriter, type ValueCodec } from '../../src/index.js';
import { newPair, type OpenStep, type PairState } from './pair-state.js';

/**
 * First byte of a compact pair value. The Avro encodings this one replaced start with
 * 0x01 (a step's features as doubles) or 0x02 (as floats), and still restore.
 */
export const COMPACT_PAIR_FORMAT = 0x03;

/**
 * The pair state in about half the bytes of its Avro record (the store holds tens of
 * these per user, and writes one to the changelog per touched pair and commit):
 *
 * - times are integer epoch milliseconds, written as varints, the pair's own time
 *   absolute and the others as deltas from it (a few bytes each instead of eight);
 * - counters (touches, engagements, a step's request) are varints;
 * - the six decayed counts and a step's three rewards are doubles, written only when
 *   not zero (most pairs have impressions and clicks, nothing else), with a bit mask;
 * - a step's features are float32 values already (pairFeatures rounds them so).
 *
 * Nothing is rounded: a value decodes to exactly the state encoded, whichever commit
 * wrote it, so replays and restarts see the same numbers. A state this layout cannot
 * hold exactly (a fractional time, a feature that is not a float32) is written as Avro.
 */
export function compactPairCodec(fallback: ValueCodec<PairState>): ValueCodec<PairState> {
  // The first byte tells the layouts apart: an Avro schema added before the current one
  // would move Avro's format byte onto this one.
  if (fallback.encode(newPair(0.5))[0] === COMPACT_PAIR_FORMAT) throw new Error(`compactPairCodec: the fallback codec writes the compact format byte ${COMPACT_PAIR_FORMAT}`);
  const compact = binaryCodec<PairState>({ write: writePair, read: readPair });
  return {
    encode: (pair) => (isCompactable(pair) ? compact.encode(pair) : fallback.encode(pair)),
    decode: (bytes) => (bytes[0] === COMPACT_PAIR_FORMAT ? compact.decode(bytes) : fallback.decode(bytes)),
  };
}

const FOLLOWED = 1;
const ENGAGED = 2;
const STEP = 4;
const DENSE = 8;
const STEP_MET = 1;
const STEP_CLICK = 2;
/** Bits of a step's flags above which the nonzero rewards are marked. */
const REWARD_SHIFT = 2;
const REWARDS = 3;

function writePair(pair: PairState, out: BinaryWriter): void {
  out.u8(COMPACT_PAIR_FORMAT);
  out.u8((pair.followed ? FOLLOWED : 0) | (pair.lastEngagedAt !== null ? ENGAGED : 0) | (pair.step ? STEP : 0) | (pair.dense ? DENSE : 0));
  writeCounts(pair, out);
  out.uvarint(pair.at);
  out.svarint(pair.firstAt - pair.at);
  out.svarint(pair.lastTouchAt - pair.at);
  if (pair.lastEngagedAt !== null) out.svarint(pair.lastEngagedAt - pair.at);
  out.uvarint(pair.touches);
  out.uvarint(pair.engagements);
  if (pair.step) writeStep(pair.step, pair.at, out);
  if (pair.dense) writeStep(pair.dense, pair.at, out);
}

function readPair(input: BinaryReader): PairState {
  input.u8();
  const flags = input.u8();
  const counts = input.u8();
  const impressions = counts & 1 ? input.f64() : 0;
  const clicks = counts & 2 ? input.f64() : 0;
  const likes = counts & 4 ? input.f64() : 0;
  const follows = counts & 8 ? input.f64() : 0;
  const gifts = counts & 16 ? input.f64() : 0;
  const giftValue = counts & 32 ? input.f64() : 0;
  const at = input.uvarint();
  const firstAt = at + input.svarint();
  const lastTouchAt = at + input.svarint();
  const lastEngagedAt = flags & ENGAGED ? at + input.svarint() : null;
  const touches = input.uvarint();
  const engagements = input.uvarint();
  const step = flags & STEP ? readStep(at, input) : null;
  const dense = flags & DENSE ? readStep(at, input) : null;
  // One literal in newPair's field order: the same hidden class as a pair made here.
  return {
    at,
    impressions,
    clicks,
    likes,
    follows,
    gifts,
    giftValue,
    followed: (flags & FOLLOWED) !== 0,
    firstAt,
    lastTouchAt,
    lastEngagedAt,
    touches,
    engagements,
    step,
    dense,
  };
}

function writeStep(step: OpenStep, pairAt: number, out: BinaryWriter): void {
  let flags = (step.met ? STEP_MET : 0) | (step.click === 1 ? STEP_CLICK : 0);
  for (let i = 0; i < REWARDS; i++) if (!Object.is(step.rewards[i], 0)) flags |= 1 << (REWARD_SHIFT + i);
  out.u8(flags);
  out.uvarint(step.request);
  out.svarint(step.at - pairAt);
  out.svarint(step.lastAt - step.at);
  out.uvarint(step.state.length);
  // Indexed loops: this runs for every dirty pair at every commit.
  for (let i = 0; i < step.state.length; i++) out.f32(step.state[i]!);
  for (let i = 0; i < REWARDS; i++) if (!Object.is(step.rewards[i], 0)) out.f64(step.rewards[i]!);
}

function readStep(pairAt: number, input: BinaryReader): OpenStep {
  const flags = input.u8();
  const request = input.uvarint();
  const at = pairAt + input.svarint();
  const lastAt = at + input.svarint();
  const state = new Array<number>(input.uvarint());
  for (let i = 0; i < state.length; i++) state[i] = input.f32();
  const rewards: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < REWARDS; i++) if (flags & (1 << (REWARD_SHIFT + i))) rewards[i] = input.f64();
  return { request, at, lastAt, state, rewards, click: flags & STEP_CLICK ? 1 : 0, met: (flags & STEP_MET) !== 0 };
}

/** A mask byte of the counts that are not zero, then those counts as doubles. */
function writeCounts(pair: PairState, out: BinaryWriter): void {
  const { impressions, clicks, likes, follows, gifts, giftValue } = pair;
  const mask = bit(impressions, 0) | bit(clicks, 1) | bit(likes, 2) | bit(follows, 3) | bit(gifts, 4) | bit(giftValue, 5);
  out.u8(mask);
  if (mask & 1) out.f64(impressions);
  if (mask & 2) out.f64(clicks);
  if (mask & 4) out.f64(likes);
  if (mask & 8) out.f64(follows);
  if (mask & 16) out.f64(gifts);
  if (mask & 32) out.f64(giftValue);
}

function bit(value: number, index: number): number {
  return Object.is(value, 0) ? 0 : 1 << index;
}

/** Whether the compact layout holds the pair exactly (else it is written as Avro); deltas by the writer's own test, so a pair judged compactable always encodes. */
export function isCompactable(pair: PairState): boolean {
  const { at } = pair;
  return (
    Number.isSafeInteger(at) &&
    at >= 0 &&
    fitsSvarint(pair.firstAt - at) &&
    fitsSvarint(pair.lastTouchAt - at) &&
    (pair.lastEngagedAt === null || fitsSvarint(pair.lastEngagedAt - at)) &&
    isCounter(pair.touches) &&
    isCounter(pair.engagements) &&
    (pair.step === null || isCompactStep(pair.step, at)) &&
    (pair.dense === null || isCompactStep(pair.dense, at))
  );
}

function isCompactStep(step: OpenStep, pairAt: number): boolean {
  if (!(isCounter(step.request) && fitsSvarint(step.at - pairAt) && fitsSvarint(step.lastAt - step.at))) return false;
  if (step.rewards.length !== REWARDS || (step.click !== 0 && step.click !== 1)) return false;
  for (let i = 0; i < step.state.length; i++) {
    const feature = step.state[i]!;
    if (Math.fround(feature) !== feature && !Number.isNaN(feature)) return false;
  }
  return true;
}

function isCounter(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}
