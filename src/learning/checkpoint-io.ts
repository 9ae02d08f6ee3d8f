import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { IOHandler, ModelArtifacts, SaveResult, WeightsManifestEntry } from './tf.js';

/**
 * File layout of one checkpoint: a versioned directory holding `model.json` (the
 * TensorFlow.js model JSON shape: modelTopology, weightsManifest, userDefinedMetadata)
 * and `weights.bin` (the little-endian float32 weights the manifest describes).
 *
 *   <root>/v0000000007/model.json
 *   <root>/v0000000007/weights.bin
 *
 * A directory is written under a temporary name, each file fsynced, then renamed into
 * place (atomic on one file system), so a crash leaves either the whole checkpoint or
 * a `.tmp-*` directory that is ignored and cleaned up later. `file://` model IO needs
 * tfjs-node; this IOHandler works with any backend.
 */
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const CHECKPOINT_FORMAT = 'lifelong-critic';
const DIR_PATTERN = /^v(\d{10})$/;
const TMP_PREFIX = '.tmp-';

export interface CheckpointLocation {
  readonly version: number;
  readonly path: string;
}

/** The model JSON as written. */
export interface CheckpointModelJson {
  readonly format: string;
  readonly generatedBy: string;
  readonly convertedBy: null;
  readonly modelTopology: unknown;
  readonly weightsManifest: ReadonlyArray<{ readonly paths: readonly string[]; readonly weights: readonly WeightsManifestEntry[] }>;
  readonly userDefinedMetadata: Record<string, unknown>;
}

/** An IOHandler whose save and load are both present. */
export interface CheckpointHandler extends IOHandler {
  save(artifacts: ModelArtifacts): Promise<SaveResult>;
  load(): Promise<ModelArtifacts>;
}

export function checkpointDirName(version: number): string {
  return `v${String(version).padStart(10, '0')}`;
}

/** The checkpoints under `root`, newest first (temporary and unrelated entries are skipped). */
export async function listCheckpoints(root: string): Promise<CheckpointLocation[]> {
  if (!existsSync(root)) return [];
  const found: CheckpointLocation[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const match = entry.isDirectory() ? DIR_PATTERN.exec(entry.name) : null;
    if (match) found.push({ version: Number(match[1]), path: join(root, entry.name) });
  }
  return found.sort((a, b) => b.version - a.version);
}

