/**
 * The one place that chooses the TensorFlow.js engine.
 *
 * Order of preference: tfjs-node (native TensorFlow, when its optional install succeeded), then
 * WebAssembly with the transposed-matmul fix below, then plain JavaScript (cpu). Force one with
 * `initEngine('wasm')` or the environment variable `AE_ENGINE=tensorflow|wasm|cpu`.
 */
import * as tf from '@tensorflow/tfjs';

export type EngineName = 'tensorflow' | 'wasm' | 'cpu';
export const ENGINE_NAMES: readonly EngineName[] = ['tensorflow', 'wasm', 'cpu'];

export interface EngineInfo {
  /** The tfjs backend in use. */
  name: EngineName;
  /** One line for people: backend, version and why it was chosen. */
  description: string;
  /** Engines tried before this one, with the reason each was passed over. */
  skipped: string[];
}

let current: EngineInfo | null = null;

function parseEngineName(value: string, origin: string): EngineName | 'auto' {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'node' || v === 'tfjs-node') return 'tensorflow';
  if ((ENGINE_NAMES as readonly string[]).includes(v)) return v as EngineName;
  throw new Error(`${origin} is "${value}"; allowed: auto, ${ENGINE_NAMES.join(', ')}.`);
}

/**
 * Picks and initializes the engine once per process; later calls return the same engine unless a
 * different one is asked for explicitly.
 */
