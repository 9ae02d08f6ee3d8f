import { LifelongError, messageOf } from '../errors/catalog.js';
import type { TF } from './tf.js';

/** What the configuration may ask for: `auto` tries tfjs-node, then wasm, then the plain JS cpu backend. */
export type BackendPreference = 'auto' | 'tfjs-node' | 'wasm' | 'cpu';
/** The TensorFlow.js backend that actually runs (`tensorflow` is tfjs-node's native one). */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'tfjs-node', 'wasm', 'cpu'];

/** Imports a module by name; injected in tests to simulate an absent or broken package. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

export interface BackendAttempt {
  readonly backend: BackendName;
  readonly module: string;
  /** Why it could not be used; absent for the one chosen. */
  readonly error?: string;
}

export interface BackendSelection {
  readonly tf: TF;
  readonly backend: BackendName;
  /** The package whose API `tf` is. */
  readonly module: string;
  /** Every candidate tried, in order, the chosen one last. */
  readonly attempts: readonly BackendAttempt[];
}

interface Candidate {
  readonly backend: BackendName;
  /** The package providing the tf API. */
  readonly api: string;
  /** Packages imported for their side effect of registering the backend. */
  readonly register: readonly string[];
}

const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS = '@tensorflow/tfjs';
const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';

const CANDIDATES: Record<Exclude<BackendPreference, 'auto'>, Candidate> = {
  'tfjs-node': { backend: 'tensorflow', api: TFJS_NODE, register: [] },
  wasm: { backend: 'wasm', api: TFJS, register: [TFJS_WASM] },
  cpu: { backend: 'cpu', api: TFJS, register: [] },
};

const ORDER: Record<BackendPreference, readonly Candidate[]> = {
  auto: [CANDIDATES['tfjs-node'], CANDIDATES.wasm, CANDIDATES.cpu],
  'tfjs-node': [CANDIDATES['tfjs-node']],
  wasm: [CANDIDATES.wasm],
  cpu: [CANDIDATES.cpu],
};

// A variable specifier keeps TypeScript from resolving optional packages (tfjs-node is
// absent where its native binary cannot be downloaded).
const defaultImporter: ModuleImporter = (specifier) => import(specifier);

/**
 * Picks the TensorFlow.js backend: `@tensorflow/tfjs-node` when it can be imported (native
 * TensorFlow, the fastest), otherwise `@tensorflow/tfjs` with the wasm backend, and as a
 * last resort (auto only) the pure-JS cpu backend. An explicit preference tries only that
 * one and fails with LIFELONG_ERR_LEARNER_BACKEND_UNAVAILABLE when it cannot start.
 * The backend is a process-wide setting of TensorFlow.js: select once per process.
 */
export async function selectBackend(preference: BackendPreference = 'auto', importer: ModuleImporter = defaultImporter): Promise<BackendSelection> {
  const attempts: BackendAttempt[] = [];
  for (const candidate of ORDER[preference]) {
    try {
      const tf = apiOf(await importer(candidate.api));
      for (const module of candidate.register) await importer(module);
      if (!(await tf.setBackend(candidate.backend))) throw new Error(`backend ${candidate.backend} did not initialize`);
      await tf.ready();
      if (tf.getBackend() !== candidate.backend) throw new Error(`active backend is ${tf.getBackend()}, not ${candidate.backend}`);
      attempts.push({ backend: candidate.backend, module: candidate.api });
      return { tf, backend: candidate.backend, module: candidate.api, attempts };
    } catch (error) {
      attempts.push({ backend: candidate.backend, module: candidate.api, error: messageOf(error) });
    }
  }
  throw new LifelongError('LEARNER_BACKEND_UNAVAILABLE', { preference, detail: attempts.map((a) => `${a.module} (${a.backend}): ${a.error}`).join('; ') });
}

/** The tf API of an imported module: ESM namespaces of CommonJS packages keep it on `default` too. */
function apiOf(module: unknown): TF {
  const candidate = module as { setBackend?: unknown; default?: { setBackend?: unknown } };
  if (typeof candidate.setBackend === 'function') return candidate as unknown as TF;
  if (candidate.default && typeof candidate.default.setBackend === 'function') return candidate.default as unknown as TF;
  throw new Error('the module does not expose the TensorFlow.js API');
}
