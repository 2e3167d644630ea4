// The jsdom test environment, completed with what JupyterLab code expects of a browser:
// - @jupyterlab/services reads `fetch`, `Request` and `Headers` as globals, which jsdom
//   lacks: lend the test window the ones Node provides;
// - @lumino/dragdrop subclasses `DragEvent` when imported, which jsdom lacks too.
const { TestEnvironment } = require('jest-environment-jsdom');

class JupyterLabTestEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    const window = this.global;
    for (const name of ['fetch', 'Request', 'Response', 'Headers']) {
      window[name] = globalThis[name];
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
