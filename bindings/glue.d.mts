// Types of the Emscripten glue (cellgraph-core.mjs, cellgraph-rtc.mjs), copied
// beside each by the build, so the type-check of js/ reads this instead of
// the generated code. The module itself is internal: js/core/module.js
// hands it only to the package's own modules.
declare function createCellgraphCore(options?: {
  instantiateWasm?: (imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => object;
}): Promise<any>;
export default createCellgraphCore;
