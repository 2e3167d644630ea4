import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import uPlot from 'uplot';

import type { ModelboxClient } from './api';
import {
  type IChartSeries,
  X_AXIS_TITLES,
  type XAxis,
  dashOf,
  seriesFromFrame,
  smooth,
  versionColor
} from './chartdata';
import { button, errorBox, h, select } from './dom';
import type { IModelVersion } from './tokens';

const CHART_HEIGHT = 240;

/** A line of the chart: a series and the version it belongs to. */
type ChartLine = IChartSeries & { version: number };

/**
 * Metric chart of a version: pick keys, overlay other versions of the model,
 * step, wall time or relative time axis, log scale, EMA smoothing, drag to
 * zoom (double-click or "Reset zoom" to undo). Each version keeps one colour
 * in every chart (`versionColor`); `val_*` series are dashed. Points come from the server's downsampling endpoint, about two per
 * horizontal pixel, so a million-point series costs what a thousand do.
 *
 * Drawn with uPlot: canvas rendering built for large time series.
 */
export class MetricChart extends Widget {
  constructor(
    private readonly _client: ModelboxClient,
    private readonly _version: IModelVersion,
    private readonly _otherVersions: IModelVersion[],
    options: { overlayAll?: boolean } = {}
  ) {
    super();
    this._overlayAll = options.overlayAll ?? false;
    this.addClass('jp-ModelboxChart');
    this._axis = select(
      [
        ['step', 'Step'],
        ['wallclock', 'Wall time'],
        ['relative', 'Relative time']
      ],
      'step',
      { 'aria-label': 'X axis', class: 'jp-mod-styled jp-ModelboxChart-axis' }
    );
    this._axis.addEventListener('change', () => void this.draw());
    this._log.addEventListener('change', () => this._restyle());
    this._smoothing.addEventListener('input', () => {
      this._smoothingValue.textContent = Number(this._smoothing.value).toFixed(2);
      this._restyle();
    });
    this.node.append(
      this._keys,
      h(
        'div',
        { className: 'jp-ModelboxChart-controls' },
        h('label', {}, 'X axis ', this._axis),
        h('label', { className: 'jp-ModelboxChart-logLabel' }, this._log, 'Log scale'),
        h(
          'label',
          { className: 'jp-ModelboxChart-smoothingLabel' },
          'Smoothing ',
          this._smoothing,
          ' ',
          this._smoothingValue
        ),
        button('Reset zoom', () => this._resetZoom(), { className: 'jp-ModelboxChart-reset' })
      ),
      this._overlays,
      this._message,
      this._plotHost
    );
  }

  /** Fetch the metric keys and draw the first one (or the ones picked before). */
  async load(): Promise<void> {
    const picked = new Set(checked(this._keys));
    const overlays = new Set(checked(this._overlays));
    this._keyCache.clear();
    let keys: string[];
    try {
      keys = await this._keysOf(this._version.id);
    } catch (error) {
      this._message.replaceChildren(errorBox(error));
      return;
    }
    if (keys.length === 0) {
      this._message.textContent = 'No metrics logged for this version.';
      return;
    }
    this._keys.replaceChildren(
      h('span', { className: 'jp-ModelboxChart-legend' }, 'Metrics:'),
      ...keys.map((key, i) =>
        checkbox(key, key, picked.size ? picked.has(key) : i === 0, 'jp-ModelboxChart-key', () => void this.draw())
      )
    );
    if (this._otherVersions.length) {
      this._overlays.replaceChildren(
        h('span', { className: 'jp-ModelboxChart-legend' }, 'Overlay:'),
        ...this._otherVersions.map(version =>
          checkbox(
            version.id,
            `v${version.number}`,
            this._overlayAll || overlays.has(version.id),
            'jp-ModelboxChart-overlay',
            () => void this.draw()
          )
        )
      );
      this._overlayAll = false;
    }
    await this.draw();
  }

