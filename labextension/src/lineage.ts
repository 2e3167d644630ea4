// Where a version or checkpoint came from: the `lineage` record a kernel captures
// (jupyter_modelbox/client/lineage.py `capture()`), shown as text only.

import { PageConfig } from '@jupyterlab/coreutils';
import { formatTime, formatValue, h } from './dom';

/**
 * Opens notebooks of the Jupyter server's file browser (JupyterLab's document
 * manager in the app; a fake in tests).
 */
export interface INotebookOpener {
  /** Whether `path` (relative to the server's root) exists in the file browser. */
  exists(path: string): Promise<boolean>;
  /** Open `path` in a JupyterLab tab. */
  open(path: string): Promise<void>;
}

type JSONRecord = { [key: string]: unknown };

/** Rows in this order, each with its own rendering; `packages_total` is shown with `packages`. */
const ROWS: [key: string, label: string, render: (value: unknown, lineage: JSONRecord, opener: INotebookOpener | null) => Node | string][] = [
  ['notebook', 'Notebook', (value, lineage, opener) => renderNotebook(value, notebookPath(lineage), opener)],
  ['captured_at', 'Recorded', value => (typeof value === 'string' ? formatTime(value) : formatValue(value))],
  ['git', 'Git', value => renderGit(value)],
  ['host', 'Host', value => renderHost(value)],
  ['python', 'Python', value => renderPython(value)],
  ['cells', 'Cells', value => renderCells(value)],
  ['packages', 'Packages', (value, lineage) => renderPackages(value, lineage.packages_total)]
];
const SHOWN_WITH_OTHERS = ['packages_total'];

/**
 * The path of the notebook a lineage names (`notebook.path`), fit for the
 * contents API (relative to the server's root, `/`-separated), or null.
 * Kernels record the absolute path, so the server root (JupyterLab's
 * `serverRoot` page option) is taken off when the path starts with it.
 */
export function notebookPath(
  lineage: unknown,
  serverRoot: string = PageConfig.getOption('serverRoot')
): string | null {
  const book = isObject(lineage) ? lineage.notebook : null;
  if (!isObject(book) || typeof book.path !== 'string') {
    return null;
  }
  let path = book.path.trim().replace(/\\/g, '/');
  const root = serverRoot.trim().replace(/\\/g, '/').replace(/\/+$/, '');
  if (root && (path === root || path.startsWith(root + '/'))) {
    path = path.slice(root.length);
  }
  path = path.replace(/^\/+/, '');
  return path || null;
}

/**
 * The lineage as a key/value table: the notebook with an "Open notebook"
 * button, when it was recorded, git, host, Python, and the executed cells and
 * installed packages folded with their counts (and the cells' sha256); any
 * other key as JSON. Every string is set as text.
 */
export function renderLineage(lineage: unknown, opener: INotebookOpener | null = null): HTMLElement {
  if (lineage === null || lineage === undefined || (isObject(lineage) && Object.keys(lineage).length === 0)) {
    return h('p', { className: 'jp-ModelboxPanel-status' }, 'No lineage recorded.');
  }
  if (!isObject(lineage)) {
    return h('p', { className: 'jp-ModelboxLineage-raw' }, formatValue(lineage));
  }
  const known = ROWS.map(([key]) => key);
  const row = (key: string, label: string, content: Node | string): HTMLElement =>
    h(
      'tr',
      { attrs: { 'data-key': key } },
      h('td', { className: 'jp-ModelboxMetadata-key' }, label),
      h('td', { className: 'jp-ModelboxLineage-value' }, content)
    );
  const rows = [
    ...ROWS.filter(([key]) => lineage[key] !== undefined && lineage[key] !== null).map(([key, label, render]) =>
      row(key, label, render(lineage[key], lineage, opener))
    ),
    ...Object.keys(lineage)
      .filter(key => !known.includes(key) && !SHOWN_WITH_OTHERS.includes(key))
      .sort()
      .map(key => row(key, key, renderOther(lineage[key])))
  ];
  return h('table', { className: 'jp-ModelboxTable jp-ModelboxLineage' }, h('tbody', {}, ...rows));
}

function renderOther(value: unknown): Node | string {
  return isObject(value) || Array.isArray(value)
    ? h('code', { className: 'jp-ModelboxLineage-json' }, JSON.stringify(value))
    : formatValue(value);
}

