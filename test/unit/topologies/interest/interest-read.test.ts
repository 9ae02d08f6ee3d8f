import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InterestModel } from '../../../../topologies/interest/interest-model.js';
import { InterestAt, readInterest, topInterests } from '../../../../topologies/interest/interest-read.js';
import { interestOptions, type InterestOptions } from '../../../../topologies/interest/options.js';
import { UserInterest } from '../../../../topologies/interest/user-interest.js';
import { cosine, ReferenceInterest, unitFloat32 } from '../../../support/reference-interest.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

interface Engagement {
  readonly embedding: Float32Array;
  readonly weight: number;
  readonly ts: number;
}

function model(overrides: Partial<InterestOptions>): InterestModel {
  return new InterestModel(interestOptions(overrides));
}

/** Feeds the same engagements to the incremental state and to the brute-force reference. */
function build(m: InterestModel, history: readonly Engagement[]): { state: UserInterest; reference: ReferenceInterest } {
  const reference = new ReferenceInterest(m.hasher, m.options.longTermHalfLifeMs);
  let state: UserInterest | undefined;
  for (const e of history) {
    state ??= UserInterest.empty(m.layout, e.ts);
    m.updater.addEngagement(state, e.embedding, m.hasher.codes(e.embedding), e.weight, e.ts);
    reference.add(e);
  }
  return { state: state!, reference };
}

function read(m: InterestModel, state: UserInterest, candidate: Float32Array, now: number) {
  return readInterest(m, state, candidate, m.hasher.codes(candidate), now, new Int32Array(m.layout.signatures));
}

const vectorOf = (dim: number) => fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: dim, maxLength: dim }).filter((v) => v.some((x) => Math.abs(x) > 1e-3)).map(unitFloat32);

/** Random shapes, a random history (engagement weights by depth, dwell fractions), a random candidate. */
function scenario(weights: fc.Arbitrary<number>) {
  return fc
    .record({ dim: fc.integer({ min: 2, max: 16 }), signatures: fc.integer({ min: 1, max: 8 }), bits: fc.integer({ min: 0, max: 4 }), seed: fc.nat(), halfLifeHours: fc.integer({ min: 1, max: 24 * 90 }) })
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        history: fc.array(fc.record({ embedding: vectorOf(shape.dim), weight: weights, ts: fc.integer({ min: 0, max: 3 * shape.halfLifeHours * HOUR }).map((t) => T0 + t) }), { minLength: 1, maxLength: 120 }),
        candidate: vectorOf(shape.dim),
        pickFromHistory: fc.nat(),
        useHistoryItem: fc.boolean(),
        nowAfterHours: fc.integer({ min: 0, max: 24 * 30 }),
      }),
    );
}

function check(s: { shape: { dim: number; signatures: number; bits: number; seed: number; halfLifeHours: number }; history: Engagement[]; candidate: Float32Array; pickFromHistory: number; useHistoryItem: boolean; nowAfterHours: number }, tolerance: (ref: ReturnType<ReferenceInterest['read']>, history: readonly Engagement[], now: number) => number): void {
  const m = model({ embeddingDim: s.shape.dim, signatures: s.shape.signatures, bitsPerSignature: s.shape.bits, hashSeed: s.shape.seed, longTermHalfLifeMs: s.shape.halfLifeHours * HOUR });
  const { state, reference } = build(m, s.history);
  // Half the time the candidate is a past item, so it surely matches some buckets.
  const candidate = s.useHistoryItem ? s.history[s.pickFromHistory % s.history.length]!.embedding : s.candidate;
  const now = Math.max(...s.history.map((e) => e.ts)) + s.nowAfterHours * HOUR;
  const got = read(m, state, candidate, now);
  const want = reference.read(candidate, now);
  const tol = tolerance(want, s.history, now);
  // Relative to the vector's length: at most 1 (a mean of unit vectors) unless skips cancel engagement.
  const vectorTol = tol * Math.max(1, ...want.vector.map(Math.abs));
  for (let k = 0; k < s.shape.dim; k++) assert.ok(Math.abs(got.vector[k]! - want.vector[k]!) <= vectorTol, `vector[${k}]: ${got.vector[k]} vs ${want.vector[k]} (tolerance ${vectorTol})`);
  assert.ok(Math.abs(got.similarity - want.similarity) <= tol, `similarity ${got.similarity} vs ${want.similarity}`);
  assert.ok(Math.abs(got.weight - want.weight) <= tol * Math.max(1, Math.abs(want.weight)), `weight ${got.weight} vs ${want.weight}`);
}

