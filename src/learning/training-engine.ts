import { type LifelongError, messageOf } from '../errors/catalog.js';
import { SeededRandom } from '../sim/random.js';
import { selectBackend, type BackendName, type ModuleImporter } from './backend.js';
import { CheckpointManager } from './checkpoints.js';
import { CriticNetwork, OUTPUT_COUNT, type CriticArchitecture } from './critic-network.js';
import type { EngineOutput, EngineSettings, LogLevel, ToEngine } from './engine-protocol.js';
import { ReplayBuffer } from './replay-buffer.js';
import { TdTrainer } from './td-trainer.js';

/** What only an in-thread engine can receive (functions do not cross a thread boundary). */
export interface EngineHooks {
  /** Replaces dynamic import in backend selection (tests). */
  readonly importer?: ModuleImporter;
  /** Awaited after every training step (tests use it to make steps deliberately slow). */
  readonly afterStep?: (step: number) => void | Promise<void>;
}

const IDLE_POLL_MS = 250;
const ERROR_BACKOFF_MS = 1_000;
const INFERENCE_CHUNK = 1_024;
/** Progress reports while training are at most this frequent (each is a message to the main thread). */
const PROGRESS_INTERVAL_MS = 100;

/**
 * The one implementation of the critic's training, wherever it runs: it owns TensorFlow.js
 * and its backend, the replay buffer, the online and target networks, the TD trainer and
 * the checkpoints. It is driven by messages (`handle`) and answers through `emit`; the
 * worker entry (training-worker.ts) wires both to its parent port, inline mode to the
 * learner directly. In-thread callers may also drive it directly (trainSteps, predict,
 * checkpoint): tests, experiments, benchmarks.
 *
 * The background loop takes a step, then rests long enough to keep training under its
 * share of the thread's wall time (in a worker this leaves cores to the partitions; inline
 * it leaves them the event loop), and checkpoints periodically and on stop. Values are
 * computed only when the learner asks (`infer`), between steps.
 */
export class TrainingEngine {
  readonly architecture: CriticArchitecture;
  private readonly buffer: ReplayBuffer;
  private readonly random: SeededRandom;
  private backendName: BackendName | undefined;
  private online: CriticNetwork | undefined;
  private target: CriticNetwork | undefined;
  private trainer: TdTrainer | undefined;
  private checkpoints: CheckpointManager | undefined;
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
  private stepSeconds: number[] = [];
  private lastProgressAt = 0;

  constructor(
    private readonly settings: EngineSettings,
    private readonly emit: EngineOutput,
    private readonly hooks: EngineHooks = {},
  ) {
    const inputDim = settings.featureNames.length;
    this.architecture = { inputDim, trunkUnits: [...settings.architecture.trunkUnits], headUnits: settings.architecture.headUnits };
    this.buffer = new ReplayBuffer(settings.replayCapacity, inputDim);
    this.random = new SeededRandom(settings.seed);
  }

  get backend(): BackendName | undefined {
    return this.backendName;
  }

  get steps(): number {
    return this.trainer?.steps ?? 0;
  }

