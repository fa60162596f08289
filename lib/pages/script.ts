/**
 * The page widgets' browser scripts (lib/pages/browser, compiled next to this file) read from disk
 * into the page: the page runs what is written and type-checked there, not code inside a string.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scriptSafeJson } from '../figures/plotly';

/** widget is shared and comes first; each widget's own script follows it. */
export type PageScriptName = 'widget' | 'explorer' | 'imagemap' | 'lab';

const scriptCache = new Map<PageScriptName, string>();

/** The compiled text of a browser script, without its source-map comment (the page has no map to fetch). */
export function pageScript(name: PageScriptName): string {
  let text = scriptCache.get(name);
  if (text === undefined) {
    const file = path.join(__dirname, 'browser', `${name}.js`);
    text = fs.readFileSync(file, 'utf8').replace(/\/\/# sourceMappingURL=\S*\s*$/, '').trimEnd();
    if (/<\/script|<!--/i.test(text)) throw new Error(`${file}: a page script must not contain "</script" or "<!--", which would end or confuse its <script> element.`);
    scriptCache.set(name, text);
  }
  return text;
}

/**
 * A module of the library itself (compiled CommonJS without imports, e.g. lib/random) as a page
 * global: `var <global> = {...its exports}`. The page then runs the very code the library runs.
 */
function libraryModuleScript(module: 'random', global: string): string {
  const file = path.join(__dirname, '..', `${module}.js`);
  const text = fs.readFileSync(file, 'utf8').replace(/\/\/# sourceMappingURL=\S*\s*$/, '').trimEnd();
  if (/\brequire\(/.test(text)) throw new Error(`${file}: a module run in the page must not require others.`);
  return `var ${global} = (function () { var exports = {};\n${text}\nreturn exports; })();`;
}

/**
 * One <script> element: the shared widget script and `own` in a function scope of their own (so that
 * two widgets on a page do not share state), then `start(...args)`, each argument embedded as JSON.
 * `modules` are library modules the script uses, each as the named global (see libraryModuleScript).
 */
export function pageScriptElement(own: Exclude<PageScriptName, 'widget'>, start: string, args: unknown[],
  modules: { module: 'random'; global: string }[] = []): string {
  return [
    '<script type="text/javascript">',
    '(function () {',
    ...modules.map((m) => libraryModuleScript(m.module, m.global)),
    pageScript('widget'),
    pageScript(own),
    `${start}(${args.map((arg) => scriptSafeJson(arg)).join(', ')});`,
    '})();',
    '</script>',
  ].join('\n');
}

/**
 * A <script> element that runs a UMD bundle (plotly.js, TensorFlow.js) so that it defines its
 * browser global, even where RequireJS is loaded (classic Notebook, nbconvert's HTML): its `define`
 * would swallow the bundle as an anonymous module. `define`, `module` and `exports` are hidden while
 * the bundles run and restored afterwards, even if one throws. Skipped when `present` (a JavaScript
 * expression) is already true, e.g. a second copy of the same output.
 */
export function globalBundleElement(sources: string[], present: string): string {
  // Inside strings and regexes `<\/` means `</`; only a literal `</script` could end the element.
  const safe = sources.map((source) => source.replace(/<\/(script)/gi, '<\\/$1'));
  return [
    '<script type="text/javascript">',
    '(function () {',
    `  if (${present}) return;`,
    '  var names = ["define", "module", "exports"], hidden = {};',
    '  names.forEach(function (name) {',
    '    hidden[name] = { present: name in window, value: window[name] };',
    '    window[name] = undefined;',
    '  });',
    '  try {',
    ...safe.map((source) => `(function () {\n${source}\n}).call(window);`),
    '  } finally {',
    '    names.forEach(function (name) {',
    // A global that was absent is deleted again, so `name in window` checks elsewhere stay false.
    '      if (hidden[name].present) window[name] = hidden[name].value; else delete window[name];',
    '    });',
    '  }',
    '})();',
    '</script>',
  ].join('\n');
}
