/**
 * The autoencoder lab: the glyph autoencoder trained live in the page by TensorFlow.js, embedded
 * from the installed packages (the tfjs bundle and its wasm backend, the wasm binary inline),
 * so it runs offline, without the kernel, in the notebook and in its HTML export. Its browser
 * script is lib/pages/browser/lab.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Activation, Autoencoder } from '../autoencoder';
import { escapeHtml, globalBundleElement, showHtml } from '../display';
import { CAPTION_STYLE } from '../figures/caption';
import { MOSAIC_COLOURS } from '../figures/mosaic';
import { GLYPH_COLUMNS, GLYPH_ROWS } from '../font';
import type { OptimizerName } from '../train';
import { pageScriptElement, withoutSourceMap } from './script';

/** What the lab starts from; the page's controls change all but the optimizer. */
export interface LabSettings {
  /** Layer sizes, input to output, e.g. [35, 20, 10, 2, 10, 20, 35]. */
  layers: number[];
  hiddenActivation: Activation;
  optimizer: OptimizerName;
  learningRate: number;
  /** Examples per step; null: every glyph in one step. */
  batchSize: number | null;
  /** Bit-flip probability of the inputs, drawn afresh each epoch: 0 trains a plain autoencoder. */
  noise: number;
  /** Seed of the initial weights (and of the batch order and the noise). */
  seed: number;
}

export interface LabSpec {
  /** The glyphs (0/1 pixels, GLYPH_ROWS x GLYPH_COLUMNS) and their names. */
  glyphs: number[][];
  labels: string[];
  settings: LabSettings;
  /** The course's criterion the lab trains towards: every glyph at most this many wrong pixels. */
  maxWrongPixels: number;
  /** Epochs between checks of the wrong pixels. Default 10. */
  checkEvery?: number;
  /** Architectures offered in the list, e.g. the report's three. */
  presets: { name: string; layers: number[] }[];
  /** One line under the lab. */
  caption?: string;
}

/** The hidden activations the page offers (the output is sigmoid, the latent layer linear, as in the library). */
const LAB_ACTIVATIONS: Activation[] = ['tanh', 'sigmoid', 'relu'];

const tfjsFile = (pkg: string, file: string): string => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'dist', file);

let bundleCache: string | undefined;

/**
 * TensorFlow.js for the page: the tfjs bundle (ES2017 build: ops, gradients, the cpu backend) and
 * the wasm backend with its SIMD binary as a data: URL. The page trains on wasm where it starts,
 * else on cpu. The other two binaries are left empty: a browser without wasm SIMD, or a page where
 * wasm threads would be chosen, fails to start wasm and trains on cpu.
 */
export function labTfjsElement(): string {
  if (bundleCache) return bundleCache;
  const read = (pkg: string, file: string): string => withoutSourceMap(fs.readFileSync(tfjsFile(pkg, file), 'utf8'));
  const simd = fs.readFileSync(tfjsFile('@tensorflow/tfjs-backend-wasm', 'tfjs-backend-wasm-simd.wasm')).toString('base64');
  const empty = 'data:application/wasm;base64,';
  const wasmPaths = 'tf.wasm.setWasmPaths({ '
    + `"tfjs-backend-wasm-simd.wasm": "${empty}${simd}", "tfjs-backend-wasm.wasm": "${empty}", "tfjs-backend-wasm-threaded-simd.wasm": "${empty}" }, true);`;
  bundleCache = globalBundleElement([
    read('@tensorflow/tfjs', 'tf.es2017.min.js'),
    read('@tensorflow/tfjs-backend-wasm', 'tf-backend-wasm.es2017.min.js'),
    wasmPaths,
  ], 'window.tf && window.tf.train && window.tf.wasm');
  return bundleCache;
}

/**
 * The lab as one self-contained HTML fragment. The page starts from `model`'s weights (the kernel's
 * model for `settings`, freshly made), so the lab and the library begin at the same point; other
 * layers or seeds chosen in the page draw their weights with the library's own generator.
 */
