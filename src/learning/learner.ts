import { messageOf } from '../errors/catalog.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { InstanceService, ServiceContext } from '../runtime/service.js';
import type { BackendName, BackendPreference, ModuleImporter } from './backend.js';
import type { RestoredCheckpoint } from './checkpoints.js';
import type { CriticArchitecture } from './critic-network.js';
import type { EngineChannel, EngineListener, TrainingMode } from './engine-channel.js';
import type { EngineProgress, EngineReady, EngineSettings, FromEngine } from './engine-protocol.js';
import { InlineEngineChannel } from './inline-engine-channel.js';
import { LearnerMetrics } from './learner-metrics.js';
import { PairValueCache, type HeadWeights } from './pair-value-cache.js';
import { DEFAULT_LOSS_WEIGHTS } from './td-trainer.js';
import { TransitionBatcher } from './transition-batcher.js';
import type { EngineHooks, TrainingEngine } from './training-engine.js';
import type { PairValue, PairValueReader, Transition, TransitionSink } from './transition.js';
import { WorkerEngineChannel } from './worker-engine-channel.js';

export type { HeadWeights } from './pair-value-cache.js';
export type { TrainingMode } from './engine-channel.js';

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
   * Largest share of wall time the training loop spends in training steps (0 < s ≤ 1):
   * after a step of d ms it rests d × (1/s − 1) ms. In a worker this bounds the cores
   * training takes from the partitions; inline, the share of the event loop. Default 0.5.
   */
  readonly trainingShare?: number;
  /** Periodic and shutdown checkpoints; none when absent. */
  readonly checkpoint?: { readonly dir: string; readonly intervalMs: number; readonly keep?: number };
  readonly backend?: BackendPreference;
  /**
   * Where start() trains: `worker` (default), a worker thread, so training steps never
   * block record processing; `inline`, this thread (what `importer` and `afterStep` need,
   * since functions cannot cross a thread boundary). init() always loads the engine into
   * this thread, for callers that drive it directly (trainSteps, predict, checkpoint):
   * a learner initialized that way also trains inline when started.
   */
  readonly mode?: TrainingMode;
  /** Replaces dynamic import in backend selection (tests; inline only). */
  readonly importer?: ModuleImporter;
  readonly seed?: number;
  /** Pairs kept in the value cache (and states waiting for a refresh). */
  readonly cacheCapacity?: number;
  /** How often appended transitions go to the engine, in milliseconds (default 25; a full batch of 1,024 transitions goes at once). */
  readonly flushIntervalMs?: number;
  /**
   * How often the states noted since the last refresh go to the engine for their values,
   * in milliseconds (default 250). Each request costs the engine a batched inference
   * between training steps; a pair noted several times in between is valued once.
   */
  readonly cacheRefreshMs?: number;
  /**
   * A worker that dies is started again (from the newest checkpoint) after this many
   * milliseconds, doubling on each death in a row up to `max` (defaults 1 s and 60 s). An
   * engine that stayed up for `max` starts the count afresh. Inline engines are not restarted.
   */
  readonly restartBackoffMs?: { readonly initial: number; readonly max: number };
  /** How long stop() waits for the engine's final checkpoint before terminating a worker, in milliseconds (default 30 seconds). */
  readonly stopTimeoutMs?: number;
  /** Awaited after every training step (tests use it to make steps deliberately slow; inline only). */
  readonly afterStep?: (step: number) => void | Promise<void>;
  readonly logger?: Logger;
}

export interface LearnerStats {
  readonly backend: BackendName | undefined;
  /** Where the engine runs (undefined before init or start). */
  readonly mode: TrainingMode | undefined;
  readonly modelVersion: number;
  /** Steps since this process started training (as last reported by the engine). */
  readonly steps: number;
  /** Steps including those of the restored checkpoint. */
  readonly totalSteps: number;
  readonly replaySize: number;
  readonly transitionsAppended: number;
  /** Transitions that never reached the engine (it was down, or far behind). */
  readonly transitionsDropped: number;
  readonly cachedPairs: number;
  readonly lastLoss: number | undefined;
  readonly restoredFrom: RestoredCheckpoint | undefined;
  /** Why the engine died, when it did and has not been restarted yet: training is paused, cached values stay. */
  readonly engineFailure: string | undefined;
  /** Workers started again after a death. */
  readonly engineRestarts: number;
}

