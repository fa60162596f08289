// danfojs-node 1.2.0 requires "@tensorflow/tfjs-node", which cannot install where libtensorflow
// cannot be downloaded. This stand-in hands it the pure-JS @tensorflow/tfjs the project already uses,
// so danfo and the notebooks share one tfjs engine (and its backend).
module.exports = require('@tensorflow/tfjs');