export function labHtml(spec: LabSpec, model: Autoencoder): string {
  const { settings } = spec;
  const pixels = GLYPH_ROWS * GLYPH_COLUMNS;
  if (spec.glyphs.length === 0 || spec.glyphs.some((g) => g.length !== pixels)) {
    throw new Error(`labHtml: every glyph must have ${pixels} pixels (${GLYPH_ROWS} x ${GLYPH_COLUMNS}).`);
  }
  if (spec.labels.length !== spec.glyphs.length) throw new Error(`labHtml: ${spec.glyphs.length} glyphs but ${spec.labels.length} labels.`);
  if (!LAB_ACTIVATIONS.includes(settings.hiddenActivation)) {
    throw new Error(`hiddenActivation is ${JSON.stringify(settings.hiddenActivation)}; the lab offers ${LAB_ACTIVATIONS.join(', ')}.`);
  }
  if (model.layers.join(',') !== settings.layers.join(',') || model.config.seed !== settings.seed) {
    throw new Error(`labHtml: the model is ${model.layers.join('-')} from seed ${model.config.seed}, the settings ${settings.layers.join('-')} from seed ${settings.seed}.`);
  }
  const data: LabData = {
    glyphs: spec.glyphs, labels: spec.labels, rows: GLYPH_ROWS, columns: GLYPH_COLUMNS, settings,
    maxWrongPixels: spec.maxWrongPixels, checkEvery: spec.checkEvery ?? 10, presets: spec.presets,
    initial: model.parameters(),
    colours: { missing: MOSAIC_COLOURS.missing, extra: MOSAIC_COLOURS.extra },
  };
  const id = `ae-lab-${randomBytes(6).toString('hex')}`;
  const field = (label: string, control: string): string => `<label style="display:block; margin:2px 0;">${label}<br>${control}</label>`;
  const input = (name: string, value: string, width = 80): string => `<input name="${name}" value="${escapeHtml(value)}" style="width:${width}px">`;
  const presetOptions = spec.presets.map((p, i) => `<option value="${i}">${escapeHtml(p.name)}: ${p.layers.join('-')}</option>`).join('')
    + '<option value="custom">your own (edit below)</option>';
  const activationOptions = LAB_ACTIVATIONS.map((a) => `<option value="${a}">${a}</option>`).join('');
  const caption = spec.caption ? `<div style="${CAPTION_STYLE}">${escapeHtml(spec.caption)}</div>` : '';
  return [
    `<div id="${id}" data-autoencoder-lab data-state="idle" style="font: 13px/1.4 system-ui, sans-serif; color: #0f172a;">`,
    '<div style="display:flex; gap:18px; flex-wrap:wrap; align-items:flex-start;">',
    '<div style="min-width:220px;">',
    field('architecture', `<select name="preset">${presetOptions}</select>`),
    field('layers (input … latent … output)', input('layers', settings.layers.join(', '), 210)),
    '<div class="ae-lab-latent" style="margin:2px 0; color:#475569;"></div>',
    field('hidden activation', `<select name="hiddenActivation">${activationOptions}</select>`),
    field(`learning rate (${escapeHtml(settings.optimizer === 'sgd' ? 'SGD' : 'Adam')}; applies at once)`, input('learningRate', String(settings.learningRate))),
    field('batch size (empty: all glyphs)', input('batchSize', settings.batchSize === null ? '' : String(settings.batchSize))),
    field('input noise: bit-flip probability', input('noise', String(settings.noise))),
    field('seed', input('seed', String(settings.seed))),
    '<div style="margin-top:6px; display:flex; gap:6px;">',
    '<button type="button" name="train">Train</button><button type="button" name="pause">Pause</button>',
    '<button type="button" name="step">Step</button><button type="button" name="reset">Reset</button>',
    '</div>',
    '<div class="ae-lab-message" style="color:#b45309; margin-top:6px; max-width:230px;"></div>',
    '</div>',
    '<div><canvas class="ae-lab-loss"></canvas><br><canvas class="ae-lab-wrong"></canvas></div>',
    '<div><canvas class="ae-lab-plane" style="cursor:crosshair; touch-action:none;"></canvas>',
    '<div style="display:flex; gap:8px; align-items:center; color:#475569;"><canvas class="ae-lab-decoded" style="background:#cbd5e1"></canvas>',
    '<span>decoded at the pointer<br>(move over the plane)</span></div></div>',
    '</div>',
    '<div style="margin-top:8px;">each glyph above its reconstruction; '
      + `missing ink <span style="color:rgb(${MOSAIC_COLOURS.missing.join(',')})">■</span>, `
      + `extra ink <span style="color:rgb(${MOSAIC_COLOURS.extra.join(',')})">■</span></div>`,
    '<canvas class="ae-lab-glyphs" style="background:#cbd5e1"></canvas>',
    '<div class="ae-lab-status" style="margin-top:4px;">This lab needs JavaScript (and, in Jupyter, a trusted notebook).</div>',
    '</div>',
    caption,
    labTfjsElement(),
    pageScriptElement('lab', 'startAutoencoderLab', [id, data], ['random', 'metrics', 'autoencoder']),
  ].join('\n');
}

/**
 * Shows the lab in the notebook, starting from a fresh model for `spec.settings` (made and freed
 * here). Returns the HTML outside tslab.
 */
export function showLab(spec: LabSpec): string | undefined {
  const model = new Autoencoder({ layers: spec.settings.layers, hiddenActivation: spec.settings.hiddenActivation, seed: spec.settings.seed });
  try {
    return showHtml(labHtml(spec, model));
  } finally {
    model.dispose();
  }
}
