/**
 * All speed machinery of the library, behind one seam: the only code that touches TensorFlow.js
 * engine internals. See README.md for the contract. Everything else uses plain TF.js.
 */
export { speedPath, setSpeedPath, SpeedPath, SPEED_PATHS } from './path';
export { patchWasmMatMul } from './matmul';
export { fastAutodiffStepper, fastAutoencoderStepper, TrainStepPaths } from './stepper';
export { DirectKernels, directKernelCalls, directKernelsAvailable, ENGINE_KERNELS, KernelRunner } from './kernels';
export { createFlatOptimizer, FLAT_UPDATE_KERNEL, FlatOptimizer, FlatOptimizerKind } from './flat-optimizer';
export { ExplicitGradients, hasExplicitGradients, LossAndGradients } from './gradients';
