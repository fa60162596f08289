/**
 * The page widgets' browser scripts (lib/pages/browser, compiled next to this file) read from disk
 * into the page: the page runs what is written and type-checked there, not code inside a string.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scriptSafeJson } from '../figures/plotly';

/** widget is shared and comes first; each widget's own script follows it. */
export type PageScriptName = 'widget' | 'explorer' | 'imagemap' | 'lab';

/** A file's text without its source-map comment: the page has no map to fetch. */
export const withoutSourceMap = (text: string): string => text.replace(/\/\/# sourceMappingURL=\S*\s*$/, '').trimEnd();

const compiledTexts = new Map<string, string>();

/** A compiled file's text for a <script> element, read once. */
function compiledText(file: string): string {
  const cached = compiledTexts.get(file);
  if (cached !== undefined) return cached;
  const text = withoutSourceMap(fs.readFileSync(file, 'utf8'));
  if (/<\/script|<!--/i.test(text)) throw new Error(`${file}: code run in a page must not contain "</script" or "<!--", which would end or confuse its <script> element.`);
  compiledTexts.set(file, text);
  return text;
}

/** The compiled text of a browser script. */
export const pageScript = (name: PageScriptName): string => compiledText(path.join(__dirname, 'browser', `${name}.js`));

/** Library modules a page can run as they are; `autoencoder` brings `activations` and `random`. */
const LIBRARY_MODULES = ['random', 'metrics', 'activations', 'autoencoder'] as const;
export type LibraryModule = (typeof LIBRARY_MODULES)[number];

const PAGE_TFJS = '@tensorflow/tfjs';

/**
 * The page's `libraryModule(name)`: `modules` and what they require, each module's compiled code
 * run once, when first asked for, with `require` giving the page's global tf for TensorFlow.js.
 * Lazily, because tf may still be loading when the script starts. The page runs the very code the
 * library runs.
 */
export function libraryModulesScript(modules: readonly LibraryModule[]): string {
  const texts = new Map<LibraryModule, string>();
  const add = (module: LibraryModule): void => {
    if (texts.has(module)) return;
    const file = path.join(__dirname, '..', `${module}.js`);
    const text = compiledText(file);
    texts.set(module, text);
    for (const [, name] of text.matchAll(/\brequire\("([^"]*)"\)/g)) {
      if (name === PAGE_TFJS) continue;
      const local = LIBRARY_MODULES.find((m) => name === `./${m}`);
      if (local === undefined) throw new Error(`${file}: a module run in the page may require only ${PAGE_TFJS} and the library modules ${LIBRARY_MODULES.join(', ')}, not "${name}".`);
      add(local);
    }
  };
  modules.forEach(add);
  return [
    'var libraryModule = (function () {',
    'var factories = {}, loaded = {};',
    ...[...texts].map(([module, text]) => `factories[${JSON.stringify(module)}] = function (exports, require) {\n${text}\n};`),
    'function load(name) {',
    `  if (name === ${JSON.stringify(PAGE_TFJS)}) return tf;`,
    '  var module = name.replace(/^\\.\\//, "");',
    '  if (!loaded[module]) { loaded[module] = {}; factories[module](loaded[module], load); }',
    '  return loaded[module];',
    '}',
    'return load;',
    '})();',
  ].join('\n');
}

/**
 * One <script> element: the shared widget script and `own` in a function scope of their own (so that
 * two widgets on a page do not share state), then `start(...args)`, each argument embedded as JSON.
 * `modules` are the library modules the script gets through `libraryModule(name)` (see libraryModulesScript).
 */
export function pageScriptElement(own: Exclude<PageScriptName, 'widget'>, start: string, args: unknown[],
  modules: readonly LibraryModule[] = []): string {
  return [
    '<script type="text/javascript">',
    '(function () {',
    ...(modules.length ? [libraryModulesScript(modules)] : []),
    pageScript('widget'),
    pageScript(own),
    `${start}(${args.map((arg) => scriptSafeJson(arg)).join(', ')});`,
    '})();',
    '</script>',
  ].join('\n');
}
