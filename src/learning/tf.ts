import type * as tfjs from '@tensorflow/tfjs';

/**
 * The TensorFlow.js API as one value. Learning code never imports `@tensorflow/tfjs`
 * at run time: it receives this object from the backend selection, which may be the
 * module of `@tensorflow/tfjs-node` (same API, native kernels) or of `@tensorflow/tfjs`
 * with the wasm backend. Both must never be mixed in one model.
 */
export type TF = typeof tfjs;
export type Tensor = tfjs.Tensor;
export type Tensor2D = tfjs.Tensor2D;
export type Variable = tfjs.Variable;
export type Optimizer = tfjs.Optimizer;
export type ModelArtifacts = tfjs.io.ModelArtifacts;
export type IOHandler = tfjs.io.IOHandler;
export type WeightsManifestEntry = tfjs.io.WeightsManifestEntry;
export type SaveResult = tfjs.io.SaveResult;
