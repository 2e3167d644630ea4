import type { IMetricFrame } from './tokens';

/**
 * What the chart's x axis shows: `order` (the position of each point of a
 * key, in the order the server returns them) is for points logged without
 * a step, which often share one wallclock (a list logged in one call).
 */
export type XAxis = 'step' | 'wallclock' | 'relative' | 'order';

/** Title of the x axis. */
export const X_AXIS_TITLES: { [axis in XAxis]: string } = {
  step: 'step',
  wallclock: 'wall time',
  relative: 'seconds since the first point',
  order: 'point (in the order logged)'
};

/**
 * One line of the chart: a metric key of one version, sorted by x.
 */
export interface IChartSeries {
  label: string;
  /** The metric key. */
  key: string;
  xs: number[];
  ys: (number | null)[];
}

/**
 * A metric value as a plottable number: numbers as they are; NaN, ±inf and
 * non-numbers (strings, bytes) as gaps.
 */
export function plottableValue(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Split a frame (all keys of one object) into one series per key, with the
 * chosen x axis. Points without a step are left out of a step axis.
 *
 * @param suffix - Appended to each key to name the series (e.g. ` (v3)`).
 */
export function seriesFromFrame(frame: IMetricFrame, axis: XAxis, suffix = ''): IChartSeries[] {
  const byKey = new Map<string, [number, number | null][]>();
  for (let i = 0; i < frame.key.length; i++) {
    const x =
      axis === 'order'
        ? (byKey.get(frame.key[i])?.length ?? 0)
        : axis === 'step'
          ? frame.step[i]
          : frame.wallclock[i];
    if (x === null || x === undefined || !Number.isFinite(x)) {
      continue;
    }
    const key = frame.key[i];
    let points = byKey.get(key);
    if (!points) {
      points = [];
      byKey.set(key, points);
    }
    points.push([x, plottableValue(frame.value[i])]);
  }
  return [...byKey].map(([key, points]) => {
    points.sort((a, b) => a[0] - b[0]);
    const start = axis === 'relative' && points.length ? points[0][0] : 0;
    return {
      label: key + suffix,
      key,
      xs: points.map(p => p[0] - start),
      ys: points.map(p => p[1])
    };
  });
}

/**
 * Evenly spread, theme-neutral line colors (JupyterLab's own palette when
 * the theme defines it).
 */
export const SERIES_COLORS = [
  'var(--jp-brand-color1, #1976d2)',
  'var(--jp-warn-color1, #f57c00)',
  'var(--jp-success-color1, #388e3c)',
  'var(--jp-error-color1, #d32f2f)',
  '#8e24aa',
  '#00897b',
  '#6d4c41',
  '#c2185b'
];

/**
 * The colour of a version's lines, the same in every chart (version n takes
 * the n-th colour of the palette, round the palette).
 */
export function versionColor(versionNumber: number): string {
  const n = SERIES_COLORS.length;
  return SERIES_COLORS[(((versionNumber - 1) % n) + n) % n];
}

/**
 * The dash pattern of a key's lines: validation series (`val_*`) dashed,
 * the other keys of one version solid, dotted, dash-dotted in their order.
 */
export function dashOf(key: string, keyIndex: number): number[] {
  if (/^val[_/]/.test(key)) {
    return [6, 4];
  }
  return [[], [2, 3], [8, 3, 2, 3]][keyIndex % 3];
}

/**
 * Exponential moving average smoothing as TensorBoard and W&B do it
 * (debiased, so the start is not pulled towards zero): `weight` 0 keeps the
 * values, 0.99 smooths the most. Gaps stay gaps and are skipped.
 */
export function smooth(ys: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) {
    return ys;
  }
  let last = 0;
  let count = 0;
  return ys.map(y => {
    if (y === null) {
      return null;
    }
    last = last * weight + (1 - weight) * y;
    count++;
    return last / (1 - Math.pow(weight, count));
  });
}
