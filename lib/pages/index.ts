/** The page widgets: HTML whose scripts (lib/pages/browser) work offline, in the live notebook and the HTML export. */
export * from './decoder';
export * from './explorer';
export * from './imagemap';
