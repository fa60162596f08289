/**
 * Running kernels: through the engine, as tfjs ops do, or directly (DirectKernels), without the
 * engine's per-call bookkeeping.
 */
import * as tf from '@tensorflow/tfjs';

/** Runs one kernel: through the engine (tf.engine().runKernel) or directly (DirectKernels). */
export interface KernelRunner<T extends tf.TensorInfo = tf.TensorInfo> {
  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs?: tf.NamedAttrMap): T;
}

/** Kernels through the engine, as tfjs ops call them: outputs are tensors of the current scope. */
export const ENGINE_KERNELS: KernelRunner<tf.Tensor> = {
  run: (kernelName, inputs, attrs = {}) => tf.engine().runKernel(kernelName, inputs as tf.NamedTensorMap, attrs) as tf.Tensor,
};

let directCalls = 0;

/** Kernels run through DirectKernels so far in this process (they bypass tf.engine().runKernel). */
export function directKernelCalls(): number {
  return directCalls;
}

/** Counts one kernel run outside the engine by another piece of this folder (the flat optimizer). */
export function countDirectCall(): void {
  directCalls++;
}

/**
 * Whether DirectKernels may run now: on the CPU engines (wasm, cpu), and not while tfjs debug mode
 * or tf.profile is on (those need every kernel to pass through the engine).
 */
export function directKernelsAvailable(): boolean {
  const name = tf.getBackend();
  const state = (tf.engine() as unknown as { state?: { profiling?: boolean } }).state;
  return (name === 'wasm' || name === 'cpu') && !tf.env().getBool('DEBUG') && !state?.profiling;
}

/**
 * Runs the active backend's kernels directly, as the engine would, but without its per-call
 * bookkeeping (op scope, kernel lookup, tape check, a Tensor object per output): about 2 us per
 * kernel on the wasm engine, as much as a small kernel itself. For fixed, gradient-free sequences
 * (a training step written out): outputs are plain TensorInfos, freed by release() unless turned
 * into engine tensors with tensor(). The results are those of the same kernels through the engine.
 */
export class DirectKernels {
  private readonly backend = tf.backend();
  private readonly backendName = tf.getBackend();
  private readonly kernels = new Map<string, tf.KernelFunc>();
  private temps: tf.TensorInfo[] = [];

  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    let kernel = this.kernels.get(kernelName);
    if (!kernel) {
      const config = tf.getKernel(kernelName, this.backendName);
      if (!config) throw new Error(`Kernel '${kernelName}' not registered for backend '${this.backendName}'`);
      kernel = config.kernelFunc;
      this.kernels.set(kernelName, kernel);
    }
    const out = kernel({ inputs, backend: this.backend, attrs }) as tf.TensorInfo;
    directCalls++;
    this.temps.push(out);
    return out;
  }

  /** An engine tensor for one of this runner's outputs (then the caller owns it, not release()). */
  tensor(info: tf.TensorInfo): tf.Tensor {
    const at = this.temps.lastIndexOf(info);
    if (at < 0) throw new Error('DirectKernels.tensor: not an output of this runner');
    this.temps.splice(at, 1);
    return tf.engine().makeTensorFromTensorInfo(info, this.backend);
  }

  /** Frees every output not turned into a tensor. */
  release(): void {
    const temps = this.temps;
    this.temps = [];
    for (const t of temps) this.backend.disposeData(t.dataId);
  }
}