describe('readInterest against the brute-force reference', () => {
  test('equals the reference to 1e-6 on random histories of engagement (click … gift, dwell) and random candidates', () => {
    const positive = fc.oneof(fc.constantFrom(1, 2, 3, 4, 5), fc.double({ min: 0.01, max: 1, noNaN: true }));
    fc.assert(fc.property(scenario(positive), (s) => check(s, () => 1e-6)), { numRuns: 400 });
  });

  test('with skips and "not interested" mixed in, equals the reference within 1e-6 times the cancellation', () => {
    const mixed = fc.constantFrom(1, 2, 3, 4, 5, 0.5, -0.5, -1);
    fc.assert(
      fc.property(scenario(mixed), (s) =>
        check(s, (want) => {
          // Positive and negative weights cancelling in the candidate's buckets magnify
          // float32 rounding by Σ|w| / |Σ w| (and the pooled vector gets that long: the
          // vector's bound is relative to its length). Near-total cancellation is left out.
          fc.pre(want.cancellation < 1e3);
          return 1e-6 * Math.max(1, want.cancellation);
        }),
      ),
      { numRuns: 1000 },
    );
  });

  test('one reading of a user scores many candidates as separate reads do (its scratch space carries nothing over)', () => {
    fc.assert(
      fc.property(scenario(fc.constantFrom(1, 2, -1)), (s) => {
        const m = model({ embeddingDim: s.shape.dim, signatures: s.shape.signatures, bitsPerSignature: s.shape.bits, hashSeed: s.shape.seed, longTermHalfLifeMs: s.shape.halfLifeHours * HOUR });
        const { state } = build(m, s.history);
        const now = Math.max(...s.history.map((e) => e.ts)) + s.nowAfterHours * HOUR;
        const reading = new InterestAt(m, state, now, new Int32Array(m.layout.signatures));
        const out = new Float32Array(m.layout.dim);
        for (const candidate of [s.candidate, ...s.history.map((e) => e.embedding)]) {
          const many = reading.match(candidate, m.hasher.codes(candidate), out);
          const one = read(m, state, candidate, now);
          assert.deepEqual({ ...many, vector: [...many.vector] }, { ...one, vector: [...one.vector] });
        }
      }),
      { numRuns: 100 },
    );
  });

  test('the read is the same whatever order the engagements arrived in (out-of-order events)', () => {
    fc.assert(
      fc.property(scenario(fc.constantFrom(1, 2, 3)), fc.nat(), (s, shift) => {
        const m = model({ embeddingDim: s.shape.dim, signatures: s.shape.signatures, bitsPerSignature: s.shape.bits, hashSeed: s.shape.seed, longTermHalfLifeMs: s.shape.halfLifeHours * HOUR });
        const rotated = [...s.history.slice(shift % s.history.length), ...s.history.slice(0, shift % s.history.length)];
        const now = Math.max(...s.history.map((e) => e.ts));
        const a = read(m, build(m, s.history).state, s.candidate, now);
        const b = read(m, build(m, rotated).state, s.candidate, now);
        for (let k = 0; k < s.shape.dim; k++) assert.ok(Math.abs(a.vector[k]! - b.vector[k]!) <= 1e-6);
        assert.ok(Math.abs(a.weight - b.weight) <= 1e-6 * Math.max(1, a.weight));
      }),
      { numRuns: 100 },
    );
  });

  test('stays exact across rebases of the landmark (events hundreds of half-lives apart)', () => {
    const m = model({ embeddingDim: 8, signatures: 4, bitsPerSignature: 2, longTermHalfLifeMs: HOUR });
    const x = unitFloat32([1, 2, 3, 4, 5, 6, 7, 8]);
    const y = unitFloat32([8, -1, 3, 0, 2, 1, -5, 4]);
    const history = [
      { embedding: x, weight: 1, ts: T0 },
      { embedding: y, weight: 2, ts: T0 + 30 * HOUR },
      { embedding: x, weight: 3, ts: T0 + 300 * HOUR },
      { embedding: y, weight: 1, ts: T0 + 301 * HOUR },
    ];
    const { state, reference } = build(m, history);
    assert.ok(state.longLandmark > T0, 'the landmark moved');
    const now = T0 + 302 * HOUR;
    const got = read(m, state, x, now);
    const want = reference.read(x, now);
    for (let k = 0; k < 8; k++) assert.ok(Math.abs(got.vector[k]! - want.vector[k]!) <= 1e-6);
    assert.ok(Math.abs(got.weight - want.weight) <= 1e-6 * want.weight);
  });
});