export async function initEngine(requested?: EngineName | 'auto'): Promise<EngineInfo> {
  const wanted = requested !== undefined && requested !== null
    ? parseEngineName(String(requested), 'engine parameter')
    : parseEngineName(process.env.AE_ENGINE ?? 'auto', 'AE_ENGINE');
  if (current && (wanted === 'auto' || wanted === current.name)) return current;

  const order: EngineName[] = wanted === 'auto' ? [...ENGINE_NAMES] : [wanted];
  const skipped: string[] = [];
  for (const name of order) {
    try {
      await activate(name);
      current = { name, description: describe(name), skipped };
      return current;
    } catch (err) {
      skipped.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`No TensorFlow.js engine could start (${skipped.join('; ')}).`);
}

/** The engine chosen by `initEngine`, or an error if none was chosen yet. */
export function engineInfo(): EngineInfo {
  if (!current) throw new Error('No engine yet: call initEngine() first.');
  return current;
}

async function activate(name: EngineName): Promise<void> {
  if (name === 'tensorflow') {
    // Loading the package registers the native backend; it throws where the binary is missing.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
  } else if (name === 'wasm') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-backend-wasm');
    patchWasmMatMul();
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

function describe(name: EngineName): string {
  const versions = tf.version as Record<string, string>;
  switch (name) {
    case 'tensorflow':
      return `tfjs-node ${versions['tfjs-node'] ?? versions['tfjs-core']} (native TensorFlow)`;
    case 'wasm':
      return `tfjs ${versions['tfjs-core']} on WebAssembly (SIMD, single thread; transposed matmul fixed)`;
    case 'cpu':
      return `tfjs ${versions['tfjs-core']} on plain JavaScript (cpu backend: slow)`;
  }
}

const PATCHED = Symbol.for('autoencoder-notebooks.transposeFirst');

/**
 * The last two axes of a float32 tensor swapped by this file's WebAssembly module (blocked, on
 * the engine's memory): several times faster than the engine's generic Transpose kernel on large
 * matrices and without its call overhead on small ones. Null where the module is not available.
 */
function wasmTransposeLastTwo(backend: WasmBackendLike, x: tf.TensorInfo): tf.TensorInfo | null {
  if (x.dtype !== 'float32' || x.shape.length < 2) return null;
  const module = wasmModuleOf(backend);
  if (!module) return null;
  const rank = x.shape.length;
  const [rows, cols] = [x.shape[rank - 2], x.shape[rank - 1]];
  const batches = sizeOf(x.shape.slice(0, rank - 2));
  const out = backend.makeOutput([...x.shape.slice(0, rank - 2), cols, rows], 'float32');
  const src = backend.dataIdMap.get(x.dataId).memoryOffset;
  const dst = backend.dataIdMap.get(out.dataId).memoryOffset;
  for (let b = 0; b < batches; b++) module.transpose(src + 4 * b * rows * cols, rows, cols, dst + 4 * b * rows * cols);
  return out;
}

/** Per wasm heap: room for two rank-3 shapes, to call the engine's BatchMatMul export directly. */
const matMulShapes = new WeakMap<object, number>();

/**
 * a (m x k) times b (k x n), both 2-D float32, through the wasm engine's own BatchMatMul export
 * (XNNPACK), called directly: the same computation as the BatchMatMul kernel without its
 * JavaScript wrapper (reshapes, typed-array shape copies onto the stack), about 2 us less per
 * call. Null where that does not apply; the caller then uses the kernel.
 */
function rawWasmMatMul(backend: WasmBackendLike, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo | null {
  const wasm = backend.wasm;
  if (typeof wasm._BatchMatMul !== 'function' || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) return null;
  let shapes = matMulShapes.get(wasm);
  if (shapes === undefined) {
    shapes = wasm._malloc(24) >>> 0;
    matMulShapes.set(wasm, shapes);
  }
  const [m, k] = a.shape;
  const n = b.shape[1];
  const out = backend.makeOutput([m, n], 'float32');
  const heap = wasm.HEAP32;
  const at = shapes >>> 2;
  heap[at] = 1; heap[at + 1] = m; heap[at + 2] = k;
  heap[at + 3] = 1; heap[at + 4] = k; heap[at + 5] = n;
  const id = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).id;
  wasm._BatchMatMul(id(a), shapes, 3, id(b), shapes + 12, 3, 0, 0, id(out));
  return out;
}

/**
 * The wasm backend multiplies with a transpose flag in a naive scalar loop, while the untransposed
 * case goes through XNNPACK. Gradients of a dense layer always ask for a transpose, so we wrap
 * `BatchMatMul` and `_FusedMatMul`: transpose the operand explicitly (this file's blocked wasm
 * transpose, else the engine's Transpose kernel) and multiply without flags (2-D BatchMatMul:
 * the engine's XNNPACK export called directly; otherwise the original kernel). 10-20x faster
 * backward passes on this machine; the products are the ones XNNPACK computes untransposed.
 */
export function patchWasmMatMul(): void {
  for (const kernelName of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(kernelName, 'wasm');
    if (!original) throw new Error(`wasm kernel ${kernelName} is not registered`);
    if ((original as unknown as Record<symbol, boolean>)[PATCHED]) continue;
    const transpose = tf.getKernel('Transpose', 'wasm');
    if (!transpose) throw new Error('wasm kernel Transpose is not registered');
    const plain = kernelName === 'BatchMatMul';

    const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
      const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
      const wasmBackend = backend as unknown as WasmBackendLike;
      const a = inputs.a as tf.TensorInfo;
      const b = inputs.b as tf.TensorInfo;
      if (!transposeA && !transposeB) {
        return (plain ? rawWasmMatMul(wasmBackend, a, b) : null) ?? original.kernelFunc({ inputs, backend, attrs });
      }
      const swapLastTwo = (x: tf.TensorInfo): tf.TensorInfo => {
        const fast = wasmTransposeLastTwo(wasmBackend, x);
        if (fast) return fast;
        const rank = x.shape.length;
        const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
        return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
      };
      const aT = transposeA ? swapLastTwo(a) : a;
      const bT = transposeB ? swapLastTwo(b) : b;
      try {
        return (plain ? rawWasmMatMul(wasmBackend, aT, bT) : null) ?? original.kernelFunc({
          inputs: { ...inputs, a: aT, b: bT },
          backend,
          attrs: { ...attrs, transposeA: false, transposeB: false },
        });
      } finally {
        if (aT !== a) wasmBackend.disposeData(aT.dataId);
        if (bT !== b) wasmBackend.disposeData(bT.dataId);
      }
    };
    const wrapped = { ...original, kernelFunc } as tf.KernelConfig & Record<symbol, boolean>;
    wrapped[PATCHED] = true;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(wrapped);
  }
}

// ---------------------------------------------------------------------------------------------
// Kernels without the engine's per-call bookkeeping
// ---------------------------------------------------------------------------------------------

let directCalls = 0;

/** Kernels run through DirectKernels so far in this process (they bypass tf.engine().runKernel). */
export function directKernelCalls(): number {
  return directCalls;
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

// ---------------------------------------------------------------------------------------------
// One kernel for a whole optimizer step
// ---------------------------------------------------------------------------------------------

/** Name of the kernel that applies one Adam or SGD step to every parameter of a model at once. */
export const FLAT_UPDATE_KERNEL = 'AutoencoderFlatUpdate';

export type FlatOptimizerKind = 'adam' | 'sgd';

/**
 * An optimizer over all of a model's parameters that makes one engine call per step (instead of
 * about ten per parameter tensor with tf.train optimizers). It computes exactly what tf.train.adam
 * (beta1 0.9, beta2 0.999, epsilon 1e-7) or tf.train.sgd computes, operation by operation in
 * float32: given the same gradients, the new values are bit-identical.
 */
export interface FlatOptimizer {
  readonly kind: FlatOptimizerKind;
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

function hyper(kind: FlatOptimizerKind, learningRate: number): UpdateHyper {
  const f = Math.fround;
  const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-7];
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

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
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
    directCalls++;
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
      : sizeOf(g.shape) === variables[i].size;
    if (!ok || g.dtype !== 'float32') throw new Error(`flat optimizer: gradient ${i} has shape ${g.shape} for a variable of shape ${variables[i].shape}`);
  });
}

