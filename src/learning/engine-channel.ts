import type { EngineReady, FromEngine, ToEngine } from './engine-protocol.js';

/** Where the critic trains: a worker thread (the default), or the learner's own thread. */
export type TrainingMode = 'worker' | 'inline';

/** What a channel tells the learner: the engine's messages, and its failure once it is up. */
export interface EngineListener {
  message(message: FromEngine): void;
  /** The engine died (a worker's uncaught error or unexpected exit); nothing more will arrive. */
  failed(error: Error): void;
}

/**
 * The learner's end of a training engine. Both implementations carry the same messages:
 * the worker posts them across threads, the inline one calls the engine directly.
 */
export interface EngineChannel {
  readonly mode: TrainingMode;
  /** The engine's `ready` message; rejects with the engine's error when it cannot start. */
  readonly ready: Promise<EngineReady>;
  /** Delivers a message; the buffers in `transfer` belong to the engine afterwards. */
  send(message: ToEngine, transfer?: readonly ArrayBuffer[]): void;
  /** Asks the engine to stop (it checkpoints) and waits for it, at most `timeoutMs` (a worker is then terminated). */
  close(timeoutMs: number): Promise<void>;
}

/** Splits an engine's messages: `ready` and `failed` settle the ready promise, the rest go to the listener. */
export function readiness(listener: EngineListener): { ready: Promise<EngineReady>; route: (message: FromEngine) => void; reject: (error: Error) => void } {
  let resolve!: (ready: EngineReady) => void;
  let reject!: (error: Error) => void;
  const ready = new Promise<EngineReady>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The learner awaits it; a channel dropped before anyone did must not raise an unhandled rejection.
  ready.catch(() => undefined);
  return {
    ready,
    reject,
    route: (message) => {
      if (message.type === 'ready') resolve(message);
      else listener.message(message);
    },
  };
}
