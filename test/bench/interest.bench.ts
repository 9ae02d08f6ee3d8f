/**
 * The interest topology's costs (issue 3): per-event update and per-candidate read at
 * history lengths 10 … 100,000 next to brute-force softmax attention over the whole
 * history, measured in the same run; the fidelity of the hashed read against the soft
 * attention it approximates, per (signatures, τ); and resident memory per user with
 * 1,000,000 users at the defaults. Prints one JSON object (last line of stdout).
 */
import { SeededRandom } from '../../src/sim/random.js';
import { interestCodec } from '../../topologies/interest/interest-codec.js';
import { InterestModel } from '../../topologies/interest/interest-model.js';
import { readInterest } from '../../topologies/interest/interest-read.js';
import { INTEREST_DEFAULTS, interestOptions } from '../../topologies/interest/options.js';
import { UserInterest } from '../../topologies/interest/user-interest.js';
import { gc, requireExposedGc } from './support/figures.js';

requireExposedGc('interest bench');

const HISTORY_LENGTHS = [10, 100, 1_000, 10_000, 100_000];
const USERS = Number(process.env['BENCH_USERS'] ?? 1_000_000);
const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

const random = new SeededRandom(2026);
const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());

/** Clustered unit embeddings, like items of a few dozen categories. */
function embeddings(count: number, dim: number): Float32Array[] {
  const centres = Array.from({ length: 24 }, () => Array.from({ length: dim }, gaussian));
  return Array.from({ length: count }, () => {
    const centre = centres[Math.floor(random.next() * centres.length)]!;
    const v = centre.map((c) => c + 0.7 * gaussian());
    const length = Math.hypot(...v);
    return Float32Array.from(v, (x) => x / length);
  });
}

/** Runs `op` until at least `minMs` have passed; nanoseconds per call. */
function nsPerOp(op: (i: number) => void, minMs = 300): number {
  let calls = 0;
  let batch = 1;
  const started = performance.now();
  for (;;) {
    for (let i = 0; i < batch; i++) op(calls + i);
    calls += batch;
    const elapsed = performance.now() - started;
    if (elapsed >= minMs) return (elapsed * 1e6) / calls;
    batch = Math.min(batch * 2, 1 << 16);
  }
}

/** Softmax attention of q over the whole history (L × d, row-major): the brute-force ceiling. */
function attention(history: Float32Array, length: number, dim: number, q: Float32Array, scores: Float64Array, out: Float64Array): void {
  const scale = 1 / Math.sqrt(dim);
  let max = -Infinity;
  for (let j = 0; j < length; j++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += history[j * dim + k]! * q[k]!;
    scores[j] = s * scale;
    if (scores[j]! > max) max = scores[j]!;
  }
  out.fill(0);
  let total = 0;
  for (let j = 0; j < length; j++) {
    const w = Math.exp(scores[j]! - max);
    total += w;
    for (let k = 0; k < dim; k++) out[k] = out[k]! + w * history[j * dim + k]!;
  }
  for (let k = 0; k < dim; k++) out[k] = out[k]! / total;
}

function costs(model: InterestModel) {
  const { dim } = model.layout;
  const pool = embeddings(4_096, dim);
  const poolCodes = pool.map((x) => model.hasher.codes(x));
  const candidates = embeddings(1_024, dim);
  const candidateCodes = candidates.map((x) => model.hasher.codes(x));
  const bucketRows = new Int32Array(model.layout.signatures);
  const out = new Float32Array(dim);
  const codes = new Uint16Array(model.layout.signatures);
  const rows = [];
  for (const length of HISTORY_LENGTHS) {
    // The state after `length` events (one event a minute).
    const state = UserInterest.empty(model.layout, T0);
    for (let j = 0; j < length; j++) model.updater.addEngagement(state, pool[j % pool.length]!, poolCodes[j % pool.length]!, 1 + (j % 5), T0 + j * MINUTE);
    const end = T0 + length * MINUTE;
    const update = nsPerOp((i) => {
      const x = i % pool.length;
      model.updater.addEngagement(state, pool[x]!, poolCodes[x]!, 1, end);
      model.updater.addShortTerm(state, pool[x]!, 1, end);
    });
    const readHashing = nsPerOp((i) => {
      const q = candidates[i % candidates.length]!;
      readInterest(model, state, q, model.hasher.codes(q, codes), end, bucketRows, out);
    });
    const readPrehashed = nsPerOp((i) => readInterest(model, state, candidates[i % candidates.length]!, candidateCodes[i % candidates.length]!, end, bucketRows, out));
    const history = new Float32Array(length * dim);
    for (let j = 0; j < length; j++) history.set(pool[j % pool.length]!, j * dim);
    const scores = new Float64Array(length);
    const attended = new Float64Array(dim);
    const bruteForce = nsPerOp((i) => attention(history, length, dim, candidates[i % candidates.length]!, scores, attended));
    rows.push({ history: length, updateNs: round(update), readNs: round(readHashing), readPrehashedNs: round(readPrehashed), bruteForceAttentionNs: round(bruteForce), bruteOverRead: round(bruteForce / readHashing, 1) });
  }
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  return {
    rows,
    readFlatness100kOver10: round(last.readNs / first.readNs, 2),
    updateFlatness100kOver10: round(last.updateNs / first.updateNs, 2),
    bruteForceOverReadAt100k: last.bruteOverRead,
    bruteForceGrowth100kOver10: round(last.bruteForceAttentionNs / first.bruteForceAttentionNs, 0),
  };
}