  /** Selects the backend, builds the networks, restores the newest good checkpoint; then emits `ready`. Rejects when no backend starts. */
  async init(): Promise<void> {
    const selection = await selectBackend(this.settings.backend, this.hooks.importer);
    const { tf, backend } = selection;
    this.backendName = backend;
    for (const attempt of selection.attempts) if (attempt.error) this.log('warn', { backend: attempt.backend, module: attempt.module, reason: attempt.error }, 'TensorFlow.js backend not available');
    this.log('info', { backend, module: selection.module, tfjs: tf.version?.['tfjs-core'] }, 'lifelong-value learner backend');
    if (backend === 'cpu') this.log('warn', {}, 'the pure-JS cpu backend trains about 5× slower than wasm; check that @tensorflow/tfjs-backend-wasm is installed');
    const { seed } = this.settings;
    this.online = new CriticNetwork(tf, this.architecture, seed);
    this.target = new CriticNetwork(tf, this.architecture, seed + 1);
    let restoredFrom;
    const checkpoint = this.settings.checkpoint;
    if (checkpoint) {
      this.checkpoints = new CheckpointManager(tf, {
        dir: checkpoint.dir,
        keep: checkpoint.keep,
        onRefused: (error: LifelongError) => {
          this.emit({ type: 'checkpoint', outcome: 'refused' });
          this.log('error', { code: error.code, path: error.details['path'], reason: error.details['detail'] }, error.message);
        },
      });
      restoredFrom = await this.checkpoints.restoreInto(this.online, { architecture: this.architecture, featureNames: this.settings.featureNames });
      if (restoredFrom) {
        this.version = restoredFrom.version;
        this.stepsAtRestore = restoredFrom.metadata.steps;
        this.emit({ type: 'checkpoint', outcome: 'restored', version: this.version });
        this.log('info', { version: this.version, path: restoredFrom.path, steps: this.stepsAtRestore, trainedOn: restoredFrom.metadata.backend }, 'lifelong-value checkpoint restored');
      } else {
        this.log('info', { dir: checkpoint.dir, refused: this.checkpoints.refused.length }, 'no usable lifelong-value checkpoint: starting from a fresh model');
      }
    }
    // The trainer copies the (possibly restored) online weights into the target network.
    this.trainer = new TdTrainer(tf, this.online, this.target, {
      learningRate: this.settings.learningRate,
      lossWeights: this.settings.lossWeights,
      huberDelta: this.settings.huberDelta,
    });
    this.lastSaveAt = performance.now();
    this.emit({ type: 'ready', backend, modelVersion: this.version, restoredFrom });
  }

  /** One message from the learner. Transitions and inference are handled synchronously; `stop` resolves once stopped. */
  handle(message: ToEngine): void | Promise<void> {
    switch (message.type) {
      case 'transitions':
        this.buffer.pushRows(message.rows, message.count);
        if (this.dataArrived && this.buffer.size >= this.settings.minReplay) this.dataArrived();
        return;
      case 'infer': {
        const outputs = this.predict(message.states, message.count);
        this.emit({ type: 'values', id: message.id, count: message.count, outputs, modelVersion: this.version }, [outputs.buffer as ArrayBuffer]);
        return;
      }
      case 'train':
        if (!this.running) {
          this.running = true;
          this.loopDone = this.loop();
        }
        return;
      case 'stop':
        return this.stop();
    }
  }

  /** Takes `count` training steps now, then reports progress. Returns the mean loss. */
  async trainSteps(count: number): Promise<number> {
    let total = 0;
    for (let i = 0; i < count; i++) total += await this.step();
    this.reportProgress(true);
    return count === 0 ? Number.NaN : total / count;
  }

  /** Batched inference, synchronous: `count` states row-major in `states` → count × OUTPUT_COUNT raw outputs. */
  predict(states: Float32Array, count: number): Float32Array {
    const { online } = this.ready();
    const dim = this.architecture.inputDim;
    const out = new Float32Array(count * OUTPUT_COUNT);
    for (let start = 0; start < count; start += INFERENCE_CHUNK) {
      const n = Math.min(INFERENCE_CHUNK, count - start);
      out.set(online.predict(states.subarray(start * dim, (start + n) * dim), n), start * OUTPUT_COUNT);
    }
    return out;
  }

  /** Saves the online network as the next model version (undefined without a checkpoint directory). */
  async checkpoint(reason = 'manual'): Promise<number | undefined> {
    const { checkpoints, online } = this;
    if (!checkpoints || !online) return undefined;
    const steps = this.stepsAtRestore + this.steps;
    try {
      const version = await checkpoints.save(online, { steps, reason, backend: this.backendName ?? 'unknown', featureNames: this.settings.featureNames, gammaPerHour: this.settings.gammaPerHour });
      this.version = version;
      this.stepsAtSave = this.steps;
      this.lastSaveAt = performance.now();
      this.emit({ type: 'checkpoint', outcome: 'saved', version });
      this.log('info', { version, reason, steps, dir: this.settings.checkpoint?.dir }, 'lifelong-value checkpoint saved');
      return version;
    } catch (error) {
      this.emit({ type: 'checkpoint', outcome: 'save_failed' });
      throw error;
    }
  }

