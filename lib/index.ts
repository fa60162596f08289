/**
 * The library behind the notebooks, layer by layer (README: "How the code is laid out"). Notebooks
 * import the compiled build, `../build/lib`; each also imports its own helper module from
 * `../build/lib/notebooks/`. Everything else is internal to its file or folder.
 */

// The data: glyph headers, MNIST, noise models, seeded randomness.
export { GLYPH_COLUMNS, GLYPH_PIXELS, GLYPH_ROWS, glyphBits, loadFont } from './font';
export { FASHION_MNIST_CLASSES, ImageDataset, imageAt, loadMnist, subsetDataset } from './mnist';
export {
  NOISE_KINDS, NoiseKind, addNoise, checkNoiseLevelTable, deriveSeed, effectiveFlipRate,
  levelSymbol,
} from './noise';
export { seededRandom } from './random';

// The models, in plain TensorFlow.js.
export { Autoencoder } from './autoencoder';
export { VAE_ACTIVATIONS, Vae } from './vae';

// Training: the one loop, the plain step, the switch to the fast path (lib/fast).
export { LOSSES, OPTIMIZERS, TrainHistory, trainAutoencoder } from './train';
export { coreCount, TrainRun, trainRuns } from './parallel';
export { VaeEpochStats, VaeHistory } from './vae-train';
export { SPEED_PATHS, SpeedPath, setSpeedPath, speedPath } from './fast/path';
export { ENGINE_NAMES, EngineName, initEngine } from './engine';

// Evaluation: the criterion, summaries over seeds, the latent plane, generalization, denoising, the VAE.
export { meanAndStd, pixelDistance, wrongPixelsPerGlyph } from './metrics';
export { summarize } from './summarize';
export {
  DecodedGlyph, LetterLikeCriteria, NewLetterSearch, decodeLatentPoints, describeDecoded,
  findNewLetters, interpolateLatent, isLetterLike, latentBox, latentGrid, letterLikeCriteria,
  randomLatentPoints,
} from './latent';
export {
  GlyphSubset, SizeSummary, SubsetEvaluation, checkLetters, evaluateSubset, glyphChar, namedSubset,
  randomSubset, sizeSummaryRow, subsetRunRow, summarizeBySize,
} from './subsets';
export {
  ExactIdealRecovery, TrainedDenoiser, autoencoderDenoiser, estimateExactIdealCost,
  exactIdealRecovery, idealDenoiser, idealRecovery, sweep, trainDenoiser,
} from './denoise';
export {
  DecodedGrid, NearestGlyphSummary, autoencoderDecoder, decodeAndDescribe, decodeGridOverBox,
  decodeQuantileGrid, glyphDataset, gridNeighbourChange, priorSamples, splitImages, spreadIndices,
  summarizeNearestGlyphs, vaeDecoder,
} from './generative';
export { checkModelPath, loadAutoencoder, saveAutoencoder } from './modelio';

// Figures and page widgets.
export { ensurePlotly, showPlot } from './figures/plotly';
export { lineChart } from './figures/charts';
export { GlyphImageRow, showGlyphMosaic } from './figures/mosaic';
export { latentMapFigure } from './figures/latent';
export {
  CodeWidthCurves, DenoisingCurvesOptions, SweepHeatmapPanel, SweepPoint, codeWidthFigure,
  denoisingCurvesFigure, sweepHeatmapFigure,
} from './figures/denoise';
export { generalizationChart } from './figures/subsets';
export { compareWithPageDecoder } from './pages/decoder';
export { showLatentExplorer } from './pages/explorer';
export { showImageMap } from './pages/imagemap';
export { showLab } from './pages/lab';

// Notebook helpers: declared parameters, results files, tables and conclusions, the PyTorch peer.
export {
  Knob, ParameterError, ParameterValues, failParameter, checkDirectory, checkFile, checkInteger, checkLayers,
  checkList, checkNullableString, checkOneOf, declareParameters, knob, readParameters,
} from './params';
export { formatNumber, holdModels, md, showMarkdown, showTable, startNotebook } from './notebook';
export {
  PeerOptions, PeerRun, machineLoad, mnistPackageDir, peerUnavailable, runPeer,
} from './peer';
