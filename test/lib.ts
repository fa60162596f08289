/**
 * Every module of the library in one import, for the tests: they reach past the notebooks' entry
 * (lib/index.ts) into the pieces it keeps internal.
 */
export * from '../lib/activations';
export * from '../lib/autoencoder';
export * from '../lib/denoise';
export * from '../lib/display';
export * from '../lib/engine';
export * from '../lib/fast/path';
export * from '../lib/figures';
export * from '../lib/files';
export * from '../lib/font';
export * from '../lib/generative';
export * from '../lib/interrupt';
export * from '../lib/latent';
export * from '../lib/metrics';
export * from '../lib/mnist';
export * from '../lib/modelio';
export * from '../lib/noise';
export * from '../lib/normal';
export * from '../lib/notebook';
export * from '../lib/overrides';
export * from '../lib/pages';
export * from '../lib/params';
export * from '../lib/peer';
export * from '../lib/png';
export * from '../lib/progress';
export * from '../lib/random';
export * from '../lib/subsets';
export * from '../lib/summarize';
export * from '../lib/train';
export * from '../lib/vae';
export * from '../lib/vae-eval';
export * from '../lib/vae-train';
export { TrainStepPaths } from '../lib/fast';
