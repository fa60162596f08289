/**
 * One kernel for a whole optimizer step: Adam or SGD over every parameter of a model at once,
 * bit-identical to tf.train.adam / tf.train.sgd given the same gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { countDirectCall } from './kernels';
import { WasmBackendLike, wasmModuleOf } from './wasm-module';

/** Name of the kernel that applies one Adam or SGD step to every parameter of a model at once. */
export const FLAT_UPDATE_KERNEL = 'AutoencoderFlatUpdate';

export type FlatOptimizerKind = 'adam' | 'sgd';

/**
 * An optimizer over all of a model's parameters that makes one engine call per step (instead of
 * about ten per parameter tensor with tf.train optimizers). It computes exactly what tf.train.adam
 * (beta1 0.9, beta2 0.999, the same epsilon) or tf.train.sgd computes, operation by operation in
 * float32: given the same gradients, the new values are bit-identical.
 */
export interface FlatOptimizer {
  readonly kind: FlatOptimizerKind;
  /** What runs the update: this folder's WebAssembly module, or a JavaScript loop. */
  readonly implementation: 'wasm module' | 'JavaScript';
  /**
   * True when `apply` can take a bias gradient as the rows to sum (a batch of output gradients)
   * and sum them itself, in the order the engine's Sum kernel would: one engine call fewer per
   * bias. (wasm engine.)
   */
  readonly sumsRows: boolean;
  /**
   * One step: `grads[i]` is the gradient of `variables[i]` (same shape), or, where `sumRows[i]`,
   * a rows x variables[i].size matrix whose column sums are the gradient. `direct`: run the kernel
   * without the engine (gradients may then be DirectKernels outputs). Call inside a tidy.
   */
  apply(variables: tf.Variable[], grads: tf.TensorInfo[], sumRows?: boolean[], direct?: boolean): void;
  dispose(): void;
}

interface UpdateHyper {
  kind: FlatOptimizerKind;
  /** float32 constants as tf.train's scalars hold them. */
  b1: number; b2: number; oneMinusB1: number; oneMinusB2: number; eps: number; negLr: number;
  /** beta1^t and beta2^t as tf.train.adam keeps them: float32 scalars that start at beta1, beta2. */
  accBeta1: number; accBeta2: number;
}

function hyper(kind: FlatOptimizerKind, learningRate: number, epsilon: number): UpdateHyper {
  const f = Math.fround;
  const [beta1, beta2] = [0.9, 0.999];
  return {
    kind, b1: f(beta1), b2: f(beta2), oneMinusB1: f(1 - beta1), oneMinusB2: f(1 - beta2), eps: f(epsilon), negLr: f(-learningRate),
    accBeta1: f(beta1), accBeta2: f(beta2),
  };
}

/** What the kernel does on one backend; passed to it as an attribute. */
type UpdateBody = (inputs: tf.NamedTensorInfoMap, backend: unknown) => tf.TensorInfo[];

function registerFlatUpdateKernel(backendName: string): void {
  if (tf.getKernel(FLAT_UPDATE_KERNEL, backendName)) return;
  tf.registerKernel({
    kernelName: FLAT_UPDATE_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => (attrs as unknown as { body: UpdateBody }).body(inputs, backend),
  });
}

/** Adam in float32 with Math.fround after each operation, as tf.train.adam's ops compute it. */
function adamJs(h: UpdateHyper, p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array, c1: number, c2: number): void {
  const f = Math.fround;
  const { b1, b2, oneMinusB1, oneMinusB2, eps, negLr } = h;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const mi = f(f(m[i] * b1) + f(gi * oneMinusB1));
    const vi = f(f(v[i] * b2) + f(f(gi * gi) * oneMinusB2));
    m[i] = mi;
    v[i] = vi;
    out[i] = f(f(f(f(mi / c1) / f(f(Math.sqrt(f(vi / c2))) + eps)) * negLr) + p[i]);
  }
}

function sgdJs(h: UpdateHyper, p: Float32Array, g: Float32Array, out: Float32Array): void {
  const f = Math.fround;
  for (let i = 0; i < p.length; i++) out[i] = f(f(h.negLr * g[i]) + p[i]);
}