  // ── internals ─────────────────────────────────────────────────────────────────────

  private ready(): { online: CriticNetwork; trainer: TdTrainer } {
    if (!this.online || !this.trainer) throw new Error('the training engine is not initialized (or already stopped)');
    return { online: this.online, trainer: this.trainer };
  }

  private async step(): Promise<number> {
    const { trainer } = this.ready();
    const started = performance.now();
    const loss = await trainer.step(this.buffer.sample(this.settings.batchSize, this.random, this.settings.gammaPerHour));
    if (trainer.steps % this.settings.targetRefreshSteps === 0) trainer.refreshTarget();
    this.lastLoss = loss;
    this.stepSeconds.push((performance.now() - started) / 1000);
    await this.hooks.afterStep?.(trainer.steps);
    return loss;
  }

  private reportProgress(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastProgressAt < PROGRESS_INTERVAL_MS) return;
    this.lastProgressAt = now;
    const stepSeconds = this.stepSeconds;
    this.stepSeconds = [];
    this.emit({ type: 'progress', steps: this.steps, totalSteps: this.stepsAtRestore + this.steps, replaySize: this.buffer.size, received: this.buffer.appended, lastLoss: this.lastLoss, stepSeconds });
  }

  private async loop(): Promise<void> {
    const share = this.settings.trainingShare;
    while (this.running) {
      try {
        if (this.buffer.size < this.settings.minReplay) {
          this.reportProgress(false);
          await this.rest(IDLE_POLL_MS, true);
        } else {
          const started = performance.now();
          await this.step();
          this.reportProgress(false);
          const busy = performance.now() - started;
          // Rest after every step (messages from the learner are handled then), long enough to keep training under its share.
          await this.rest(share >= 1 ? 0 : busy * (1 / share - 1));
        }
        await this.maybeCheckpoint();
      } catch (error) {
        this.log('error', { detail: messageOf(error) }, 'lifelong-value training loop failed; retrying in a second');
        await this.rest(ERROR_BACKOFF_MS);
      }
    }
  }

  /** Ends the loop after the step in progress, saves a checkpoint if the model moved, and frees the tensors. */
  private async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    this.loopDone = undefined;
    if (this.online && this.steps > this.stepsAtSave) {
      try {
        await this.checkpoint('shutdown');
      } catch (error) {
        this.log('error', { detail: messageOf(error), code: (error as LifelongError).code }, 'final checkpoint failed; the previous one stays');
      }
    }
    this.reportProgress(true);
    this.trainer?.dispose();
    this.online?.dispose();
    this.target?.dispose();
    this.online = this.target = this.trainer = undefined;
    this.emit({ type: 'stopped' });
  }

  private async maybeCheckpoint(): Promise<void> {
    const interval = this.settings.checkpoint?.intervalMs;
    if (interval === undefined || this.steps === this.stepsAtSave || performance.now() - this.lastSaveAt < interval) return;
    try {
      await this.checkpoint('periodic');
    } catch (error) {
      // Training goes on; the next attempt is one interval later, the previous checkpoint stays.
      this.lastSaveAt = performance.now();
      this.log('error', { detail: messageOf(error), code: (error as LifelongError).code }, 'periodic lifelong-value checkpoint failed; the previous one stays');
    }
  }

  /**
   * Waits `ms` (0: one turn of the event loop, so queued messages — or, inline, record
   * batches — run first), or until stop() — or, when idle, enough data — ends the wait.
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

  private log(level: LogLevel, fields: Record<string, unknown>, msg: string): void {
    this.emit({ type: 'log', level, fields, msg });
  }
}
