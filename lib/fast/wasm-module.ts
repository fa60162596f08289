/**
 * A small WebAssembly module, assembled here byte by byte, that works in place on the wasm
 * engine's own memory: Adam and SGD updates, column sums and a blocked transpose, each operation
 * in float32 as the engine's kernels compute it (SIMD four lanes at a time, scalar for the rest).
 * Also the shape of the engine internals the fast path reads (WasmBackendLike).
 */
import * as tf from '@tensorflow/tfjs';


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

/** The module's exports; pointers and lengths in bytes and elements of the engine's heap. */
export interface FastWasmModule {
  adam(p: number, g: number, m: number, v: number, out: number, n: number,
    b1: number, b2: number, omb1: number, omb2: number, c1: number, c2: number, eps: number, negLr: number): void;
  sgd(p: number, g: number, out: number, n: number, negLr: number): void;
  colsum(src: number, rows: number, cols: number, dst: number): void;
  transpose(src: number, rows: number, cols: number, dst: number): void;
}

const instances = new WeakMap<WebAssembly.Memory, FastWasmModule>();

/** The update module instantiated on `memory` (imported: it works on tensors in place). */
function instantiate(memory: WebAssembly.Memory): FastWasmModule {
  let module = instances.get(memory);
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
  module = instance.exports as unknown as FastWasmModule;
  instances.set(memory, module);
  return module;
}

export interface WasmBackendLike {
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
export function wasmModuleOf(backend: WasmBackendLike): FastWasmModule | null {
  const memory = backend.wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory) || !(memory.buffer instanceof ArrayBuffer)) return null;
  if (moduleFailed.has(memory)) return null;
  try {
    return instantiate(memory);
  } catch {
    moduleFailed.add(memory);
    return null;
  }
}

const moduleFailed = new WeakSet<WebAssembly.Memory>();