/** Removes directories left by saves that crashed before their rename. */
export async function removeStaleTemporaries(root: string): Promise<number> {
  if (!existsSync(root)) return 0;
  let removed = 0;
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name.startsWith(TMP_PREFIX)) {
      await rm(join(root, entry.name), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * An IOHandler for one versioned checkpoint directory. `save` refuses to overwrite an
 * existing version; `load` checks that the files are whole (JSON parses, the manifest
 * names weights.bin, its size and SHA-256 match what model.json recorded) and throws an
 * Error describing the first problem otherwise. Compatibility with the current model is
 * the caller's check.
 */
export function versionedCheckpointHandler(root: string, version: number, generatedBy = 'lifelong'): CheckpointHandler {
  const path = join(root, checkpointDirName(version));
  return {
    async save(artifacts: ModelArtifacts): Promise<SaveResult> {
      const weights = weightBytes(artifacts.weightData);
      const specs = artifacts.weightSpecs ?? [];
      const json: CheckpointModelJson = {
        format: CHECKPOINT_FORMAT,
        generatedBy,
        convertedBy: null,
        modelTopology: artifacts.modelTopology ?? null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
        userDefinedMetadata: {
          ...(artifacts.userDefinedMetadata ?? {}),
          integrity: { weightsBytes: weights.byteLength, weightsSha256: sha256(weights) },
        },
      };
      const modelBytes = Buffer.from(JSON.stringify(json, null, 1));
      await mkdir(root, { recursive: true });
      if (existsSync(path)) throw new Error(`${path} already exists; checkpoint versions are never reused`);
      const tmp = join(root, `${TMP_PREFIX}${checkpointDirName(version)}-${process.pid}-${randomBytes(4).toString('hex')}`);
      await mkdir(tmp);
      try {
        await writeDurably(join(tmp, WEIGHTS_FILE), weights);
        await writeDurably(join(tmp, MODEL_FILE), modelBytes);
        await syncDirectory(tmp);
        await rename(tmp, path);
        await syncDirectory(root);
      } catch (error) {
        await rm(tmp, { recursive: true, force: true });
        throw error;
      }
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: modelBytes.byteLength,
          weightSpecsBytes: Buffer.byteLength(JSON.stringify(specs)),
          weightDataBytes: weights.byteLength,
        },
      };
    },

    async load(): Promise<ModelArtifacts> {
      let json: CheckpointModelJson;
      try {
        json = JSON.parse(await readFile(join(path, MODEL_FILE), 'utf8')) as CheckpointModelJson;
      } catch (error) {
        throw new Error(`${MODEL_FILE} is missing or not valid JSON (${error instanceof Error ? error.message : String(error)})`);
      }
      if (typeof json !== 'object' || json === null) throw new Error(`${MODEL_FILE} does not hold an object`);
      if (json.format !== CHECKPOINT_FORMAT) throw new Error(`format is ${JSON.stringify(json.format)}, expected ${CHECKPOINT_FORMAT}`);
      const group = Array.isArray(json.weightsManifest) && json.weightsManifest.length === 1 ? json.weightsManifest[0] : undefined;
      if (!group || !Array.isArray(group.paths) || group.paths.length !== 1 || group.paths[0] !== WEIGHTS_FILE || !Array.isArray(group.weights)) {
        throw new Error(`the weights manifest must name exactly ${WEIGHTS_FILE}`);
      }
      const integrity = (json.userDefinedMetadata as { integrity?: { weightsBytes?: unknown; weightsSha256?: unknown } } | undefined)?.integrity;
      if (typeof integrity?.weightsBytes !== 'number' || typeof integrity.weightsSha256 !== 'string') throw new Error('model.json records no weight size and checksum');
      let weights: Buffer;
      try {
        weights = await readFile(join(path, WEIGHTS_FILE));
      } catch (error) {
        throw new Error(`${WEIGHTS_FILE} cannot be read (${error instanceof Error ? error.message : String(error)})`);
      }
      if (weights.byteLength !== integrity.weightsBytes) throw new Error(`${WEIGHTS_FILE} has ${weights.byteLength} bytes, model.json recorded ${integrity.weightsBytes}`);
      const specs = group.weights as readonly WeightsManifestEntry[];
      if (specs.some((spec) => spec.dtype !== 'float32' || spec.quantization !== undefined)) throw new Error('only unquantized float32 weights are supported');
      const expectedBytes = specs.reduce((sum, spec) => sum + 4 * spec.shape.reduce((a, b) => a * b, 1), 0);
      if (expectedBytes !== weights.byteLength) throw new Error(`the manifest describes ${expectedBytes} bytes of weights, ${WEIGHTS_FILE} has ${weights.byteLength}`);
      if (sha256(weights) !== integrity.weightsSha256) throw new Error(`${WEIGHTS_FILE} does not match its SHA-256 in model.json (corrupted)`);
      return {
        modelTopology: (json.modelTopology ?? {}) as object,
        format: json.format,
        generatedBy: json.generatedBy,
        weightSpecs: [...specs],
        weightData: new Uint8Array(weights).buffer,
        userDefinedMetadata: json.userDefinedMetadata as Record<string, object>,
      };
    },
  };
}

function weightBytes(data: ModelArtifacts['weightData']): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  const parts = Array.isArray(data) ? data : [data];
  return Buffer.concat(parts.map((part) => Buffer.from(part)));
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function writeDurably(file: string, bytes: Buffer): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}