function renderNotebook(value: unknown, path: string | null, opener: INotebookOpener | null): Node | string {
  if (!isObject(value) || typeof value.path !== 'string') {
    return renderOther(value);
  }
  const cell = h('span', { className: 'jp-ModelboxLineage-notebook' }, h('code', {}, value.path));
  if (!opener || !path) {
    return cell;
  }
  const open = h(
    'button',
    {
      className: 'jp-Button jp-mod-styled jp-mod-small jp-mod-accept jp-ModelboxLineage-open',
      attrs: { type: 'button', title: `Open ${path} in JupyterLab` },
      on: { click: () => void opener.open(path).catch(() => undefined) }
    },
    'Open notebook'
  );
  open.disabled = true;
  void opener
    .exists(path)
    .catch(() => false)
    .then(found => {
      open.disabled = !found;
      if (!found) {
        open.title = `${path} is not in the file browser`;
      }
    });
  cell.append(' ', open);
  return cell;
}

function renderGit(value: unknown): Node | string {
  if (!isObject(value)) {
    return renderOther(value);
  }
  const parts: (HTMLElement | string)[] = [];
  if (typeof value.commit === 'string') {
    parts.push(h('code', { attrs: { title: value.commit } }, value.commit.slice(0, 12)));
  }
  if (value.dirty === true) {
    parts.push(' ', h('span', { className: 'jp-ModelboxLineage-dirty' }, 'uncommitted changes'));
  } else if (value.dirty === false) {
    parts.push(' clean');
  }
  if (typeof value.branch === 'string') {
    parts.push(` on ${value.branch}`);
  }
  for (const key of ['remote', 'root']) {
    if (typeof value[key] === 'string') {
      parts.push(h('div', { className: `jp-ModelboxLineage-git-${key}` }, h('code', {}, value[key] as string)));
    }
  }
  return h('span', { className: 'jp-ModelboxLineage-git' }, ...parts);
}

function renderHost(value: unknown): Node | string {
  if (!isObject(value)) {
    return renderOther(value);
  }
  const who = [value.user, value.hostname].filter(part => typeof part === 'string').join('@');
  const platform = typeof value.platform === 'string' ? value.platform : '';
  return [who, platform].filter(Boolean).join(' · ');
}

function renderPython(value: unknown): Node | string {
  if (!isObject(value)) {
    return renderOther(value);
  }
  const name = [value.implementation, value.version].filter(part => typeof part === 'string').join(' ');
  const executable = typeof value.executable === 'string' ? value.executable : null;
  return h(
    'span',
    { className: 'jp-ModelboxLineage-python' },
    name,
    executable ? h('div', {}, h('code', {}, executable)) : null
  );
}

/** The executed cells: `{count, sha256, recorded, truncated, sources: [{execution_count, source}]}`. */
function renderCells(value: unknown): Node | string {
  if (!isObject(value)) {
    return renderOther(value);
  }
  const sources = Array.isArray(value.sources) ? value.sources.filter(isObject) : [];
  const count = typeof value.count === 'number' ? value.count : sources.length;
  const digest = typeof value.sha256 === 'string' ? value.sha256 : null;
  return h(
    'div',
    { className: 'jp-ModelboxLineage-cellsBox' },
    h(
      'details',
      { className: 'jp-ModelboxLineage-cells' },
      h('summary', {}, `${count === 1 ? '1 cell' : `${count} cells`} executed`),
      sources.length < count
        ? h('p', { className: 'jp-ModelboxPanel-status' }, `Showing the last ${sources.length} of ${count}.`)
        : null,
      ...sources.map(cell =>
        h(
          'div',
          { className: 'jp-ModelboxLineage-cell' },
          h('div', { className: 'jp-ModelboxLineage-cellLabel' }, `[${formatValue(cell.execution_count ?? '')}]`),
          h('pre', {}, typeof cell.source === 'string' ? cell.source : formatValue(cell.source))
        )
      )
    ),
    digest
      ? h(
          'div',
          { className: 'jp-ModelboxLineage-sha', attrs: { title: 'SHA-256 of every executed cell' } },
          'sha256 ',
          h('code', {}, digest)
        )
      : null
  );
}

/** Installed packages `{name: version}`; `total` counts them all when the record kept only some. */
function renderPackages(value: unknown, total: unknown): Node | string {
  if (!isObject(value)) {
    return renderOther(value);
  }
  const names = Object.keys(value).sort((a, b) => a.localeCompare(b));
  const count = typeof total === 'number' ? total : names.length;
  const summary = count === 1 ? '1 package' : `${count} packages`;
  return h(
    'details',
    { className: 'jp-ModelboxLineage-packages' },
    h('summary', {}, names.length < count ? `${summary} (${names.length} recorded)` : summary),
    h(
      'table',
      { className: 'jp-ModelboxTable' },
      h(
        'tbody',
        {},
        ...names.map(name => h('tr', {}, h('td', {}, name), h('td', {}, formatValue(value[name]))))
      )
    )
  );
}

function isObject(value: unknown): value is JSONRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
