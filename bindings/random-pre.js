// Prepended to the Emscripten glue (--pre-js). libsodium's wasm randomness
// calls Module.getRandomValue(); its own probe looks for window/self.crypto
// or require('crypto'), which fails in a Node ES module. Point it at Web
// Crypto, which browsers, workers and Node >= 19 all have as
// globalThis.crypto, so every environment draws from getRandomValues.
if (Module['getRandomValue'] === undefined) {
  var cellgraphCrypto = typeof globalThis === 'object' ? globalThis.crypto : undefined;
  if (cellgraphCrypto && typeof cellgraphCrypto.getRandomValues === 'function') {
    var cellgraphWord = new Uint32Array(1);
    Module['getRandomValue'] = function () {
      cellgraphCrypto.getRandomValues(cellgraphWord);
      return cellgraphWord[0] >>> 0;
    };
  }
}