/**
 * How close the hashed read is to the soft attention it stands for
 * (Σ a_j (1 − θ_j/π)^τ s_j / Σ …), averaged over users and candidates, per shape; with the
 * bytes per user each shape costs. This is what the defaults trade against memory.
 */
function fidelity() {
  const dim = 32;
  const users = Array.from({ length: 40 }, () => embeddings(300, dim));
  const candidates = embeddings(40, dim);
  const shapes = [
    [4, 1], [8, 1], [12, 1], [3, 2], [4, 2], [6, 2], [8, 2], [16, 2], [2, 3], [3, 3], [4, 3], [8, 3], [16, 3],
  ] as const;
  return shapes.map(([signatures, bits]) => {
    const model = new InterestModel(interestOptions({ embeddingDim: dim, signatures, bitsPerSignature: bits }));
    const bucketRows = new Int32Array(model.layout.signatures);
    let total = 0;
    let count = 0;
    for (const history of users) {
      const state = UserInterest.empty(model.layout, T0);
      for (const x of history) model.updater.addEngagement(state, x, model.hasher.codes(x), 1, T0);
      for (const q of candidates) {
        const target = new Float64Array(dim);
        for (const x of history) {
          let cos = 0;
          for (let k = 0; k < dim; k++) cos += q[k]! * x[k]!;
          const w = Math.pow(1 - Math.acos(Math.max(-1, Math.min(1, cos))) / Math.PI, bits);
          for (let k = 0; k < dim; k++) target[k] = target[k]! + w * x[k]!;
        }
        const read = readInterest(model, state, q, model.hasher.codes(q), T0, bucketRows);
        let ab = 0, aa = 0, bb = 0;
        for (let k = 0; k < dim; k++) {
          ab += read.vector[k]! * target[k]!;
          aa += read.vector[k]! * read.vector[k]!;
          bb += target[k]! * target[k]!;
        }
        total += aa > 0 ? ab / Math.sqrt(aa * bb) : 0;
        count++;
      }
    }
    return { signatures, bits, bucketsPerUser: signatures << bits, floatBytesPerUser: model.layout.floatBytes, meanCosineToSoftAttention: round(total / count, 4) };
  });
}

/** Resident memory per user: 1,000,000 users' states, full (every slot named, every float set), as the store holds them. */
function memory() {
  const model = new InterestModel(interestOptions());
  const { layout } = model;
  gc();
  const before = process.memoryUsage();
  const store = new Map<string, UserInterest>();
  // values[i] = (u + i) % 97, copied from a precomputed run rather than computed float by float.
  const pattern = Float32Array.from({ length: layout.floats + 97 }, (_, j) => j % 97);
  for (let u = 0; u < USERS; u++) {
    const state = UserInterest.empty(layout, T0 + u);
    state.values.set(pattern.subarray(u % 97, (u % 97) + layout.floats));
    // Names arrive as fresh strings (decoded events, restored changelog records) and go
    // through the model's name pool, as in the topology: 200,000 distinct authors here.
    for (let i = 0; i < layout.topCategories; i++) state.keys[i] = model.names.intern(`category-${(u + i) % 64}`);
    for (let i = 0; i < layout.topAuthors; i++) state.keys[layout.topCategories + i] = model.names.intern(`author-${(u * 31 + i) % 200_003}`);
    state.events = 100;
    store.set(`user-${u}`, state);
  }
  gc();
  const after = process.memoryUsage();
  const perUser = (key: 'heapUsed' | 'arrayBuffers' | 'rss' | 'external') => (after[key] - before[key]) / USERS;
  const resident = perUser('heapUsed') + perUser('external');
  const codec = interestCodec(model);
  const sample = codec.encode(store.get('user-0')!);
  const result = {
    users: USERS,
    formulaFloats: `S·2^τ·(d+1) + (d+1) + Kc + Ka = ${layout.signatures}·${layout.codesPerSignature}·${layout.dim + 1} + ${layout.dim + 1} + ${layout.topCategories} + ${layout.topAuthors} = ${layout.floats}`,
    floatBytesPerUser: layout.floatBytes,
    heapBytesPerUser: round(perUser('heapUsed')),
    offHeapBytesPerUser: round(perUser('external')),
    residentBytesPerUser: round(resident),
    residentKiBPerUser: round(resident / 1024, 2),
    rssBytesPerUser: round(perUser('rss')),
    changelogRecordBytes: sample.length,
    targetKiB: 4,
    withinTarget: resident <= 4096,
    sharedNames: model.names.size,
    fullHistoryAtL1024BytesPerUser: 1024 * INTEREST_DEFAULTS.embeddingDim * 4,
  };
  store.clear();
  return result;
}

function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const defaults = new InterestModel(interestOptions());
const result = {
  defaults: { embeddingDim: INTEREST_DEFAULTS.embeddingDim, signatures: INTEREST_DEFAULTS.signatures, bitsPerSignature: INTEREST_DEFAULTS.bitsPerSignature, topCategories: INTEREST_DEFAULTS.topCategories, topAuthors: INTEREST_DEFAULTS.topAuthors },
  node: process.version,
  costs: costs(defaults),
  fidelity: fidelity(),
  memory: memory(),
};
process.stdout.write(JSON.stringify(result) + '\n');