/** The JS implementation, on any backend whose float32 memory we can view (cpu). */
function jsFlatOptimizer(kind: FlatOptimizerKind, learningRate: number, total: number,
  view: (backend: unknown, info: tf.TensorInfo) => Float32Array,
  allocate: (backend: unknown, shape: number[]) => tf.TensorInfo): FlatOptimizer {
  const h = hyper(kind, learningRate);
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
    sumsRows: false,
    apply: (variables, grads, sumRows, direct = false) => {
      checkShapes(variables, grads, sumRows, false);
      runFlatUpdate(variables, grads, body(variables.length), direct);
    },
    dispose: () => undefined,
  };
}

// --- The wasm engine: a small WebAssembly module working in place on the engine's own memory ---

/** LEB128 and section helpers for the hand-assembled module below. */
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && (b & 0x40))) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const W = {
  block: [0x02, 0x40], loop: [0x03, 0x40], end: [0x0b], br: (d: number) => [0x0c, d], brIf: (d: number) => [0x0d, d],
  get: (i: number) => [0x20, ...uleb(i)], set: (i: number) => [0x21, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)], f32zero: [0x43, 0, 0, 0, 0],
  i32Add: [0x6a], i32Mul: [0x6c], i32And: [0x71], i32Shl: [0x74], i32GeU: [0x4f], i32LtU: [0x49], select: [0x1b],
  i32Load: [0x28, 2, 0], i32Store: [0x36, 2, 0],
  f32Load: [0x2a, 2, 0], f32Store: [0x38, 2, 0], f32Sqrt: [0x91], f32Add: [0x92], f32Mul: [0x94], f32Div: [0x95],
  v128Load: [0xfd, 0x00, 0, 0], v128Store: [0xfd, 0x0b, 0, 0], f32x4Splat: [0xfd, 0x13],
  f32x4Sqrt: [0xfd, 0xe3, 0x01], f32x4Add: [0xfd, 0xe4, 0x01], f32x4Mul: [0xfd, 0xe6, 0x01], f32x4Div: [0xfd, 0xe7, 0x01],
};

/** Lane-wise float32 operations: four lanes (SIMD) or one. Both round every operation to float32. */
interface Lanes { load: number[]; store: number[]; add: number[]; mul: number[]; div: number[]; sqrt: number[]; bytes: number }
const SIMD: Lanes = { load: W.v128Load, store: W.v128Store, add: W.f32x4Add, mul: W.f32x4Mul, div: W.f32x4Div, sqrt: W.f32x4Sqrt, bytes: 16 };
const SCALAR: Lanes = { load: W.f32Load, store: W.f32Store, add: W.f32Add, mul: W.f32Mul, div: W.f32Div, sqrt: W.f32Sqrt, bytes: 4 };

