import { ERRORS, LifelongError, messageOf, type ErrorKey } from '../errors/catalog.js';
import type { BackendName, BackendPreference } from './backend.js';
import type { RestoredCheckpoint } from './checkpoints.js';

/**
 * The messages between the learner (main thread) and its training engine (a worker
 * thread, or the same thread in inline mode). Everything here survives structured
 * clone: plain data and typed arrays, whose buffers are transferred, never functions.
 */

/** The engine's settings: the learner's options that can cross a thread boundary. */
export interface EngineSettings {
  readonly featureNames: readonly string[];
  readonly gammaPerHour: number;
  readonly batchSize: number;
  readonly targetRefreshSteps: number;
  readonly replayCapacity: number;
  readonly learningRate: number;
  readonly architecture: { readonly trunkUnits: readonly number[]; readonly headUnits: number };
  readonly huberDelta: number;
  readonly lossWeights: readonly [number, number, number, number];
  readonly minReplay: number;
  readonly trainingShare: number;
  readonly checkpoint: { readonly dir: string; readonly intervalMs: number; readonly keep: number } | undefined;
  readonly backend: BackendPreference;
  readonly seed: number;
}

export type ToEngine =
  /** Transitions as rows (transition-rows.ts), `rows` transferred. */
  | { readonly type: 'transitions'; readonly count: number; readonly rows: Float32Array }
  /** Values for `count` states (row-major, `states` transferred), answered by `values` with the same id. */
  | { readonly type: 'infer'; readonly id: number; readonly count: number; readonly states: Float32Array }
  /** Start the background training loop. */
  | { readonly type: 'train' }
  /** Stop training, checkpoint if the model moved, release the networks, answer `stopped`. */
  | { readonly type: 'stop' };

export type LogLevel = 'info' | 'warn' | 'error';
export type CheckpointOutcome = 'saved' | 'save_failed' | 'restored' | 'refused';

export interface EngineReady {
  readonly backend: BackendName;
  readonly modelVersion: number;
  readonly restoredFrom: RestoredCheckpoint | undefined;
}

export interface EngineProgress {
  /** Steps since this engine started. */
  readonly steps: number;
  /** Steps including those of the restored checkpoint. */
  readonly totalSteps: number;
  readonly replaySize: number;
  /** Transitions the engine has received. */
  readonly received: number;
  readonly lastLoss: number | undefined;
  /** Durations of the steps since the previous report, in seconds (for the step histogram). */
  readonly stepSeconds: readonly number[];
}

/** An error as data (LifelongErrors keep their code and details, so they are rebuilt as such). */
export interface SerializedError {
  readonly message: string;
  readonly stack?: string;
  readonly key?: ErrorKey;
  readonly details?: Record<string, unknown>;
}

export type FromEngine =
  /** A log line for the learner's logger (a worker does not get a logger of its own). */
  | { readonly type: 'log'; readonly level: LogLevel; readonly fields: Record<string, unknown>; readonly msg: string }
  | ({ readonly type: 'ready' } & EngineReady)
  | { readonly type: 'failed'; readonly error: SerializedError }
  | ({ readonly type: 'progress' } & EngineProgress)
  /** count × OUTPUT_COUNT raw network outputs, row-major, `outputs` transferred. */
  | { readonly type: 'values'; readonly id: number; readonly count: number; readonly outputs: Float32Array; readonly modelVersion: number }
  | { readonly type: 'checkpoint'; readonly outcome: CheckpointOutcome; readonly version?: number }
  | { readonly type: 'stopped' };

/** Where an engine's messages go: a worker's parent port, or the learner itself in inline mode. */
export type EngineOutput = (message: FromEngine, transfer?: readonly ArrayBuffer[]) => void;

export function serializeError(error: unknown): SerializedError {
  if (error instanceof LifelongError) {
    const key = error.code.replace(/^LIFELONG_ERR_/, '') as ErrorKey;
    return { message: error.message, ...(error.stack ? { stack: error.stack } : {}), key, details: { ...error.details } };
  }
  return { message: messageOf(error), ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) };
}

export function reviveError(error: SerializedError): Error {
  if (error.key && error.key in ERRORS) return new LifelongError(error.key, error.details ?? {});
  const revived = new Error(error.message);
  if (error.stack) revived.stack = error.stack;
  return revived;
}
