/**
 * Entry of the training worker thread (started by WorkerEngineChannel): a TrainingEngine
 * wired to the parent port. Messages that arrive while the engine initializes wait for
 * it, in order. After `stop` the port closes and the thread ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError, type EngineSettings, type FromEngine, type ToEngine } from './engine-protocol.js';
import { TrainingEngine } from './training-engine.js';

if (!parentPort) throw new Error('training-worker.ts runs as a worker thread (see worker-engine-channel.ts)');
const port = parentPort;
const engine = new TrainingEngine(workerData as EngineSettings, (message: FromEngine, transfer = []) => port.postMessage(message, [...transfer]));
const ready = engine.init();
ready.catch((error: unknown) => {
  port.postMessage({ type: 'failed', error: serializeError(error) } satisfies FromEngine);
  port.close();
});

port.on('message', (message: ToEngine) => {
  // A failure here is uncaught on purpose: the worker dies and the learner reports it.
  void ready.then(
    async () => {
      await engine.handle(message);
      if (message.type === 'stop') port.close();
    },
    () => undefined, // init failed: already reported as `failed`
  );
});