const DEFAULT_ARCHITECTURE = { trunkUnits: [64, 64], headUnits: 32 } as const;
const TRANSITIONS_PER_MESSAGE = 1_024;
const INFERENCE_MAX = 8_192;

/**
 * The lifelong-value learner: a process-level service shared by every partition of an
 * instance. Topologies append transitions (`record`) and note pair states (`noteState`)
 * synchronously; every few tens of milliseconds the learner posts the transitions, packed
 * in typed arrays, and the states waiting for a value to its training engine, and applies
 * the values that come back to the cache `cachedValue` reads. The engine (training-engine.ts)
 * runs in a worker thread by default: it samples micro-batches from its bounded replay
 * buffer, takes TD steps against a target network refreshed every K steps, answers
 * inference requests, and checkpoints periodically and on stop. Record processing never
 * awaits any of it, and survives the engine's death (reported in logs, stats and metrics).
 *
 * Training is approximate by design, outside the exactly-once guarantees: transitions
 * of a batch replayed after a crash are appended again, and the model is whatever the
 * last checkpoint held. State that must be exact lives in the topology's stores.
 */
export class Learner implements InstanceService, TransitionSink, PairValueReader {
  readonly name = 'lifelong-value-learner';
  readonly inputDim: number;
  readonly architecture: CriticArchitecture;
  private readonly settings: EngineSettings;
  private readonly batcher: TransitionBatcher;
  private readonly values: PairValueCache;
  private logger: Logger;
  private metrics: LearnerMetrics | undefined;
  private opening: Promise<void> | undefined;
  /** The engine, once ready and until stopped or failed. */
  private channel: EngineChannel | undefined;
  private mode: TrainingMode | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private ready: EngineReady | undefined;
  private progress: EngineProgress | undefined;
  private inference: { readonly id: number; readonly keys: readonly string[] } | undefined;
  private inferenceIds = 0;
  private lastRefreshAt = 0;
  private version = 0;
  private appended = 0;
  private delivered = 0;
  /** `delivered` when the current engine opened: what earlier engines received. */
  private deliveredBefore = 0;
  private droppedBehind = 0;
  private failure: string | undefined;
  /** Between start() and stop(): an engine that dies now is restarted. */
  private running = false;
  private context: ServiceContext | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private failuresInARow = 0;
  private upSince = 0;
  private restarts = 0;
  private readonly listener: EngineListener = {
    message: (message) => this.onEngineMessage(message),
    failed: (error) => this.onEngineFailed(error),
  };

  constructor(private readonly options: LearnerOptions) {
    const { gammaPerHour, batchSize, targetRefreshSteps } = options;
    if (!(gammaPerHour > 0 && gammaPerHour < 1)) throw new RangeError(`gammaPerHour must be in (0, 1), got ${gammaPerHour}`);
    if (!(batchSize >= 1 && targetRefreshSteps >= 1)) throw new RangeError('batchSize and targetRefreshSteps must be ≥ 1');
    const share = options.trainingShare ?? 0.5;
    if (!(share > 0 && share <= 1)) throw new RangeError(`trainingShare must be in (0, 1], got ${share}`);
    this.inputDim = options.featureNames.length;
    const arch = options.architecture ?? DEFAULT_ARCHITECTURE;
    this.architecture = { inputDim: this.inputDim, trunkUnits: [...arch.trunkUnits], headUnits: arch.headUnits };
    this.settings = {
      featureNames: [...options.featureNames],
      gammaPerHour,
      batchSize,
      targetRefreshSteps,
      replayCapacity: options.replayCapacity,
      learningRate: options.learningRate ?? 1e-3,
      architecture: { trunkUnits: [...arch.trunkUnits], headUnits: arch.headUnits },
      huberDelta: options.huberDelta ?? 1,
      lossWeights: options.lossWeights ?? DEFAULT_LOSS_WEIGHTS,
      minReplay: Math.max(1, options.minReplay ?? 4 * batchSize),
      trainingShare: share,
      checkpoint: options.checkpoint ? { dir: options.checkpoint.dir, intervalMs: options.checkpoint.intervalMs, keep: options.checkpoint.keep ?? 3 } : undefined,
      backend: options.backend ?? 'auto',
      seed: options.seed ?? 1,
    };
    this.batcher = new TransitionBatcher(this.inputDim, TRANSITIONS_PER_MESSAGE, options.replayCapacity);
    this.values = new PairValueCache(this.inputDim, options.cacheCapacity ?? 100_000, options.headWeights);
    this.logger = options.logger ?? silentLogger();
  }

