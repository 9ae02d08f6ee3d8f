import { LifelongError, messageOf } from '../errors/catalog.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { InstanceService, ServiceContext } from '../runtime/service.js';
import { SeededRandom } from '../sim/random.js';
import { selectBackend, type BackendName, type BackendPreference, type ModuleImporter } from './backend.js';
import { CheckpointManager, type RestoredCheckpoint } from './checkpoints.js';
import { CLICK_LOGIT, CriticNetwork, OUTPUT_COUNT, type CriticArchitecture } from './critic-network.js';
import { LearnerMetrics } from './learner-metrics.js';
import { ReplayBuffer } from './replay-buffer.js';
import { DEFAULT_LOSS_WEIGHTS, TdTrainer } from './td-trainer.js';
import type { TF } from './tf.js';
import type { PairValue, PairValueReader, Transition, TransitionSink } from './transition.js';

export interface HeadWeights {
  readonly click: number;
  readonly follow: number;
  readonly gift: number;
}

export interface LearnerOptions {
  /** Names of the input features, in order; part of checkpoint compatibility. */
  readonly featureNames: readonly string[];
  /** Discount per hour of event time between a step and the next (0 < γ < 1). */
  readonly gammaPerHour: number;
  /** Lifelong value = Σ weight × V_head. */
  readonly headWeights: HeadWeights;
  /** Transitions per training micro-batch. */
  readonly batchSize: number;
  /** Training steps between copies of the online network into the target network (K). */
  readonly targetRefreshSteps: number;
  /** Transitions the replay buffer holds (the oldest are overwritten). */
  readonly replayCapacity: number;
  readonly learningRate?: number;
  /** Default: a trunk of 64 and 64 units, heads of 32. */
  readonly architecture?: { readonly trunkUnits: readonly number[]; readonly headUnits: number };
  /** Huber threshold of the value heads' loss (default 1; large values make it squared error). */
  readonly huberDelta?: number;
  /** Loss weights of V_click, V_follow, V_gift and the auxiliary click head. */
  readonly lossWeights?: readonly [number, number, number, number];
  /** Training waits until the buffer holds this many transitions (default 4 batches). */
  readonly minReplay?: number;
  /**
   * Largest share of wall time the background loop spends in training steps (0 < s ≤ 1):
   * after a step of d ms it rests d × (1/s − 1) ms, leaving the event loop to the
   * partitions. Default 0.5.
   */
  readonly trainingShare?: number;
  /** Periodic and shutdown checkpoints; none when absent. */
  readonly checkpoint?: { readonly dir: string; readonly intervalMs: number; readonly keep?: number };
  readonly backend?: BackendPreference;
  /** Replaces dynamic import in backend selection (tests). */
  readonly importer?: ModuleImporter;
  readonly seed?: number;
  /** Pairs kept in the value cache (and states waiting for a refresh). */
  readonly cacheCapacity?: number;
  /** Training steps between value-cache refreshes. */
  readonly cacheRefreshSteps?: number;
  /** Awaited after every training step (tests use it to make steps deliberately slow). */
  readonly afterStep?: (step: number) => void | Promise<void>;
  readonly logger?: Logger;
}

export interface LearnerStats {
  readonly backend: BackendName | undefined;
  readonly modelVersion: number;
  /** Steps since this process started training. */
  readonly steps: number;
  /** Steps including those of the restored checkpoint. */
  readonly totalSteps: number;
  readonly replaySize: number;
  readonly transitionsAppended: number;
  readonly cachedPairs: number;
  readonly lastLoss: number | undefined;
  readonly restoredFrom: RestoredCheckpoint | undefined;
}

const DEFAULT_ARCHITECTURE = { trunkUnits: [64, 64], headUnits: 32 } as const;
const IDLE_POLL_MS = 250;
const ERROR_BACKOFF_MS = 1_000;
const INFERENCE_CHUNK = 1_024;
const CACHE_REFRESH_MAX = 8_192;

/**
 * The lifelong-value learner: a process-level service shared by every partition of an
 * instance. Topologies append transitions (`record`) and note pair states (`noteState`)
 * synchronously; a background loop samples micro-batches from the bounded replay
 * buffer, takes TD steps against a target network refreshed every K steps, refreshes a
 * value cache with batched inference, and checkpoints periodically and on stop. Record
 * processing never awaits any of it.
 *
 * Training is approximate by design, outside the exactly-once guarantees: transitions
 * of a batch replayed after a crash are appended again, and the model is whatever the
 * last checkpoint held. State that must be exact lives in the topology's stores.
 */
