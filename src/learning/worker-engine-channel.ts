import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EngineChannel, EngineListener } from './engine-channel.js';
import { readiness } from './engine-channel.js';
import { reviveError, type EngineReady, type EngineSettings, type FromEngine, type ToEngine } from './engine-protocol.js';

/** The worker entry next to this module, with this module's extension: `.ts` when the sources run through tsx (tests), `.js` in dist/. */
const EXTENSION = extname(fileURLToPath(import.meta.url));
const WORKER_ENTRY = new URL(`./training-worker${EXTENSION}`, import.meta.url);
const WORKER_NAME = 'lifelong-value-trainer';

function spawnTrainingWorker(settings: EngineSettings): Worker {
  // No `execArgv`: a worker inherits the parent's by default, while an explicit list is
  // validated and refused when it holds process-wide flags (`--max-old-space-size`,
  // `--expose-gc`), which would stop any instance started with them.
  const options = { workerData: settings, name: WORKER_NAME };
  if (EXTENSION !== '.ts') return new Worker(WORKER_ENTRY, options);
  // Node 20 does not apply the loader hooks of a worker's `--import` to the worker's own entry
  // (nodejs/node#47747, privatenumber/tsx#354): a bootstrap registers tsx, then imports the entry.
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_ENTRY.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/**
 * A training engine in a worker thread. The engine there owns TensorFlow.js, so its steps
 * never block the event loop that processes records. An uncaught error or an unexpected
 * exit of the worker is reported once to the listener (`failed`); the learner then goes
 * on without training.
 */
export class WorkerEngineChannel implements EngineChannel {
  readonly mode = 'worker';
  readonly ready: Promise<EngineReady>;
  private readonly worker: Worker;
  private readonly exited: Promise<number>;
  private closing = false;
  private down = false;

  constructor(
    settings: EngineSettings,
    listener: EngineListener,
  ) {
    const { ready, route, reject } = readiness(listener);
    this.ready = ready;
    let started = false;
    void ready.then(() => (started = true), () => undefined);
    this.worker = spawnTrainingWorker(settings);
    this.worker.on('message', (message: FromEngine) => {
      if (message.type === 'failed') reject(reviveError(message.error));
      else route(message);
    });
    const fail = (error: Error): void => {
      if (this.down) return;
      this.down = true;
      if (started) listener.failed(error);
      else reject(error);
    };
    this.worker.on('error', fail);
    this.exited = new Promise((resolve) => {
      this.worker.on('exit', (code) => {
        if (!this.closing) fail(new Error(`the training worker exited unexpectedly (code ${code})`));
        this.down = true;
        resolve(code);
      });
    });
  }

  send(message: ToEngine, transfer: readonly ArrayBuffer[] = []): void {
    if (!this.down) this.worker.postMessage(message, [...transfer]);
  }

  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.down) return;
    this.worker.postMessage({ type: 'stop' } satisfies ToEngine);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      await this.terminate();
      throw new Error(`the training worker did not stop within ${timeoutMs} ms and was terminated (no final checkpoint)`);
    }
  }

  /** Ends the worker now, without a checkpoint (a stop that timed out; tests simulating a crash). */
  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}
