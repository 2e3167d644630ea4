// Side-by-side comparison of versions: the data, the table rows and their differences. No DOM here.

import type { ModelboxClient } from './api';
import { formatTime } from './dom';
import type { ICheckpoint, IMetricFrame, IModelVersion } from './tokens';

/**
 * What the compare view knows of one version.
 */
export interface ICompareColumn {
  version: IModelVersion;
  checkpoint: ICheckpoint | null;
  /** The last logged value of each metric key. */
  lastMetrics: { [key: string]: unknown };
}

/**
 * One row of the compare table: a property and its value in each version
 * (`undefined` where the version lacks it).
 */
export interface ICompareRow {
  section: CompareSection;
  key: string;
  values: unknown[];
  /** Shown in the cells: the value as text, `—` where missing. */
  texts: string[];
  /** The values as they are, where `texts` rounds numbers. */
  titles?: string[];
  /** True when the versions' values do not all render the same. */
  differs: boolean;
  /** Columns holding the best value of a metric row (lowest loss or error, else highest). */
  best?: number[];
  /**
   * A row that tells the versions apart by nature (created): never marked as
   * a difference, and kept when only differences are shown.
   */
  context?: boolean;
}

export type CompareSection = 'Version' | 'Metadata' | 'Checkpoint metrics' | 'Last logged metrics';

/** Text of a missing value. */
export const MISSING_TEXT = '—';

/**
 * A JSON object flattened into dotted keys (`{a: {b: 1}}` → `{'a.b': 1}`).
 * Arrays and empty objects are values; key order is sorted.
 */
export function flatten(value: unknown, prefix = ''): { [key: string]: unknown } {
  const flat: { [key: string]: unknown } = {};
  const walk = (node: unknown, path: string): void => {
    if (isPlainObject(node) && Object.keys(node).length > 0) {
      for (const key of Object.keys(node).sort()) {
        walk(node[key], path ? `${path}.${key}` : key);
      }
    } else if (path) {
      flat[path] = node;
    }
  };
  walk(value, prefix);
  return flat;
}

/**
 * The last point of each key in a metric frame (points come in the server's
 * order: by step, then wallclock, points without a step last).
 */
export function lastValues(frame: IMetricFrame): { [key: string]: unknown } {
  const last: { [key: string]: unknown } = {};
  for (let i = 0; i < frame.key.length; i++) {
    last[frame.key[i]] = frame.value[i];
  }
  return last;
}

/**
 * A metric or metadata value as one line of text: numbers as JavaScript
 * prints them, `{f: 'nan'}` as NaN, bytes as `<n bytes>`, the rest as JSON.
 */
export function formatCompareValue(value: unknown): string {
  if (value === undefined) {
    return MISSING_TEXT;
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number') {
    return roundNumber(value);
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'f' && typeof value.f === 'string') {
      return { nan: 'NaN', inf: '∞', '-inf': '-∞' }[value.f] ?? value.f;
    }
    if (keys.length === 1 && keys[0] === 'b' && typeof value.b === 'string') {
      return `<${Math.floor((value.b.length * 3) / 4)} bytes>`;
    }
  }
  return JSON.stringify(value) ?? String(value);
}

/**
 * The rows of the compare table, one column per version in the given order:
 * label, framework, tags, created, owner, description, checkpoint; then
 * metadata (dotted keys), checkpoint metrics and the last value of each
 * logged metric, each section sorted by key.
 */