/** while (i < end) { body; i += step } with i and end locals (byte offsets). */
function whileBelow(i: number, end: number[], step: number, body: number[]): number[] {
  return [
    ...W.block, ...W.loop,
    ...W.get(i), ...end, ...W.i32GeU, ...W.brIf(1),
    ...body,
    ...W.get(i), ...W.i32(step), ...W.i32Add, ...W.set(i),
    ...W.br(0), ...W.end, ...W.end,
  ];
}

/**
 * adam(p, g, m, v, out, n, b1, b2, 1-b1, 1-b2, 1-b1^t, 1-b2^t, eps, -lr), pointers in bytes:
 *   m = m b1 + g (1-b1);  v = v b2 + (g g)(1-b2);
 *   out = ((m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)) (-lr) + p
 * each operation in float32, as tf.train.adam's kernels do it.
 */
function adamFunction(): { type: number[]; code: number[] } {
  const [p, g, m, v, out, n] = [0, 1, 2, 3, 4, 5];
  const c = (k: number) => 6 + k; // b1 b2 omb1 omb2 c1 c2 eps negLr
  const [i, end4] = [14, 15];
  const splat = (k: number) => 16 + k; // 16..23
  const [gv, mv, vv] = [24, 25, 26]; // v128 temporaries
  const [gs, ms, vs] = [27, 28, 29]; // f32 temporaries
  const step = (L: Lanes, k: (j: number) => number, tg: number, tm: number, tv: number): number[] => [
    ...W.get(g), ...W.get(i), ...W.i32Add, ...L.load, ...W.set(tg),
    ...W.get(m), ...W.get(i), ...W.i32Add, ...L.load, ...W.get(k(0)), ...L.mul, ...W.get(tg), ...W.get(k(2)), ...L.mul, ...L.add, ...W.set(tm),
    ...W.get(v), ...W.get(i), ...W.i32Add, ...L.load, ...W.get(k(1)), ...L.mul,
    ...W.get(tg), ...W.get(tg), ...L.mul, ...W.get(k(3)), ...L.mul, ...L.add, ...W.set(tv),
    ...W.get(m), ...W.get(i), ...W.i32Add, ...W.get(tm), ...L.store,
    ...W.get(v), ...W.get(i), ...W.i32Add, ...W.get(tv), ...L.store,
    ...W.get(out), ...W.get(i), ...W.i32Add,
    ...W.get(tm), ...W.get(k(4)), ...L.div,
    ...W.get(tv), ...W.get(k(5)), ...L.div, ...L.sqrt, ...W.get(k(6)), ...L.add,
    ...L.div, ...W.get(k(7)), ...L.mul,
    ...W.get(p), ...W.get(i), ...W.i32Add, ...L.load, ...L.add,
    ...L.store,
  ];
  const code = [
    ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((k) => [...W.get(c(k)), ...W.f32x4Splat, ...W.set(splat(k))]),
    ...W.get(n), ...W.i32(-4), ...W.i32And, ...W.i32(2), ...W.i32Shl, ...W.set(end4),
    ...whileBelow(i, W.get(end4), 16, step(SIMD, splat, gv, mv, vv)),
    ...whileBelow(i, [...W.get(n), ...W.i32(2), ...W.i32Shl], 4, step(SCALAR, c, gs, ms, vs)),
  ];
  return {
    type: [0x60, ...vec([I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32].map((t) => [t])), ...vec([])],
    code: [...vec([[2, I32], [11, V128], [3, F32]]), ...code, ...W.end],
  };
}

