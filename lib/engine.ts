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
 * The wasm backend multiplies with a transpose flag in a naive scalar loop, while the untransposed
 * case goes through XNNPACK. Gradients of a dense layer always ask for a transpose, so we wrap
 * `BatchMatMul` and `_FusedMatMul`: transpose the operand explicitly (wasm `Transpose` kernel, fast)
 * and call the original kernel without flags. 10-20x faster backward passes on this machine.
 */
export function patchWasmMatMul(): void {
  for (const kernelName of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(kernelName, 'wasm');
    if (!original) throw new Error(`wasm kernel ${kernelName} is not registered`);
    if ((original as unknown as Record<symbol, boolean>)[PATCHED]) continue;
    const transpose = tf.getKernel('Transpose', 'wasm');
    if (!transpose) throw new Error('wasm kernel Transpose is not registered');

    const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
      const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
      if (!transposeA && !transposeB) return original.kernelFunc({ inputs, backend, attrs });
      const swapLastTwo = (x: tf.TensorInfo): tf.TensorInfo => {
        const rank = x.shape.length;
        const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
        return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
      };
      const a = inputs.a as tf.TensorInfo;
      const b = inputs.b as tf.TensorInfo;
      const aT = transposeA ? swapLastTwo(a) : a;
      const bT = transposeB ? swapLastTwo(b) : b;
      try {
        return original.kernelFunc({
          inputs: { ...inputs, a: aT, b: bT },
          backend,
          attrs: { ...attrs, transposeA: false, transposeB: false },
        });
      } finally {
        const owner = backend as unknown as { disposeData(dataId: object): void };
        if (aT !== a) owner.disposeData(aT.dataId);
        if (bT !== b) owner.disposeData(bT.dataId);
      }
    };
    const wrapped = { ...original, kernelFunc } as tf.KernelConfig & Record<symbol, boolean>;
    wrapped[PATCHED] = true;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(wrapped);
  }
}