  // ── the per-record side: synchronous, allocation-light, never waits ──────────────

  record(transition: Transition): void {
    if (this.batcher.add(transition)) this.flushTransitions();
    this.appended++;
  }

  noteState(key: string, state: ArrayLike<number>): void {
    this.values.note(key, state);
  }

  cachedValue(key: string): PairValue | undefined {
    return this.values.get(key);
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────────────

  /** Loads the engine into this thread (see `mode`): backend, networks, the newest good checkpoint; idempotent. */
  init(context?: ServiceContext): Promise<void> {
    return (this.opening ??= this.open('inline', context));
  }

  /** InstanceService: opens the engine (a worker unless `mode` is inline or init() came first), then trains in the background. */
  async start(context: ServiceContext): Promise<void> {
    await (this.opening ??= this.open(this.options.mode ?? 'worker', context));
    this.running = true;
    this.context = context;
    this.train();
  }

  /** Hands the engine what it has not received, then has it stop after its step in progress, checkpoint if the model moved, and release the networks. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const opening = this.opening;
    if (!opening) return;
    // An open still under way finishes first (its failure was already reported to whoever awaited it).
    await opening.catch(() => undefined);
    clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    const channel = this.channel;
    if (channel) {
      this.flushTransitions();
      try {
        await channel.close(this.options.stopTimeoutMs ?? 30_000);
      } catch (error) {
        this.logger.error({ detail: messageOf(error) }, 'the lifelong-value training engine did not stop cleanly');
      }
    }
    this.channel = this.progress = this.inference = undefined;
    this.opening = undefined;
  }

  get backend(): BackendName | undefined {
    return this.ready?.backend;
  }

  get modelVersion(): number {
    return this.version;
  }

  /** Training steps taken in this process, as last reported by the engine. */
  get steps(): number {
    return this.progress?.steps ?? 0;
  }

  stats(): LearnerStats {
    const alive = this.failure === undefined;
    return {
      backend: this.backend,
      mode: this.mode,
      modelVersion: this.version,
      steps: this.steps,
      totalSteps: this.progress?.totalSteps ?? this.ready?.restoredFrom?.metadata.steps ?? 0,
      // The buffer never shrinks, so while the engine lives it holds everything handed to it (not to an engine before it), up to its capacity.
      replaySize: alive ? Math.min(this.options.replayCapacity, this.appended - this.dropped - this.deliveredBefore) : (this.progress?.replaySize ?? 0),
      transitionsAppended: this.appended,
      transitionsDropped: this.dropped,
      cachedPairs: this.values.size,
      lastLoss: this.progress?.lastLoss,
      restoredFrom: this.ready?.restoredFrom,
      engineFailure: this.failure,
      engineRestarts: this.restarts,
    };
  }

  /**
   * Sends the pairs noted since the last refresh (oldest first, at most `max`) for
   * inference, unless a request is still out; returns how many. Inline, the values are in
   * the cache when it returns; from a worker they arrive a moment later.
   */
  refreshCache(max = INFERENCE_MAX): number {
    const channel = this.channel;
    if (!channel || this.inference) return 0;
    const taken = this.values.take(max);
    if (!taken) return 0;
    this.inference = { id: ++this.inferenceIds, keys: taken.keys };
    channel.send({ type: 'infer', id: this.inference.id, count: taken.keys.length, states: taken.states }, [taken.states.buffer as ArrayBuffer]);
    return taken.keys.length;
  }

  // ── driving the engine directly (after init(): tests, experiments, benchmarks) ──────

  /** Takes `count` training steps now. Returns the mean loss. */
  async trainSteps(count: number): Promise<number> {
    return this.inlineEngine().trainSteps(count);
  }

  /** Batched inference, synchronous: `count` states laid out row-major in `states` (count × inputDim) → one PairValue each. */
  predict(states: Float32Array, count: number): PairValue[] {
    const outputs = this.inlineEngine().predict(states, count);
    return Array.from({ length: count }, (_, row) => this.values.valueOf(outputs, row, this.version));
  }

  /** Convenience over `predict` for a few states given as arrays. */
  predictStates(states: ReadonlyArray<ArrayLike<number>>): PairValue[] {
    const packed = new Float32Array(states.length * this.inputDim);
    states.forEach((state, row) => packed.set(Array.from(state), row * this.inputDim));
    return this.predict(packed, states.length);
  }

  /** Saves the online network as the next model version (undefined without a checkpoint directory). */
  async checkpoint(reason = 'manual'): Promise<number | undefined> {
    return this.inlineEngine().checkpoint(reason);
  }

  // ── internals ─────────────────────────────────────────────────────────────────────

  private get dropped(): number {
    return this.batcher.dropped + this.droppedBehind;
  }

  private async open(mode: TrainingMode, context: ServiceContext | undefined): Promise<void> {
    if (context) this.logger = context.logger;
    if (mode === 'worker' && (this.options.importer || this.options.afterStep)) {
      throw new RangeError('importer and afterStep are functions, which cannot reach a worker thread: use mode "inline"');
    }
    // Before the engine starts: the checkpoint outcomes of its start (restored, refused) are counted as they arrive.
    if (context) {
      this.metrics ??= new LearnerMetrics(context.metrics.registry, {
        replaySize: () => this.stats().replaySize,
        transitionsAppended: () => this.appended,
        cachedPairs: () => this.values.size,
        modelVersion: () => this.version,
      });
    }
    const channel = mode === 'worker' ? new WorkerEngineChannel(this.settings, this.listener) : new InlineEngineChannel(this.settings, this.hooks(), this.listener);
    this.mode = mode;
    const ready = await channel.ready;
    this.failure = undefined;
    this.ready = ready;
    // A new engine starts with an empty replay buffer and its own counts.
    this.progress = undefined;
    this.deliveredBefore = this.delivered;
    this.upSince = performance.now();
    this.version = ready.modelVersion;
    context?.metrics.learnerBackend.set({ backend: ready.backend }, 1);
    this.logger.info({ mode, backend: ready.backend }, mode === 'worker' ? 'lifelong-value critic trains in a worker thread' : 'lifelong-value critic trains in this thread');
    this.channel = channel;
    for (const batch of this.batcher.drain()) this.deliver(batch.rows, batch.count);
  }

  private hooks(): EngineHooks {
    const { importer, afterStep } = this.options;
    return { ...(importer ? { importer } : {}), ...(afterStep ? { afterStep } : {}) };
  }

  private inlineEngine(): TrainingEngine {
    const channel = this.channel;
    if (!channel) throw new Error('the learner is not initialized: call init() first');
    if (!(channel instanceof InlineEngineChannel)) throw new Error('this learner trains in a worker thread; init() (not start()) loads an engine that can be driven directly');
    this.flushTransitions();
    return channel.engine;
  }

  /** Has the engine train, and starts the periodic hand-over (once per engine). */
  private train(): void {
    if (this.flushTimer || !this.channel) return;
    this.channel.send({ type: 'train' });
    this.flushTimer = setInterval(() => this.flush(), this.options.flushIntervalMs ?? 25);
  }

  /** The periodic hand-over: transitions, and now and then the states waiting for a value (one inference request at a time). */
  private flush(): void {
    this.flushTransitions();
    const now = performance.now();
    if (now - this.lastRefreshAt < (this.options.cacheRefreshMs ?? 250)) return;
    this.lastRefreshAt = now;
    this.refreshCache();
  }

  private flushTransitions(): void {
    const batch = this.batcher.take();
    if (!batch) return;
    if (this.channel) this.deliver(batch.rows, batch.count);
    else this.batcher.hold(batch);
  }

  private deliver(rows: Float32Array, count: number): void {
    const channel = this.channel!;
    // A worker stuck in a step (or far behind) would let messages pile up without bound; its replay buffer
    // keeps only the newest `replayCapacity` transitions anyway, so more than that in flight is dropped.
    if (channel.mode === 'worker' && this.delivered - this.deliveredBefore - (this.progress?.received ?? 0) > this.options.replayCapacity) {
      this.droppedBehind += count;
      return;
    }
    channel.send({ type: 'transitions', count, rows }, [rows.buffer as ArrayBuffer]);
    this.delivered += count;
  }

  private onEngineMessage(message: FromEngine): void {
    switch (message.type) {
      case 'log':
        this.logger[message.level](message.fields, message.msg);
        return;
      case 'progress':
        if (this.metrics) {
          this.metrics.steps.inc(Math.max(0, message.steps - (this.progress?.steps ?? 0)));
          if (message.lastLoss !== undefined) this.metrics.loss.set(message.lastLoss);
          for (const seconds of message.stepSeconds) this.metrics.stepSeconds.observe(seconds);
        }
        this.progress = message;
        return;
      case 'values':
        if (this.inference?.id !== message.id) return;
        this.values.apply(this.inference.keys, message.outputs, message.modelVersion);
        this.inference = undefined;
        return;
      case 'checkpoint':
        if (message.version !== undefined) this.version = message.version;
        this.metrics?.checkpoints.inc({ outcome: message.outcome });
        return;
      case 'ready':
      case 'failed':
      case 'stopped':
        return;
    }
  }

  private onEngineFailed(error: Error): void {
    this.failure = error.message;
    this.channel = this.inference = undefined;
    clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    this.metrics?.engineFailures.inc();
    const restart = this.running && this.mode === 'worker';
    this.logger.error({ mode: this.mode, detail: error.message }, `lifelong-value training engine failed: ${restart ? 'training paused until a new worker is up' : 'training stopped'}; records are still processed and cached values kept`);
    if (restart) this.scheduleRestart();
  }

  /** A new worker after a backoff that doubles with each death in a row; it restores the newest checkpoint as it starts. */
  private scheduleRestart(): void {
    const { initial, max } = this.options.restartBackoffMs ?? { initial: 1_000, max: 60_000 };
    if (performance.now() - this.upSince >= max) this.failuresInARow = 0;
    const delayMs = Math.min(max, initial * 2 ** this.failuresInARow++);
    this.logger.warn({ delayMs, failuresInARow: this.failuresInARow }, 'lifelong-value training worker restarts after a backoff');
    this.restartTimer = setTimeout(() => void this.restart(), delayMs);
    // A pending restart never holds the process open; stop() cancels it.
    this.restartTimer.unref();
  }

  private async restart(): Promise<void> {
    this.restartTimer = undefined;
    if (!this.running) return;
    this.opening = this.open('worker', this.context);
    try {
      await this.opening;
    } catch (error) {
      // It did not come up (its backend, its checkpoint directory): try again later, as for a death.
      this.opening = undefined;
      this.onEngineFailed(error instanceof Error ? error : new Error(messageOf(error)));
      return;
    }
    // stop() may have come while it opened: it closes this engine, which must not train.
    if (!this.running) return;
    this.restarts++;
    this.metrics?.engineRestarts.inc();
    this.logger.info({ restarts: this.restarts }, 'lifelong-value training worker restarted');
    this.train();
  }
}
