// The jsdom test environment, completed with what JupyterLab code expects of a browser:
// - @jupyterlab/services reads `fetch`, `Request` and `Headers` as globals, which jsdom
//   lacks: lend the test window the ones Node provides, with Node's `Blob` and `File`
//   so that upload bodies reach that fetch as bytes (jsdom's Blob has no `arrayBuffer`);
// - @lumino/dragdrop subclasses `DragEvent` when imported, which jsdom lacks too;
// - uPlot calls `matchMedia` when imported (`crypto` is lent too, though uploads
//   now hash with hash-wasm and a test checks they work without it).
const { TestEnvironment } = require('jest-environment-jsdom');

class JupyterLabTestEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    const window = this.global;
    for (const name of ['fetch', 'Request', 'Response', 'Headers', 'Blob', 'File']) {
      window[name] = globalThis[name];
    }
    if (window.matchMedia === undefined) {
      window.matchMedia = query => ({
        matches: false,
        media: query,
        addEventListener() {},
        removeEventListener() {},
        addListener() {},
        removeListener() {}
      });
    }
    if (window.crypto?.subtle === undefined) {
      Object.defineProperty(window, 'crypto', {
        value: require('node:crypto').webcrypto,
        configurable: true
      });
    }
    if (window.DragEvent === undefined) {
      window.DragEvent = class DragEvent extends window.MouseEvent {
        constructor(type, init = {}) {
          super(type, init);
          this.dataTransfer = init.dataTransfer ?? null;
        }
      };
    }
  }
}

module.exports = JupyterLabTestEnvironment;
