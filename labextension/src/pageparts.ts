// Pieces of the main-area pages: a copyable id and a "Use in a notebook" snippet.

import { button, h } from './dom';

/**
 * Renders registry Markdown (a description) as sanitized HTML: JupyterLab's
 * rendermime with its sanitizer in the app (see `pages.ts`).
 */
export type MarkdownRenderer = (text: string) => Promise<HTMLElement>;

/**
 * Python code that fetches a model's version in a notebook.
 */
export function notebookSnippet(model: { name: string; namespace: string }, number?: number): string {
  const namespace = model.namespace && model.namespace !== 'default' ? `, namespace=${pyString(model.namespace)}` : '';
  const version = number === undefined ? '' : String(number);
  return (
    'from jupyter_modelbox import ModelBox\n\n' +
    'mb = ModelBox()\n' +
    `version = mb.get_model(${pyString(model.name)}${namespace}).get_version(${version})` +
    (number === undefined ? '  # the newest; or a number, or a tag\n' : '\n') +
    'obj = version.load()'
  );
}

/**
 * A button that copies `text` to the clipboard and says so.
 */
export function copyButton(text: string, label: string, className: string): HTMLButtonElement {
  const copy = button(
    label,
    () => {
      void navigator.clipboard
        ?.writeText(text)
        .then(() => {
          copy.textContent = 'Copied';
          setTimeout(() => (copy.textContent = label), 1500);
        })
        .catch(() => (copy.title = 'The browser refused the clipboard: select the text and copy it'));
    },
    { className, title: `Copy to the clipboard` }
  );
  return copy;
}

/**
 * The id of a registry object with a Copy button.
 */
export function idLine(id: string): HTMLElement {
  return h(
    'div',
    { className: 'jp-ModelboxPage-id' },
    'id ',
    h('code', { className: 'jp-ModelboxPage-idText' }, id),
    ' ',
    copyButton(id, 'Copy id', 'jp-ModelboxPage-copyId')
  );
}

/**
 * "Use in a notebook": the snippet and a Copy button.
 */
export function snippetBlock(code: string): HTMLElement {
  return h(
    'div',
    { className: 'jp-ModelboxSnippet' },
    h('pre', { className: 'jp-ModelboxSnippet-code' }, h('code', {}, code)),
    copyButton(code, 'Copy', 'jp-ModelboxSnippet-copy')
  );
}

function pyString(text: string): string {
  return JSON.stringify(text);
}
