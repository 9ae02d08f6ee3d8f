import type { EngineChannel, EngineListener } from './engine-channel.js';
import { readiness } from './engine-channel.js';
import type { EngineReady, EngineSettings, ToEngine } from './engine-protocol.js';
import { TrainingEngine, type EngineHooks } from './training-engine.js';

/**
 * The engine in the learner's own thread, driven through the same messages as a worker
 * (delivered synchronously: an `infer` is answered before `send` returns). For tests that
 * inject what cannot cross a thread boundary (an importer, an afterStep hook), and for
 * callers that drive the engine directly (`engine`).
 */
export class InlineEngineChannel implements EngineChannel {
  readonly mode = 'inline';
  readonly engine: TrainingEngine;
  readonly ready: Promise<EngineReady>;
  private failed = false;

  constructor(
    settings: EngineSettings,
    hooks: EngineHooks,
    private readonly listener: EngineListener,
  ) {
    const { ready, route, reject } = readiness(listener);
    this.ready = ready;
    this.engine = new TrainingEngine(settings, route, hooks);
    this.engine.init().catch(reject);
  }

  send(message: ToEngine): void {
    if (this.failed) return;
    try {
      const done = this.engine.handle(message);
      if (done) done.catch((error: unknown) => this.fail(error));
    } catch (error) {
      this.fail(error);
    }
  }

  async close(): Promise<void> {
    if (!this.failed) await this.engine.handle({ type: 'stop' });
  }

  private fail(error: unknown): void {
    this.failed = true;
    this.listener.failed(error instanceof Error ? error : new Error(String(error)));
  }
}
