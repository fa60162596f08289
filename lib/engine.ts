/**
 * The one place that chooses the TensorFlow.js engine.
 *
 * Order of preference: tfjs-node (native TensorFlow, when its optional install succeeded), then
 * WebAssembly with lib/fast's transposed-matmul fix, then plain JavaScript (cpu). Force one with
 * `initEngine('wasm')` or the environment variable `AE_ENGINE=tensorflow|wasm|cpu`.
 */
import * as tf from '@tensorflow/tfjs';
import { patchWasmMatMul } from './fast/matmul';

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
      await start(name);
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

async function start(name: EngineName): Promise<void> {
  if (name === 'tensorflow') {
    // Loading the package registers the native backend; it throws where the binary is missing.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
  } else if (name === 'wasm') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-backend-wasm');
    // On both speed paths: without it every dense layer's backward pass runs the engine's naive
    // transposed product, and both paths compute the same bits with it.
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