  /** Fetch the chosen series and (re)draw them. */
  async draw(): Promise<void> {
    const keys = checked(this._keys);
    const overlayIds = new Set(checked(this._overlays));
    let axis = this._axis.value as XAxis;
    const call = ++this._calls;
    if (keys.length === 0) {
      this._destroyPlot();
      this._message.textContent = 'Pick a metric to plot.';
      return;
    }
    const versions = [this._version, ...this._otherVersions.filter(v => overlayIds.has(v.id))];
    const maxPoints = Math.min(4000, Math.max(200, 2 * this._width()));
    let series: ChartLine[];
    let note = '';
    try {
      // ask each version only for keys it has: the server refuses unknown keys
      const keysOf = await Promise.all(versions.map(v => this._keysOf(v.id)));
      const frames = await Promise.all(
        versions.map((v, i) => {
          const present = keys.filter(key => keysOf[i].includes(key));
          return present.length
            ? this._client.getMetrics(v.id, present, maxPoints)
            : Promise.resolve({ key: [], step: [], wallclock: [], value: [] });
        })
      );
      const seriesOn = (x: XAxis) =>
        frames.flatMap((frame, i) =>
          seriesFromFrame(frame, x, i === 0 && versions.length === 1 ? '' : ` (v${versions[i].number})`).map(
            line => ({ ...line, version: versions[i].number })
          )
        );
      series = seriesOn(axis);
      if (series.length === 0 && axis === 'step' && frames.some(frame => frame.key.length > 0)) {
        axis = 'order';
        note = 'These points were logged without a step: drawn in the order logged (or pick a time axis).';
        series = seriesOn(axis);
      }
    } catch (error) {
      if (call === this._calls) {
        this._message.replaceChildren(errorBox(error));
      }
      return;
    }
    if (call !== this._calls || this.isDisposed) {
      return;
    }
    if (series.length === 0) {
      this._destroyPlot();
      this._message.textContent = 'No points to plot.';
      return;
    }
    this._message.textContent = note;
    this._plot(series, axis);
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this._uplot?.setSize({ width: this._width(), height: CHART_HEIGHT });
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._uplot?.setSize({ width: this._width(), height: CHART_HEIGHT });
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    // JupyterLab sets these on <body> once a new theme's CSS is in: the canvas keeps the colors
    // it was drawn with, so it is drawn again, zoom kept
    this._themeWatch.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light']
    });
  }

  protected onBeforeDetach(msg: Message): void {
    this._themeWatch.disconnect();
    super.onBeforeDetach(msg);
  }

  dispose(): void {
    this._themeWatch.disconnect();
    this._destroyPlot();
    super.dispose();
  }

  private _restyle(): void {
    if (!this._uplot || !this._shown) {
      return;
    }
    const { min, max } = this._uplot.scales.x;
    this._plot(this._shown.series, this._shown.axis);
    if (min !== undefined && max !== undefined) {
      this._uplot?.setScale('x', { min, max });
    }
  }

  private _plot(series: ChartLine[], axis: XAxis): void {
    this._destroyPlot();
    this._shown = { series, axis };
    const style = getComputedStyle(this.node);
    const text = themeColor(style, '--jp-ui-font-color2', '#757575');
    const grid = themeColor(style, '--jp-border-color2', '#e0e0e0');
    const log = this._log.checked;
    const weight = Number(this._smoothing.value);
    const shown = series.map(s => {
      const ys = smooth(s.ys, weight);
      return log ? ys.map(y => (y !== null && y > 0 ? y : null)) : ys;
    });
    const data = uPlot.join(series.map((s, i) => [s.xs, shown[i]] as uPlot.AlignedData));
    const keys = [...new Set(series.map(s => s.key))];
    const axisStyle = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const yTitle = keys.join(', ') + (log ? ' (log)' : '');
    // uPlot draws the axis titles on the canvas: say them to assistive technology (and tests) too
    this._plotHost.setAttribute('role', 'img');
    this._plotHost.setAttribute('aria-label', `${yTitle} against ${X_AXIS_TITLES[axis]}`);
    this._uplot = new uPlot(
      {
        width: this._width(),
        height: CHART_HEIGHT,
        scales: { x: { time: axis === 'wallclock' }, y: log ? { distr: 3 } : {} },
        axes: [
          { ...axisStyle, label: X_AXIS_TITLES[axis] },
          { ...axisStyle, label: yTitle }
        ],
        cursor: { drag: { x: true, y: false } },
        legend: {
          show: true,
          markers: { dash: (u, i) => (u.series[i].dash?.length ? 'dashed' : 'solid') }
        },
        series: [
          { label: { step: 'step', wallclock: 'time', relative: 'seconds', order: 'point' }[axis] },
          ...series.map(s => ({
            label: s.label,
            stroke: themeColor(style, versionColor(s.version)),
            dash: dashOf(s.key, keys.filter(k => !/^val[_/]/.test(k)).indexOf(s.key)),
            width: 1.5,
            spanGaps: true,
            points: { show: false }
          }))
        ]
      },
      data,
      this._plotHost
    );
  }

  private _keysOf(objectId: string): Promise<string[]> {
    let keys = this._keyCache.get(objectId);
    if (!keys) {
      keys = this._client.listMetricKeys(objectId);
      keys.catch(() => this._keyCache.delete(objectId));
      this._keyCache.set(objectId, keys);
    }
    return keys;
  }

  private _resetZoom(): void {
    const xs = this._uplot?.data[0];
    if (this._uplot && xs && xs.length) {
      this._uplot.setScale('x', { min: xs[0], max: xs[xs.length - 1] });
    }
  }

  private _destroyPlot(): void {
    this._uplot?.destroy();
    this._uplot = null;
    this._shown = null;
    this._plotHost.replaceChildren();
  }

  private _width(): number {
    return Math.max(240, this.node.clientWidth - 8);
  }

  private readonly _axis: HTMLSelectElement;
  private readonly _keys = h('div', { className: 'jp-ModelboxChart-keys' });
  private readonly _overlays = h('div', { className: 'jp-ModelboxChart-overlays' });
  private readonly _message = h('div', { className: 'jp-ModelboxChart-message' }, 'Loading metrics…');
  private readonly _plotHost = h('div', { className: 'jp-ModelboxChart-plot' });
  private readonly _keyCache = new Map<string, Promise<string[]>>();
  private _uplot: uPlot | null = null;
  private _shown: { series: ChartLine[]; axis: XAxis } | null = null;
  private readonly _log = h('input', { attrs: { type: 'checkbox', 'aria-label': 'Log scale' } });
  private readonly _smoothing = h('input', {
    className: 'jp-ModelboxChart-smoothing',
    attrs: { type: 'range', min: '0', max: '0.99', step: '0.01', value: '0', 'aria-label': 'Smoothing' }
  });
  private readonly _smoothingValue = h('span', { className: 'jp-ModelboxChart-smoothingValue' }, '0.00');
  private readonly _themeWatch = new MutationObserver(() => this._restyle());
  private _calls = 0;
  /** Check every overlay the first time they are listed (the compare view). */
  private _overlayAll: boolean;
}

function checkbox(
  value: string,
  label: string,
  isChecked: boolean,
  className: string,
  onChange: () => void
): HTMLElement {
  const input = h('input', { attrs: { type: 'checkbox', value }, on: { change: onChange } });
  input.checked = isChecked;
  return h('label', { className }, input, label);
}

function checked(container: HTMLElement): string[] {
  return Array.from(
    container.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked'),
    input => input.value
  );
}

/**
 * A color canvas can use: `var(--name, fallback)` and `--name` are
 * resolved against the theme's CSS variables.
 */
function themeColor(style: CSSStyleDeclaration, color: string, fallback = '#888'): string {
  const match = /^(?:var\()?\s*(--[\w-]+)\s*(?:,\s*([^)]+))?\)?$/.exec(color);
  if (!match) {
    return color;
  }
  return style.getPropertyValue(match[1]).trim() || match[2]?.trim() || fallback;
}
