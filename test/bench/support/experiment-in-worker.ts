import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { runLifelongExperiment, type ExperimentOptions, type ExperimentResult } from '../../support/lifelong-experiment.js';

/**
 * Runs test/support/lifelong-experiment.ts in a worker thread, so independent experiments
 * can run side by side. Their figures do not depend on it (seeded world, seeded networks,
 * single-threaded wasm kernels: the same numbers alone or together); only their wall
 * seconds do.
 */
export function experimentInWorker(options: ExperimentOptions): Promise<ExperimentResult> {
  // Node 20 does not apply the loader hooks of a worker's `--import` to the worker's own
  // entry: a bootstrap registers tsx, then imports this module (as src/learning/worker-engine-channel.ts does).
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { experiment: options }, name: 'lifelong-experiment' });
  return new Promise<ExperimentResult>((resolve, reject) => {
    worker.once('message', (result: ExperimentResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`bench: the experiment worker exited (${code}) without a result`)));
  });
}

const data = workerData as { experiment?: ExperimentOptions } | null;
if (!isMainThread && data?.experiment) parentPort!.postMessage(await runLifelongExperiment(data.experiment));
