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

/** Library modules without imports, which a page can run as they are. */
export type LibraryModule = 'random' | 'metrics';

/**
 * A module of the library itself (compiled CommonJS without imports, e.g. lib/random) as a page
 * global: `var <global> = {...its exports}`. The page then runs the very code the library runs.
 */
function libraryModuleScript(module: LibraryModule, global: string): string {
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
  modules: { module: LibraryModule; global: string }[] = []): string {
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
