/**
 * The page widgets' browser scripts (lib/pages/browser, compiled next to this file) read from disk
 * into the page: the page runs what is written and type-checked there, not code inside a string.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scriptSafeJson } from '../figures/plotly';

/** widget is shared and comes first; each widget's own script follows it. */
export type PageScriptName = 'widget' | 'explorer' | 'imagemap';

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
 * One <script> element: the shared widget script and `own` in a function scope of their own (so that
 * two widgets on a page do not share state), then `start(...args)`, each argument embedded as JSON.
 */
export function pageScriptElement(own: Exclude<PageScriptName, 'widget'>, start: string, args: unknown[]): string {
  return [
    '<script type="text/javascript">',
    '(function () {',
    pageScript('widget'),
    pageScript(own),
    `${start}(${args.map((arg) => scriptSafeJson(arg)).join(', ')});`,
    '})();',
    '</script>',
  ].join('\n');
}