/** sgd(p, g, out, n, -lr): out = (-lr) g + p in float32. */
function sgdFunction(): { type: number[]; code: number[] } {
  const [p, g, out, n, negLr] = [0, 1, 2, 3, 4];
  const [i, end4, splat] = [5, 6, 7];
  const step = (L: Lanes, k: number): number[] => [
    ...W.get(out), ...W.get(i), ...W.i32Add,
    ...W.get(k), ...W.get(g), ...W.get(i), ...W.i32Add, ...L.load, ...L.mul,
    ...W.get(p), ...W.get(i), ...W.i32Add, ...L.load, ...L.add,
    ...L.store,
  ];
  const code = [
    ...W.get(negLr), ...W.f32x4Splat, ...W.set(splat),
    ...W.get(n), ...W.i32(-4), ...W.i32And, ...W.i32(2), ...W.i32Shl, ...W.set(end4),
    ...whileBelow(i, W.get(end4), 16, step(SIMD, splat)),
    ...whileBelow(i, [...W.get(n), ...W.i32(2), ...W.i32Shl], 4, step(SCALAR, negLr)),
  ];
  return {
    type: [0x60, ...vec([I32, I32, I32, I32, F32].map((t) => [t])), ...vec([])],
    code: [...vec([[2, I32], [1, V128]]), ...code, ...W.end],
  };
}

/**
 * colsum(src, rows, cols, dst): dst[j] = sum over rows r of src[r][j], in float32, starting from
 * 0 and adding row after row: the order of the wasm engine's Sum kernel over axis 0.
 */
function colsumFunction(): { type: number[]; code: number[] } {
  const [src, rows, cols, dst] = [0, 1, 2, 3];
  const [r, j, row, colBytes, end4] = [4, 5, 6, 7, 8];
  const addRow = (L: Lanes): number[] => [
    ...W.get(dst), ...W.get(j), ...W.i32Add,
    ...W.get(dst), ...W.get(j), ...W.i32Add, ...L.load,
    ...W.get(row), ...W.get(j), ...W.i32Add, ...L.load,
    ...L.add, ...L.store,
  ];
  const code = [
    ...W.get(cols), ...W.i32(2), ...W.i32Shl, ...W.set(colBytes),
    ...W.get(cols), ...W.i32(-4), ...W.i32And, ...W.i32(2), ...W.i32Shl, ...W.set(end4),
    ...whileBelow(j, W.get(colBytes), 4, [...W.get(dst), ...W.get(j), ...W.i32Add, ...W.f32zero, ...W.f32Store]),
    ...W.get(src), ...W.set(row),
    ...whileBelow(r, W.get(rows), 1, [
      ...W.i32(0), ...W.set(j),
      ...whileBelow(j, W.get(end4), 16, addRow(SIMD)),
      ...whileBelow(j, W.get(colBytes), 4, addRow(SCALAR)),
      ...W.get(row), ...W.get(colBytes), ...W.i32Add, ...W.set(row),
    ]),
  ];
  return {
    type: [0x60, ...vec([I32, I32, I32, I32].map((t) => [t])), ...vec([])],
    code: [...vec([[5, I32]]), ...code, ...W.end],
  };
}

/**
 * transpose(src, rows, cols, dst): dst (cols x rows) = src (rows x cols) transposed, in 16 x 16
 * blocks (both sides stay in cache); values copied as bits.
 */
function transposeFunction(): { type: number[]; code: number[] } {
  const [src, rows, cols, dst] = [0, 1, 2, 3];
  const [rb, cb, r, c, rEnd, cEnd] = [4, 5, 6, 7, 8, 9];
  const minOf = (a: number[], b: number[]): number[] => [...a, ...b, ...a, ...b, ...W.i32LtU, ...W.select];
  const address = (base: number, major: number, stride: number, minor: number): number[] => [
    ...W.get(base), ...W.get(major), ...W.get(stride), ...W.i32Mul, ...W.get(minor), ...W.i32Add, ...W.i32(2), ...W.i32Shl, ...W.i32Add,
  ];
  const code = [
    ...whileBelow(rb, W.get(rows), 16, [
      ...minOf([...W.get(rb), ...W.i32(16), ...W.i32Add], W.get(rows)), ...W.set(rEnd),
      ...W.i32(0), ...W.set(cb),
      ...whileBelow(cb, W.get(cols), 16, [
        ...minOf([...W.get(cb), ...W.i32(16), ...W.i32Add], W.get(cols)), ...W.set(cEnd),
        ...W.get(rb), ...W.set(r),
        ...whileBelow(r, W.get(rEnd), 1, [
          ...W.get(cb), ...W.set(c),
          ...whileBelow(c, W.get(cEnd), 1, [
            ...address(dst, c, rows, r),
            ...address(src, r, cols, c), ...W.i32Load,
            ...W.i32Store,
          ]),
        ]),
      ]),
    ]),
  ];
  return {
    type: [0x60, ...vec([I32, I32, I32, I32].map((t) => [t])), ...vec([])],
    code: [...vec([[6, I32]]), ...code, ...W.end],
  };
}

