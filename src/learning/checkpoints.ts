import { rm } from 'node:fs/promises';
import { LifelongError, messageOf } from '../errors/catalog.js';
import { listCheckpoints, removeStaleTemporaries, versionedCheckpointHandler } from './checkpoint-io.js';
import { OUTPUTS, type CriticArchitecture, type CriticNetwork, type NamedTensors } from './critic-network.js';
import type { ModelArtifacts, TF } from './tf.js';

/** Bumped when the meaning of saved weights changes; older checkpoints are then refused. */
export const CHECKPOINT_SCHEMA = 1;
const MODEL_CLASS = 'LifelongCritic';

export interface CheckpointMetadata {
  readonly schema: number;
  readonly modelVersion: number;
  /** Training steps taken by the model when it was saved (cumulative across restarts). */
  readonly steps: number;
  readonly savedAt: string;
  readonly reason: string;
  /** The backend that trained it (checkpoints move freely between backends). */
  readonly backend: string;
  readonly featureNames: readonly string[];
  readonly gammaPerHour: number;
}

export interface RestoredCheckpoint {
  readonly version: number;
  readonly path: string;
  readonly metadata: CheckpointMetadata;
}

export interface CheckpointManagerOptions {
  /** Directory holding the versioned checkpoint directories. */
  readonly dir: string;
  /** Newest checkpoints kept after a save (older ones are deleted). */
  readonly keep: number;
  /** Told about every checkpoint refused while restoring (logged by the learner). */
  readonly onRefused?: (error: LifelongError) => void;
}

/** What a checkpoint must match to be loaded into the current model. */
export interface CheckpointExpectations {
  readonly architecture: CriticArchitecture;
  readonly featureNames: readonly string[];
}

/**
 * Saves and restores the critic in versioned directories. Versions only grow: a save
 * takes one more than the highest version ever seen in the directory (a refused,
 * corrupt checkpoint included), so a version number is never reused. Restoring walks
 * from the newest checkpoint down and loads the first that is whole and compatible;
 * each refused one is reported as LIFELONG_ERR_CHECKPOINT_REFUSED with the reason.
 */
export class CheckpointManager {
  private highestSeen = 0;
  readonly refused: LifelongError[] = [];

  constructor(
    private readonly tf: TF,
    private readonly options: CheckpointManagerOptions,
  ) {}

  /** The highest version present or written so far (0 before any). */
  get highestVersion(): number {
    return this.highestSeen;
  }

  async restoreInto(network: CriticNetwork, expected: CheckpointExpectations): Promise<RestoredCheckpoint | undefined> {
    await removeStaleTemporaries(this.options.dir);
    const found = await listCheckpoints(this.options.dir);
    for (const location of found) this.highestSeen = Math.max(this.highestSeen, location.version);
    for (const location of found) {
      try {
        const artifacts = await versionedCheckpointHandler(this.options.dir, location.version).load();
        const metadata = checkCompatible(artifacts, expected, location.version);
        const weights = this.tf.io.decodeWeights(artifacts.weightData ?? new ArrayBuffer(0), artifacts.weightSpecs ?? []) as NamedTensors;
        try {
          network.load(weights);
        } finally {
          for (const tensor of Object.values(weights)) tensor.dispose();
        }
        return { version: location.version, path: location.path, metadata };
      } catch (error) {
        const refused = new LifelongError('CHECKPOINT_REFUSED', { path: location.path, detail: messageOf(error) }, { cause: error });
        this.refused.push(refused);
        this.options.onRefused?.(refused);
      }
    }
    return undefined;
  }

  /** Writes the network as the next version and returns it. */
  async save(network: CriticNetwork, info: Omit<CheckpointMetadata, 'schema' | 'modelVersion' | 'savedAt'>): Promise<number> {
    const version = Math.max(this.highestSeen, ...(await listCheckpoints(this.options.dir)).map((c) => c.version)) + 1;
    const metadata: CheckpointMetadata = { schema: CHECKPOINT_SCHEMA, modelVersion: version, savedAt: new Date().toISOString(), ...info };
    const named: Record<string, ReturnType<TF['clone']>> = {};
    for (const [name, variable] of network.weights) named[name] = variable;
    const { data, specs } = await this.tf.io.encodeWeights(named);
    const artifacts: ModelArtifacts = {
      modelTopology: { class: MODEL_CLASS, architecture: network.architecture, outputs: [...OUTPUTS] },
      weightSpecs: specs,
      weightData: data,
      userDefinedMetadata: { lifelong: metadata as unknown as Record<string, never> },
    };
    try {
      await versionedCheckpointHandler(this.options.dir, version).save(artifacts);
    } catch (error) {
      throw new LifelongError('CHECKPOINT_SAVE_FAILED', { path: this.options.dir, detail: messageOf(error) }, { cause: error });
    }
    this.highestSeen = version;
    await this.prune();
    return version;
  }

  private async prune(): Promise<void> {
    const found = await listCheckpoints(this.options.dir);
    for (const old of found.slice(Math.max(1, this.options.keep))) await rm(old.path, { recursive: true, force: true });
  }
}

function checkCompatible(artifacts: ModelArtifacts, expected: CheckpointExpectations, version: number): CheckpointMetadata {
  const topology = artifacts.modelTopology as unknown as { class?: unknown; architecture?: CriticArchitecture; outputs?: unknown } | null;
  if (!topology || topology.class !== MODEL_CLASS) throw new Error(`model topology is not a ${MODEL_CLASS}`);
  const metadata = (artifacts.userDefinedMetadata as { lifelong?: CheckpointMetadata } | undefined)?.lifelong;
  if (!metadata) throw new Error('model.json has no lifelong metadata');
  if (metadata.schema !== CHECKPOINT_SCHEMA) throw new Error(`checkpoint schema ${metadata.schema} is not the supported ${CHECKPOINT_SCHEMA}`);
  if (metadata.modelVersion !== version) throw new Error(`directory says version ${version}, model.json says ${metadata.modelVersion}`);
  if (JSON.stringify(topology.outputs) !== JSON.stringify(OUTPUTS)) throw new Error(`outputs ${JSON.stringify(topology.outputs)} differ from ${JSON.stringify(OUTPUTS)}`);
  const architecture = topology.architecture;
  const want = expected.architecture;
  if (!architecture || architecture.inputDim !== want.inputDim || JSON.stringify(architecture.trunkUnits) !== JSON.stringify(want.trunkUnits) || architecture.headUnits !== want.headUnits) {
    throw new Error(`incompatible architecture ${JSON.stringify(architecture)}; the configured model is ${JSON.stringify(want)}`);
  }
  if (JSON.stringify(metadata.featureNames) !== JSON.stringify(expected.featureNames)) {
    throw new Error(`incompatible features [${(metadata.featureNames ?? []).join(', ')}]; the configured model reads [${expected.featureNames.join(', ')}]`);
  }
  return metadata;
}