export class Learner implements InstanceService, TransitionSink, PairValueReader {
  readonly name = 'lifelong-value-learner';
  readonly inputDim: number;
  readonly architecture: CriticArchitecture;
  private readonly buffer: ReplayBuffer;
  private readonly random: SeededRandom;
  private readonly pending = new Map<string, Float32Array>();
  private readonly cache = new Map<string, PairValue>();
  private tf: TF | undefined;
  private backendName: BackendName | undefined;
  private online: CriticNetwork | undefined;
  private target: CriticNetwork | undefined;
  private trainer: TdTrainer | undefined;
  private checkpoints: CheckpointManager | undefined;
  private metrics: LearnerMetrics | undefined;
  private logger: Logger;
  private initializing: Promise<void> | undefined;
  private running = false;
  private loopDone: Promise<void> | undefined;
  /** Ends the current rest (stop). */
  private wake: (() => void) | undefined;
  /** Ends an idle rest once the buffer holds enough to train. */
  private dataArrived: (() => void) | undefined;
  private version = 0;
  private stepsAtRestore = 0;
  private stepsAtSave = 0;
  private lastSaveAt = performance.now();
  private lastLoss: number | undefined;
  private restored: RestoredCheckpoint | undefined;

  constructor(private readonly options: LearnerOptions) {
    const { gammaPerHour, batchSize, targetRefreshSteps } = options;
    if (!(gammaPerHour > 0 && gammaPerHour < 1)) throw new RangeError(`gammaPerHour must be in (0, 1), got ${gammaPerHour}`);
    if (!(batchSize >= 1 && targetRefreshSteps >= 1)) throw new RangeError('batchSize and targetRefreshSteps must be ≥ 1');
    const share = options.trainingShare ?? 0.5;
    if (!(share > 0 && share <= 1)) throw new RangeError(`trainingShare must be in (0, 1], got ${share}`);
    this.inputDim = options.featureNames.length;
    const arch = options.architecture ?? DEFAULT_ARCHITECTURE;
    this.architecture = { inputDim: this.inputDim, trunkUnits: [...arch.trunkUnits], headUnits: arch.headUnits };
    this.buffer = new ReplayBuffer(options.replayCapacity, this.inputDim);
    this.random = new SeededRandom(options.seed ?? 1);
    this.logger = options.logger ?? silentLogger();
  }

  // ── the per-record side: synchronous, allocation-light, never waits ──────────────

  record(transition: Transition): void {
    this.buffer.push(transition);
    if (this.dataArrived && this.buffer.size >= this.minReplay) this.dataArrived();
  }

  noteState(key: string, state: ArrayLike<number>): void {
    if (state.length !== this.inputDim) throw new Error(`state has ${state.length} features, expected ${this.inputDim}`);
    this.pending.delete(key);
    this.pending.set(key, Float32Array.from(state));
    if (this.pending.size > this.cacheCapacity) this.pending.delete(this.pending.keys().next().value!);
  }

