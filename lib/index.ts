/** The library behind the notebooks. Notebooks import the compiled build: `../build/lib`. */
export * from './engine';
export * from './font';
export * from './random';
export * from './metrics';
export * from './autoencoder';
export * from './progress';
export * from './train';
export * from './png';
export * from './plots';
export * from './mnist';
export * from './vae';
export * from './params';
export * from './overrides';
export * from './notebook';
export * from './modelio';
export * from './latent';
export * from './subsets';