interface UpdateModule {
  adam(p: number, g: number, m: number, v: number, out: number, n: number,
    b1: number, b2: number, omb1: number, omb2: number, c1: number, c2: number, eps: number, negLr: number): void;
  sgd(p: number, g: number, out: number, n: number, negLr: number): void;
  colsum(src: number, rows: number, cols: number, dst: number): void;
  transpose(src: number, rows: number, cols: number, dst: number): void;
}

const updateModules = new WeakMap<WebAssembly.Memory, UpdateModule>();

/** The update module instantiated on `memory` (imported: it works on tensors in place). */
function updateModule(memory: WebAssembly.Memory): UpdateModule {
  let module = updateModules.get(memory);
  if (module) return module;
  const fns = [adamFunction(), sgdFunction(), colsumFunction(), transposeFunction()];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(fns.map((f) => f.type))),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(['adam', 'sgd', 'colsum', 'transpose'].map((n, i) => [...name(n), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => [...uleb(f.code.length), ...f.code]))),
  ];
  const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)), { env: { memory } });
  module = instance.exports as unknown as UpdateModule;
  updateModules.set(memory, module);
  return module;
}

interface WasmBackendLike {
  wasm: {
    asm?: { memory?: WebAssembly.Memory }; _malloc(n: number): number; _free(p: number): void;
    HEAPF32: Float32Array; HEAP32: Int32Array;
    _BatchMatMul?: (aId: number, aShape: number, aRank: number, bId: number, bShape: number, bRank: number, tA: number, tB: number, outId: number) => void;
  };
  dataIdMap: { get(id: object): { id: number; memoryOffset: number } };
  disposeData(dataId: object): boolean;
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** This file's WebAssembly module on the wasm engine's memory, or null (e.g. a shared, threaded heap). */
function wasmModuleOf(backend: WasmBackendLike): UpdateModule | null {
  const memory = backend.wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory) || !(memory.buffer instanceof ArrayBuffer)) return null;
  if (moduleFailed.has(memory)) return null;
  try {
    return updateModule(memory);
  } catch {
    moduleFailed.add(memory);
    return null;
  }
}

const moduleFailed = new WeakSet<WebAssembly.Memory>();

function wasmFlatOptimizer(kind: FlatOptimizerKind, learningRate: number, total: number, backend: WasmBackendLike): FlatOptimizer | null {
  const module = wasmModuleOf(backend);
  if (!module) return null;
  const h = hyper(kind, learningRate);
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
      const n = sizeOf(p.shape);
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
 * tf.train optimizer): wasm (a small WebAssembly module on the engine's memory), cpu (JavaScript).
 */
export function createFlatOptimizer(kind: FlatOptimizerKind, learningRate: number, variables: tf.Variable[]): FlatOptimizer | null {
  const backendName = tf.getBackend();
  const total = variables.reduce((n, v) => n + v.size, 0);
  if (variables.some((v) => v.dtype !== 'float32')) return null;
  if (backendName === 'wasm') {
    registerFlatUpdateKernel(backendName);
    const backend = tf.backend() as unknown as WasmBackendLike;
    return wasmFlatOptimizer(kind, learningRate, total, backend)
      ?? jsFlatOptimizer(kind, learningRate, total, (b, info) => (b as WasmBackendLike).typedArrayFromHeap(info),
        (b, shape) => (b as WasmBackendLike).makeOutput(shape, 'float32'));
  }
  if (backendName === 'cpu') {
    registerFlatUpdateKernel(backendName);
    type CpuBackend = { data: { get(id: object): { values: Float32Array } }; makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo };
    return jsFlatOptimizer(kind, learningRate, total, (b, info) => (b as CpuBackend).data.get(info.dataId).values,
      (b, shape) => (b as CpuBackend).makeTensorInfo(shape, 'float32', new Float32Array(sizeOf(shape))));
  }
  return null;
}