  cachedValue(key: string): PairValue | undefined {
    return this.cache.get(key);
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────────────

  /** Selects the backend, builds the networks and restores the newest good checkpoint; idempotent. */
  init(context?: ServiceContext): Promise<void> {
    if (context) this.logger = context.logger;
    return (this.initializing ??= this.initialize(context));
  }

  /** InstanceService: init, then the background training loop. */
  async start(context: ServiceContext): Promise<void> {
    await this.init(context);
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops the loop after the step in progress, saves a checkpoint if the model moved, and frees the tensors. */
  async stop(): Promise<void> {
    this.running = false;
    // An init still under way finishes first (its failure was already reported to whoever awaited it).
    await this.initializing?.catch(() => undefined);
    this.wake?.();
    await this.loopDone;
    this.loopDone = undefined;
    if (!this.online) return;
    if (this.steps > this.stepsAtSave) {
      try {
        await this.checkpoint('shutdown');
      } catch (error) {
        this.logger.error({ err: error }, 'final checkpoint failed; the previous one stays');
      }
    }
    this.trainer?.dispose();
    this.online.dispose();
    this.target?.dispose();
    this.online = this.target = this.trainer = undefined;
    this.initializing = undefined;
  }

  get backend(): BackendName | undefined {
    return this.backendName;
  }

  get modelVersion(): number {
    return this.version;
  }

  /** Training steps taken in this process. */
  get steps(): number {
    return this.trainer?.steps ?? 0;
  }

  stats(): LearnerStats {
    return {
      backend: this.backendName,
      modelVersion: this.version,
      steps: this.steps,
      totalSteps: this.stepsAtRestore + this.steps,
      replaySize: this.buffer.size,
      transitionsAppended: this.buffer.appended,
      cachedPairs: this.cache.size,
      lastLoss: this.lastLoss,
      restoredFrom: this.restored,
    };
  }

  // ── training and inference (the background side) ─────────────────────────────────

  /** Takes `count` training steps now (the loop's step; tests drive it directly). Returns the mean loss. */
  async trainSteps(count: number): Promise<number> {
    const trainer = this.ready().trainer;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const loss = await trainer.step(this.buffer.sample(this.options.batchSize, this.random, this.options.gammaPerHour));
      if (trainer.steps % this.options.targetRefreshSteps === 0) trainer.refreshTarget();
      this.lastLoss = loss;
      total += loss;
      this.metrics?.steps.inc();
      this.metrics?.loss.set(loss);
      this.metrics?.stepSeconds.observe((performance.now() - started) / 1000);
      await this.options.afterStep?.(trainer.steps);
    }
    return count === 0 ? Number.NaN : total / count;
  }

  /**
   * Batched inference, synchronous: `count` states laid out row-major in `states`
   * (count × inputDim) → one PairValue each.
   */
  predict(states: Float32Array, count: number): PairValue[] {
    const online = this.ready().online;
    const out: PairValue[] = [];
    for (let start = 0; start < count; start += INFERENCE_CHUNK) {
      const n = Math.min(INFERENCE_CHUNK, count - start);
      const raw = online.predict(states.subarray(start * this.inputDim, (start + n) * this.inputDim), n);
      for (let row = 0; row < n; row++) out.push(this.toValue(raw, row));
    }
    return out;
  }

  /** Convenience over `predict` for a few states given as arrays. */
  predictStates(states: ReadonlyArray<ArrayLike<number>>): PairValue[] {
    const packed = new Float32Array(states.length * this.inputDim);
    states.forEach((state, row) => packed.set(Array.from(state), row * this.inputDim));
    return this.predict(packed, states.length);
  }

  /** Recomputes the cached values of the pairs noted since the last refresh (oldest first). Returns how many. */
  refreshCache(max = CACHE_REFRESH_MAX): number {
    if (!this.online || this.pending.size === 0) return 0;
    const keys: string[] = [];
    const packed = new Float32Array(Math.min(max, this.pending.size) * this.inputDim);
    for (const [key, state] of this.pending) {
      if (keys.length >= max) break;
      packed.set(state, keys.length * this.inputDim);
      keys.push(key);
    }
    for (const key of keys) this.pending.delete(key);
    const values = this.predict(packed, keys.length);
    keys.forEach((key, i) => {
      this.cache.delete(key);
      this.cache.set(key, values[i]!);
    });
    while (this.cache.size > this.cacheCapacity) this.cache.delete(this.cache.keys().next().value!);
    return keys.length;
  }

  /** Saves the online network as the next model version (no-op without a checkpoint directory). */
  async checkpoint(reason = 'manual'): Promise<number | undefined> {
    const { checkpoints, online } = this;
    if (!checkpoints || !online) return undefined;
    try {
      const version = await checkpoints.save(online, {
        steps: this.stepsAtRestore + this.steps,
        reason,
        backend: this.backendName ?? 'unknown',
        featureNames: this.options.featureNames,
        gammaPerHour: this.options.gammaPerHour,
      });
      this.version = version;
      this.stepsAtSave = this.steps;
      this.lastSaveAt = performance.now();
      this.metrics?.checkpoints.inc({ outcome: 'saved' });
      this.logger.info({ version, reason, steps: this.stepsAtRestore + this.steps, dir: this.options.checkpoint?.dir }, 'lifelong-value checkpoint saved');
      return version;
    } catch (error) {
      this.metrics?.checkpoints.inc({ outcome: 'save_failed' });
      throw error;
    }
  }

  // ── internals ─────────────────────────────────────────────────────────────────────

  private get minReplay(): number {
    return Math.max(1, this.options.minReplay ?? 4 * this.options.batchSize);
  }

  private get cacheCapacity(): number {
    return this.options.cacheCapacity ?? 100_000;
  }

  private ready(): { tf: TF; online: CriticNetwork; trainer: TdTrainer } {
    if (!this.tf || !this.online || !this.trainer) throw new Error('the learner is not initialized: call init() or start() first');
    return { tf: this.tf, online: this.online, trainer: this.trainer };
  }

  private toValue(raw: Float32Array, row: number): PairValue {
    const base = row * OUTPUT_COUNT;
    const click = raw[base]!;
    const follow = raw[base + 1]!;
    const gift = raw[base + 2]!;
    const logit = raw[base + CLICK_LOGIT]!;
    const w = this.options.headWeights;
    return { value: w.click * click + w.follow * follow + w.gift * gift, click, follow, gift, clickProbability: 1 / (1 + Math.exp(-logit)), modelVersion: this.version };
  }

  private async initialize(context: ServiceContext | undefined): Promise<void> {
    const selection = await selectBackend(this.options.backend ?? 'auto', this.options.importer);
    const { tf, backend } = selection;
    this.tf = tf;
    this.backendName = backend;
    for (const attempt of selection.attempts) if (attempt.error) this.logger.warn({ backend: attempt.backend, module: attempt.module, reason: attempt.error }, 'TensorFlow.js backend not available');
    this.logger.info({ backend, module: selection.module, tfjs: tf.version?.['tfjs-core'] }, 'lifelong-value learner backend');
    if (backend === 'cpu') this.logger.warn('the pure-JS cpu backend trains about 5× slower than wasm; check that @tensorflow/tfjs-backend-wasm is installed');
    if (context) {
      context.metrics.learnerBackend.set({ backend }, 1);
      this.metrics = new LearnerMetrics(context.metrics.registry, {
        replaySize: () => this.buffer.size,
        transitionsAppended: () => this.buffer.appended,
        cachedPairs: () => this.cache.size,
        modelVersion: () => this.version,
      });
    }
    const seed = this.options.seed ?? 1;
    this.online = new CriticNetwork(tf, this.architecture, seed);
    this.target = new CriticNetwork(tf, this.architecture, seed + 1);
    const dir = this.options.checkpoint?.dir;
    if (dir) {
      this.checkpoints = new CheckpointManager(tf, {
        dir,
        keep: this.options.checkpoint?.keep ?? 3,
        onRefused: (error: LifelongError) => {
          this.metrics?.checkpoints.inc({ outcome: 'refused' });
          this.logger.error({ code: error.code, path: error.details['path'], reason: error.details['detail'] }, error.message);
        },
      });
      this.restored = await this.checkpoints.restoreInto(this.online, { architecture: this.architecture, featureNames: this.options.featureNames });
      if (this.restored) {
        this.version = this.restored.version;
        this.stepsAtRestore = this.restored.metadata.steps;
        this.metrics?.checkpoints.inc({ outcome: 'restored' });
        this.logger.info({ version: this.version, path: this.restored.path, steps: this.stepsAtRestore, trainedOn: this.restored.metadata.backend }, 'lifelong-value checkpoint restored');
      } else {
        this.logger.info({ dir, refused: this.checkpoints.refused.length }, 'no usable lifelong-value checkpoint: starting from a fresh model');
      }
    }
    // The trainer copies the (possibly restored) online weights into the target network.
    this.trainer = new TdTrainer(tf, this.online, this.target, {
      learningRate: this.options.learningRate ?? 1e-3,
      lossWeights: this.options.lossWeights ?? DEFAULT_LOSS_WEIGHTS,
      huberDelta: this.options.huberDelta ?? 1,
    });
    this.lastSaveAt = performance.now();
  }

  private async loop(): Promise<void> {
    const share = this.options.trainingShare ?? 0.5;
    const refreshEvery = this.options.cacheRefreshSteps ?? 50;
    while (this.running) {
      try {
        if (this.buffer.size < this.minReplay) {
          this.refreshCache();
          await this.rest(IDLE_POLL_MS, true);
        } else {
          const started = performance.now();
          await this.trainSteps(1);
          if (this.steps % refreshEvery === 0) this.refreshCache();
          const busy = performance.now() - started;
          // Yield to the event loop after every step, resting long enough to keep training under its share of the thread.
          await this.rest(share >= 1 ? 0 : busy * (1 / share - 1));
        }
        await this.maybeCheckpoint();
      } catch (error) {
        this.logger.error({ err: error, detail: messageOf(error) }, 'lifelong-value training loop failed; retrying in a second');
        await this.rest(ERROR_BACKOFF_MS);
      }
    }
  }

  private async maybeCheckpoint(): Promise<void> {
    const interval = this.options.checkpoint?.intervalMs;
    if (interval === undefined || this.steps === this.stepsAtSave || performance.now() - this.lastSaveAt < interval) return;
    try {
      await this.checkpoint('periodic');
    } catch (error) {
      // Training goes on; the next attempt is one interval later, the previous checkpoint stays.
      this.lastSaveAt = performance.now();
      this.logger.error({ err: error, code: (error as LifelongError).code }, 'periodic lifelong-value checkpoint failed; the previous one stays');
    }
  }

  /**
   * Waits `ms` (0: one turn of the event loop, so queued record batches run first), or
   * until stop() — or, when idle, enough data — ends the wait. While the loop runs its
   * timers keep the process alive, like a server; stop() ends them.
   */
  private rest(ms: number, untilData = false): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = this.dataArrived = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wake = done;
      if (untilData) this.dataArrived = done;
    });
  }
}