function advanceAccumulators(h: UpdateHyper): void {
  const f = Math.fround;
  h.accBeta1 = f(h.accBeta1 * h.b1);
  h.accBeta2 = f(h.accBeta2 * h.b2);
}

/** Runs FLAT_UPDATE_KERNEL (through the engine, or directly) and assigns its outputs to the variables. */
function runFlatUpdate(variables: tf.Variable[], grads: tf.TensorInfo[], body: UpdateBody, direct: boolean): void {
  const inputs: tf.NamedTensorInfoMap = {};
  for (let i = 0; i < variables.length; i++) {
    inputs[`p${i}`] = variables[i];
    inputs[`g${i}`] = grads[i];
  }
  if (direct) {
    const engine = tf.engine();
    const backend = tf.backend();
    const outputs = body(inputs, backend);
    countDirectCall();
    for (let i = 0; i < variables.length; i++) {
      const t = engine.makeTensorFromTensorInfo(outputs[i], backend);
      variables[i].assign(t);
      t.dispose();
    }
    return;
  }
  const outputs = tf.engine().runKernel(FLAT_UPDATE_KERNEL, inputs as tf.NamedTensorMap, { body } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  for (let i = 0; i < variables.length; i++) variables[i].assign(outputs[i]);
}

function checkShapes(variables: tf.Variable[], grads: tf.TensorInfo[], sumRows: boolean[] | undefined, rowsAllowed: boolean): void {
  if (grads.length !== variables.length) throw new Error(`flat optimizer: ${grads.length} gradients for ${variables.length} variables`);
  grads.forEach((g, i) => {
    const ok = sumRows?.[i]
      ? rowsAllowed && g.shape.length === 2 && g.shape[1] === variables[i].size
      : tf.util.sizeFromShape(g.shape) === variables[i].size;
    if (!ok || g.dtype !== 'float32') throw new Error(`flat optimizer: gradient ${i} has shape ${g.shape} for a variable of shape ${variables[i].shape}`);
  });
}

/** The JS implementation, on any backend whose float32 memory we can view (cpu). */
function jsFlatOptimizer(kind: FlatOptimizerKind, learningRate: number, epsilon: number, total: number,
  view: (backend: unknown, info: tf.TensorInfo) => Float32Array,
  allocate: (backend: unknown, shape: number[]) => tf.TensorInfo): FlatOptimizer {
  const h = hyper(kind, learningRate, epsilon);
  const m = new Float32Array(kind === 'adam' ? total : 0);
  const v = new Float32Array(kind === 'adam' ? total : 0);
  const body = (count: number): UpdateBody => (inputs, backend) => {
    const outputs: tf.TensorInfo[] = [];
    for (let i = 0; i < count; i++) outputs.push(allocate(backend, (inputs[`p${i}`] as tf.TensorInfo).shape));
    const f = Math.fround;
    const c1 = f(1 - h.accBeta1);
    const c2 = f(1 - h.accBeta2);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const p = view(backend, inputs[`p${i}`] as tf.TensorInfo);
      const g = view(backend, inputs[`g${i}`] as tf.TensorInfo);
      const out = view(backend, outputs[i]);
      if (kind === 'adam') adamJs(h, p, g, m.subarray(offset, offset + p.length), v.subarray(offset, offset + p.length), out, c1, c2);
      else sgdJs(h, p, g, out);
      offset += p.length;
    }
    if (kind === 'adam') advanceAccumulators(h);
    return outputs;
  };
  return {
    kind,
    implementation: 'JavaScript',
    sumsRows: false,
    apply: (variables, grads, sumRows, direct = false) => {
      checkShapes(variables, grads, sumRows, false);
      runFlatUpdate(variables, grads, body(variables.length), direct);
    },
    dispose: () => undefined,
  };
}

