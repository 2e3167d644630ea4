// Where a version or checkpoint came from: the `lineage` record, shown as text only.

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

/** Keys shown first, in this order, each with its own rendering. */
const KNOWN_KEYS = ['notebook', 'created_at', 'user', 'host', 'python', 'git', 'cells_sha256', 'cells', 'packages'];

const LABELS: { [key: string]: string } = {
  notebook: 'Notebook',
  created_at: 'Recorded',
  user: 'User',
  host: 'Host',
  python: 'Python',
  git: 'Git',
  cells_sha256: 'Cells SHA-256',
  cells: 'Cells',
  packages: 'Packages'
};

/**
 * The path of the notebook a lineage names, fit for the contents API
 * (relative to the server's root, `/`-separated), or null. Kernels record
 * the absolute path, so the server root (JupyterLab's `serverRoot` page
 * option) is taken off when the path starts with it.
 */
export function notebookPath(
  lineage: unknown,
  serverRoot: string = PageConfig.getOption('serverRoot')
): string | null {
  if (!isObject(lineage) || typeof lineage.notebook !== 'string') {
    return null;
  }
  let path = lineage.notebook.trim().replace(/\\/g, '/');
  const root = serverRoot.trim().replace(/\\/g, '/').replace(/\/+$/, '');
  if (root && (path === root || path.startsWith(root + '/'))) {
    path = path.slice(root.length);
  }
  path = path.replace(/^\/+/, '');
  return path || null;
}

/**
 * The lineage as a key/value table: known keys nicely (notebook with an
 * "Open notebook" button, git commit and dirty flag, cells and packages
 * folded), any other key as JSON. Every string is set as text.
 */
export function renderLineage(lineage: unknown, opener?: INotebookOpener | null): HTMLElement {
  if (lineage === null || lineage === undefined || (isObject(lineage) && Object.keys(lineage).length === 0)) {
    return h('p', { className: 'jp-ModelboxPanel-status' }, 'No lineage recorded.');
  }
  if (!isObject(lineage)) {
    return h('p', { className: 'jp-ModelboxLineage-raw' }, formatValue(lineage));
  }
  const keys = [
    ...KNOWN_KEYS.filter(key => key in lineage),
    ...Object.keys(lineage)
      .filter(key => !KNOWN_KEYS.includes(key))
      .sort()
  ];
  const rows = keys.map(key =>
    h(
      'tr',
      { attrs: { 'data-key': key } },
      h('td', { className: 'jp-ModelboxMetadata-key' }, LABELS[key] ?? key),
      h('td', { className: 'jp-ModelboxLineage-value' }, renderValue(key, lineage[key], lineage, opener))
    )
  );
  return h(
    'table',
    { className: 'jp-ModelboxTable jp-ModelboxLineage' },
    h('tbody', {}, ...rows)
  );
}

function renderValue(
  key: string,
  value: unknown,
  lineage: { [key: string]: unknown },
  opener?: INotebookOpener | null
): HTMLElement | string {
  switch (key) {
    case 'notebook':
      return typeof value === 'string' ? renderNotebook(value, notebookPath(lineage), opener) : formatValue(value);
    case 'created_at':
      return typeof value === 'string' ? formatTime(value) : formatValue(value);
    case 'git':
      return renderGit(value);
    case 'cells':
      return renderCells(value);
    case 'packages':
      return renderPackages(value);
    case 'cells_sha256':
      return h('code', {}, formatValue(value));
    default:
      return isObject(value) || Array.isArray(value)
        ? h('code', { className: 'jp-ModelboxLineage-json' }, JSON.stringify(value))
        : formatValue(value);
  }
}

function renderNotebook(shown: string, path: string | null, opener?: INotebookOpener | null): HTMLElement {
  const cell = h('span', { className: 'jp-ModelboxLineage-notebook' }, h('code', {}, shown));
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

function renderGit(value: unknown): HTMLElement | string {
  if (!isObject(value)) {
    return formatValue(value);
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
  const rest = Object.keys(value).filter(k => k !== 'commit' && k !== 'dirty');
  for (const key of rest.sort()) {
    parts.push(` · ${key}: ${formatValue(value[key])}`);
  }
  return h('span', { className: 'jp-ModelboxLineage-git' }, ...parts);
}

function renderCells(value: unknown): HTMLElement | string {
  const cells = Array.isArray(value) ? value : typeof value === 'string' ? [value] : null;
  if (!cells) {
    return formatValue(value);
  }
  const sources = cells.map(cell =>
    typeof cell === 'string'
      ? cell
      : isObject(cell) && typeof cell.source === 'string'
        ? cell.source
        : formatValue(cell)
  );
  return h(
    'details',
    { className: 'jp-ModelboxLineage-cells' },
    h('summary', {}, sources.length === 1 ? '1 cell executed' : `${sources.length} cells executed`),
    ...sources.map((source, i) =>
      h(
        'div',
        { className: 'jp-ModelboxLineage-cell' },
        h('div', { className: 'jp-ModelboxLineage-cellLabel' }, `[${i + 1}]`),
        h('pre', {}, source)
      )
    )
  );
}

function renderPackages(value: unknown): HTMLElement | string {
  let entries: [string, string][];
  if (isObject(value)) {
    entries = Object.keys(value)
      .sort()
      .map(name => [name, formatValue(value[name])]);
  } else if (Array.isArray(value)) {
    entries = value.map(item => {
      const text = formatValue(item);
      const match = /^([^=<>\s]+)\s*==\s*(.+)$/.exec(text);
      return match ? [match[1], match[2]] : [text, ''];
    });
  } else {
    return formatValue(value);
  }
  return h(
    'details',
    { className: 'jp-ModelboxLineage-packages' },
    h('summary', {}, entries.length === 1 ? '1 package' : `${entries.length} packages`),
    h(
      'table',
      { className: 'jp-ModelboxTable' },
      h('tbody', {}, ...entries.map(([name, version]) => h('tr', {}, h('td', {}, name), h('td', {}, version))))
    )
  );
}

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
