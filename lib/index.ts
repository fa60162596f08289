/** The library behind the notebooks. Notebooks import the compiled build: `../build/lib`. */
export * from './engine';
export * from './font';
export * from './random';
export * from './metrics';
export * from './autoencoder';
export * from './progress';
export * from './train';