function wasmFlatOptimizer(kind: FlatOptimizerKind, learningRate: number, epsilon: number, total: number, backend: WasmBackendLike): FlatOptimizer | null {
  const module = wasmModuleOf(backend);
  if (!module) return null;
  const h = hyper(kind, learningRate, epsilon);
  // Moments, and room for one bias gradient, on the engine's heap (freed by dispose()).
  const scratchFloats = total;
  const bytes = 4 * (kind === 'adam' ? 2 * total : 0) + 4 * scratchFloats;
  let base = backend.wasm._malloc(bytes) >>> 0;
  backend.wasm.HEAPF32.fill(0, base >>> 2, (base + bytes) >>> 2);
  const mBase = base;
  const vBase = base + 4 * total;
  const scratch = base + (kind === 'adam' ? 8 * total : 0);
  const offset = (info: tf.TensorInfo) => backend.dataIdMap.get(info.dataId).memoryOffset;
  const body = (count: number, sumRows: boolean[] | undefined): UpdateBody => (inputs) => {
    if (base === 0) throw new Error('flat optimizer: used after dispose()');
    const outputs: tf.TensorInfo[] = [];
    for (let i = 0; i < count; i++) outputs.push(backend.makeOutput((inputs[`p${i}`] as tf.TensorInfo).shape, 'float32'));
    const f = Math.fround;
    const c1 = f(1 - h.accBeta1);
    const c2 = f(1 - h.accBeta2);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const p = inputs[`p${i}`] as tf.TensorInfo;
      const g = inputs[`g${i}`] as tf.TensorInfo;
      const n = tf.util.sizeFromShape(p.shape);
      let gPtr = offset(g);
      if (sumRows?.[i]) {
        module.colsum(gPtr, g.shape[0], g.shape[1], scratch);
        gPtr = scratch;
      }
      if (kind === 'adam') {
        module.adam(offset(p), gPtr, mBase + 4 * at, vBase + 4 * at, offset(outputs[i]), n,
          h.b1, h.b2, h.oneMinusB1, h.oneMinusB2, c1, c2, h.eps, h.negLr);
      } else {
        module.sgd(offset(p), gPtr, offset(outputs[i]), n, h.negLr);
      }
      at += n;
    }
    if (kind === 'adam') advanceAccumulators(h);
    return outputs;
  };
  return {
    kind,
    implementation: 'wasm module',
    sumsRows: true,
    apply: (variables, grads, sumRows, direct = false) => {
      checkShapes(variables, grads, sumRows, true);
      runFlatUpdate(variables, grads, body(variables.length, sumRows), direct);
    },
    dispose: () => {
      if (base !== 0) backend.wasm._free(base);
      base = 0;
    },
  };
}

/**
 * A flat optimizer for `variables` on the active engine, or null where there is none (then use a
 * tf.train optimizer): wasm (a small WebAssembly module on the engine's memory, else JavaScript
 * on the engine's heap; `wasmModule: false` forces the latter), cpu (JavaScript). `epsilon` is
 * Adam's, tf.train.adam's default unless given (PyTorch's is 1e-8).
 */
export function createFlatOptimizer(
  kind: FlatOptimizerKind, learningRate: number, variables: tf.Variable[],
  { wasmModule = true, epsilon = 1e-7 }: { wasmModule?: boolean; epsilon?: number } = {},
): FlatOptimizer | null {
  const backendName = tf.getBackend();
  const total = variables.reduce((n, v) => n + v.size, 0);
  if (variables.some((v) => v.dtype !== 'float32')) return null;
  if (backendName === 'wasm') {
    registerFlatUpdateKernel(backendName);
    const backend = tf.backend() as unknown as WasmBackendLike;
    return (wasmModule ? wasmFlatOptimizer(kind, learningRate, epsilon, total, backend) : null)
      ?? jsFlatOptimizer(kind, learningRate, epsilon, total, (b, info) => (b as WasmBackendLike).typedArrayFromHeap(info),
        (b, shape) => (b as WasmBackendLike).makeOutput(shape, 'float32'));
  }
  if (backendName === 'cpu') {
    registerFlatUpdateKernel(backendName);
    type CpuBackend = { data: { get(id: object): { values: Float32Array } }; makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo };
    return jsFlatOptimizer(kind, learningRate, epsilon, total, (b, info) => (b as CpuBackend).data.get(info.dataId).values,
      (b, shape) => (b as CpuBackend).makeTensorInfo(shape, 'float32', new Float32Array(tf.util.sizeFromShape(shape))));
  }
  return null;
}
