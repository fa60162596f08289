/**
 * The wasm engine's matrix products, re-registered: a correctness-of-speed fix for the dense
 * layers' backward pass (see patchWasmMatMul).
 */
import * as tf from '@tensorflow/tfjs';
import { WasmBackendLike, wasmModuleOf } from './wasm-module';

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
  const batches = tf.util.sizeFromShape(x.shape.slice(0, rank - 2));
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