describe('SDIM reductions', () => {
  test('one signature with τ = 0 is the decayed, engagement-weighted mean of the history', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ embedding: vectorOf(6), weight: fc.constantFrom(1, 2, 3, 4, 5), ts: fc.integer({ min: 0, max: 200 * HOUR }).map((t) => T0 + t) }), { minLength: 1, maxLength: 50 }), vectorOf(6), (history, candidate) => {
        const m = model({ embeddingDim: 6, signatures: 1, bitsPerSignature: 0, longTermHalfLifeMs: 24 * HOUR });
        const { state } = build(m, history);
        const now = T0 + 200 * HOUR;
        const decay = (e: Engagement) => e.weight * Math.pow(2, -(now - e.ts) / (24 * HOUR));
        const total = history.reduce((s, e) => s + decay(e), 0);
        const mean = Array.from({ length: 6 }, (_, k) => history.reduce((s, e) => s + decay(e) * e.embedding[k]!, 0) / total);
        const got = read(m, state, candidate, now);
        for (let k = 0; k < 6; k++) assert.ok(Math.abs(got.vector[k]! - mean[k]!) <= 1e-6, `component ${k}: ${got.vector[k]} vs ${mean[k]}`);
        assert.ok(Math.abs(got.weight - total) <= 1e-6 * Math.max(1, total));
      }),
      { numRuns: 200 },
    );
  });

  test('with many signatures the read points where Σ w_j s_j / Σ w_j does, w_j = a_j (1 − θ_j/π)^τ (cosine > 0.99)', () => {
    const dim = 16;
    for (const bits of [1, 2, 3]) {
      const m = model({ embeddingDim: dim, signatures: 3000, bitsPerSignature: bits, hashSeed: 7 + bits });
      const random = fc.sample(fc.tuple(vectorOf(dim), fc.constantFrom(1, 2, 3, 4, 5)), { numRuns: 60, seed: 11 * bits });
      const history = random.map(([embedding, weight]) => ({ embedding, weight, ts: T0 }));
      const { state } = build(m, history);
      for (const [candidate] of fc.sample(fc.tuple(vectorOf(dim)), { numRuns: 10, seed: 5 * bits })) {
        const target = new Float64Array(dim);
        let total = 0;
        for (const e of history) {
          const angle = Math.acos(Math.max(-1, Math.min(1, cosine(candidate, e.embedding))));
          const w = e.weight * Math.pow(1 - angle / Math.PI, bits);
          total += w;
          for (let k = 0; k < dim; k++) target[k]! += (w * e.embedding[k]!);
        }
        for (let k = 0; k < dim; k++) target[k]! /= total;
        const got = read(m, state, candidate, T0);
        const agreement = cosine(got.vector, target);
        assert.ok(agreement > 0.99, `τ=${bits}: cosine ${agreement.toFixed(4)} between the read and the soft attention`);
      }
    }
  });
});

describe('topInterests', () => {
  test('buckets are the heaviest first; the long-term weight is the decayed total over signatures', () => {
    const m = model({ embeddingDim: 4, signatures: 2, bitsPerSignature: 1, longTermHalfLifeMs: 10 * HOUR });
    const x = unitFloat32([1, 0, 0, 0]);
    const state = UserInterest.empty(m.layout, T0);
    m.updater.addEngagement(state, x, m.hasher.codes(x), 2, T0);
    m.updater.addEngagement(state, x, m.hasher.codes(x), 2, T0 + 10 * HOUR);
    const top = topInterests(m, state, T0 + 10 * HOUR);
    // 2 decayed one half-life + 2 = 3 per signature, all in the bucket of x's code.
    assert.ok(Math.abs(top.longTermWeight - 3) < 1e-6, String(top.longTermWeight));
    const codes = m.hasher.codes(x);
    assert.deepEqual(top.buckets.map((b) => [b.signature, b.code]), [[0, codes[0]], [1, codes[1]]]);
    assert.ok(top.buckets.every((b) => Math.abs(b.weight - 3) < 1e-6));
  });
});
