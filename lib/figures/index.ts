/** Every figure builder and picture of the library; none of them computes science. */
export * from './plotly';
export * from './charts';
export * from './mosaic';
export * from './latent';
export * from './imagemap';
export * from './denoise';
export * from './subsets';