export function buildCompareRows(columns: ICompareColumn[]): ICompareRow[] {
  const rows: ICompareRow[] = [];
  const add = (section: CompareSection, key: string, values: unknown[], texts?: string[]): void => {
    const shown = texts ?? values.map(formatCompareValue);
    const metric = section === 'Checkpoint metrics' || section === 'Last logged metrics';
    rows.push({
      section,
      key,
      values,
      texts: shown,
      titles: values.map(v => (typeof v === 'number' ? String(v) : formatCompareValue(v))),
      differs: !allSame(values) && shown.some(text => text !== shown[0]),
      ...(metric ? { best: bestColumns(key, values) } : {})
    });
  };
  const versions = columns.map(c => c.version);
  add('Version', 'label', versions.map(v => v.version || v.name || undefined));
  add('Version', 'framework', versions.map(v => v.framework ?? undefined));
  add(
    'Version',
    'tags',
    versions.map(v => [...v.tags].sort()),
    versions.map(v => (v.tags.length ? [...v.tags].sort().join(', ') : MISSING_TEXT))
  );
  rows.push({
    section: 'Version',
    key: 'created',
    values: versions.map(v => v.created_at),
    texts: versions.map(v => formatTime(v.created_at)),
    differs: false,
    context: true
  });
  add('Version', 'owner', versions.map(v => v.owner || undefined));
  add('Version', 'description', versions.map(v => v.description || undefined));
  add('Version', 'checkpoint', versions.map(v => v.checkpoint_uuid ?? undefined));

  const section = (name: CompareSection, objects: { [key: string]: unknown }[]): void => {
    const keys = new Set<string>();
    objects.forEach(o => Object.keys(o).forEach(k => keys.add(k)));
    for (const key of [...keys].sort()) {
      add(name, key, objects.map(o => (Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined)));
    }
  };
  section('Metadata', columns.map(c => flatten(c.version.metadata)));
  section('Checkpoint metrics', columns.map(c => flatten(c.checkpoint?.metrics ?? {})));
  section('Last logged metrics', columns.map(c => c.lastMetrics));
  return rows;
}

/**
 * A number with at most 4 significant digits (integers whole; very large or
 * small ones in exponent notation), so a table of metrics reads at a glance.
 */
export function roundNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) {
    return String(value);
  }
  const size = Math.abs(value);
  if (size >= 1e6 || size < 1e-4) {
    return value.toExponential(3).replace(/\.?0+e/, 'e');
  }
  return String(Number(value.toPrecision(4)));
}

/** Keys whose lowest value is the best one. */
const LOWER_IS_BETTER = /loss|err|mse|mae|rmse|perplexity|wer|cer|latency|time|nll/i;

/**
 * The columns holding the best numeric value of a metric (none when fewer
 * than two versions have a number, or when they all tie).
 */
export function bestColumns(key: string, values: unknown[]): number[] {
  const numbers = values.map(v => (typeof v === 'number' && Number.isFinite(v) ? v : null));
  const present = numbers.filter((n): n is number => n !== null);
  if (present.length < 2 || present.every(n => n === present[0])) {
    return [];
  }
  const best = LOWER_IS_BETTER.test(key) ? Math.min(...present) : Math.max(...present);
  return numbers.flatMap((n, i) => (n === best ? [i] : []));
}

/**
 * Whether all values are equal (deep, JSON-wise, key order ignored); a
 * missing value differs from every present one, `null` included.
 */
function allSame(values: unknown[]): boolean {
  const first = canonical(values[0]);
  return values.every(value => canonical(value) === first);
}

function canonical(value: unknown): string {
  if (value === undefined) {
    return '\u0000missing';
  }
  return JSON.stringify(value, (_key, node) =>
    isPlainObject(node)
      ? Object.fromEntries(Object.keys(node).sort().map(k => [k, node[k]]))
      : node
  );
}

function isPlainObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Metric keys asked for in one request (the URL repeats `key=`). */
const KEYS_PER_REQUEST = 40;

/**
 * Fetch what the compare table shows of a version: the version itself, its
 * checkpoint, and the last value of every logged metric (the series asked
 * downsampled to 4 points: minmax_lttb keeps the first and the last).
 */
export async function loadCompareColumn(client: ModelboxClient, versionId: string): Promise<ICompareColumn> {
  const [version, keys] = await Promise.all([client.getVersion(versionId), client.listMetricKeys(versionId)]);
  const checkpoint = version.checkpoint_uuid
    ? await client.getCheckpoint(version.checkpoint_uuid).catch(() => null)
    : null;
  const groups: string[][] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_REQUEST) {
    groups.push(keys.slice(i, i + KEYS_PER_REQUEST));
  }
  const frames = await Promise.all(groups.map(group => client.getMetrics(versionId, group, 4)));
  const lastMetrics = Object.assign({}, ...frames.map(lastValues)) as { [key: string]: unknown };
  return { version, checkpoint, lastMetrics };
}
