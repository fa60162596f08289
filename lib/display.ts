/**
 * tslab's display API, the one door from the library to a notebook's output.
 *
 * Inside the kernel, `globalThis.__tslab__.require` hands out the kernel's own tslab instance. A
 * plain `require('tslab')` from build/lib could load another copy whose display is not wired to the
 * kernel ("Not ready"), so it is only the fallback.
 */
import { gzipSync } from 'node:zlib';

export interface NotebookDisplay {
  html(s: string): void;
  markdown(s: string): void;
  text(s: string): void;
  png(b: Uint8Array): void;
}

interface TslabModule {
  display: NotebookDisplay;
  /** A display entry that later calls overwrite in place (display_id). */
  newDisplay(): NotebookDisplay;
}

type TslabHook = { require?: (id: string) => unknown };

function tslabModule(): TslabModule | null {
  const hook = (globalThis as { __tslab__?: TslabHook }).__tslab__;
  if (!hook) return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (hook.require ? hook.require('tslab') : require('tslab')) as TslabModule;
  } catch {
    return null;
  }
}

/** The notebook's display, or null outside tslab (callers then print or return instead). */
export function notebookDisplay(): NotebookDisplay | null {
  return tslabModule()?.display ?? null;
}

/** A new display entry that can be overwritten in place, or null outside tslab. */
export function newNotebookDisplay(): NotebookDisplay | null {
  return tslabModule()?.newDisplay() ?? null;
}

/** Shows HTML in a notebook and returns nothing; elsewhere returns the HTML for the caller to use. */
export function showHtml(html: string): string | undefined {
  const display = notebookDisplay();
  if (!display) return html;
  display.html(html);
  return undefined;
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/**
 * Text made safe for HTML, in element content and in quoted attributes alike. The quotes become
 * numeric entities: Plotly's hover and caption text decodes those, but not `&quot;`.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch] as string);
}

/**
 * A <script> element that runs a UMD bundle (plotly.js, TensorFlow.js) so that it defines its
 * browser global, even where RequireJS is loaded (classic Notebook, nbconvert's HTML): its `define`
 * would swallow the bundle as an anonymous module. `define`, `module` and `exports` are hidden while
 * the bundles run and restored afterwards, even if one throws. Skipped when `present` (a JavaScript
 * expression) is already true, e.g. a second copy of the same output.
 */
export function globalBundleElement(sources: string[], present: string): string {
  return ['<script type="text/javascript">', globalBundleScript(sources, present), '</script>'].join('\n');
}

function globalBundleScript(sources: string[], present: string): string {
  // Inside strings and regexes `<\/` means `</`; only a literal `</script` could end the element.
  const safe = sources.map((source) => source.replace(/<\/(script)/gi, '<\\/$1'));
  return [
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
  ].join('\n');
}

/**
 * globalBundleElement's script carried gzip-compressed in base64, a third of the bundle's bytes in
 * every notebook and export that holds it. The browser unpacks it with DecompressionStream and runs it
 * as a script element added to the page, which needs no more than the inline scripts outputs already
 * run; so the bundle's global appears a moment after the output renders (figures wait for it).
 * `banner`, the bundle's licence comment, stays readable in the output.
 */
export function packedBundleElement(source: string, present: string, banner: string): string {
  const packed = gzipSync(Buffer.from(globalBundleScript([source], present), 'utf8'), { level: 9 }).toString('base64');
  return [
    '<script type="text/javascript">',
    `/** ${banner.replace(/\*\//g, '* /')} (gzip, base64: unpacked by the script below) */`,
    '(function () {',
    `  if (${present}) return;`,
    '  if (typeof DecompressionStream === "undefined") {',
    '    console.error("This browser cannot unpack the notebook\'s bundle (no DecompressionStream): use a current Chrome, Edge, Firefox or Safari.");',
    '    return;',
    '  }',
    `  var packed = "${packed}";`,
    '  var bytes = Uint8Array.from(atob(packed), function (c) { return c.charCodeAt(0); });',
    '  new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text().then(function (code) {',
    '    var script = document.createElement("script");',
    '    script.text = code;',
    '    (document.head || document.documentElement).appendChild(script);',
    '  });',
    '})();',
    '</script>',
  ].join('\n');
}
