import { ModelboxClient } from '../api';
import {
  type ICompareColumn,
  bestColumns,
  buildCompareRows,
  flatten,
  formatCompareValue,
  lastValues,
  loadCompareColumn,
  roundNumber
} from '../compare';
import { CompareView, visibleRows } from '../compareview';
import type { ICheckpoint } from '../tokens';
import { aVersion, calls, fakeAPI, jsonResponse, settingsWith, settle } from './fake-server';

const HOSTILE = '<img src=x onerror=alert(1)>';

function aCheckpoint(metrics: ICheckpoint['metrics']): ICheckpoint {
  return {
    id: 'c1',
    uuid: 'u1',
    metadata: {},
    metrics,
    framework: null,
    format: null,
    owner: 'alice',
    revision: 1,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z'
  };
}

function columns(): ICompareColumn[] {
  return [
    {
      version: aVersion({
        id: 'v1',
        number: 1,
        version: 'baseline',
        tags: ['staging'],
        metadata: { optimizer: { name: 'adam', lr: 0.001 }, layers: [64, 32], seed: 1 },
        created_at: '2026-01-01T00:00:00Z'
      }),
      checkpoint: aCheckpoint({ val_loss: 0.2 }),
      lastMetrics: { loss: 0.5, acc: 0.8 }
    },
    {
      version: aVersion({
        id: 'v2',
        number: 2,
        version: 'tuned',
        tags: ['production'],
        metadata: { optimizer: { lr: 0.001, name: 'sgd' }, layers: [64, 32] },
        created_at: '2026-01-02T00:00:00Z'
      }),
      checkpoint: null,
      lastMetrics: { loss: 0.5, acc: { f: 'nan' } }
    }
  ];
}

describe('flatten', () => {
  it('gives nested objects dotted keys; arrays and empty objects are values', () => {
    expect(flatten({ b: { y: 1, x: { deep: true } }, a: [1, { c: 2 }], e: {}, n: null })).toEqual({
      a: [1, { c: 2 }],
      'b.x.deep': true,
      'b.y': 1,
      e: {},
      n: null
    });
    expect(Object.keys(flatten({ z: 1, a: { m: 1, b: 2 } }))).toEqual(['a.b', 'a.m', 'z']);
  });
});

describe('lastValues', () => {
  it('keeps the last point of each key', () => {
    expect(
      lastValues({
        key: ['loss', 'acc', 'loss', 'acc', 'loss'],
        step: [0, 0, 10, 10, 20],
        wallclock: [1, 1, 2, 2, 3],
        value: [1.0, 0.1, 0.5, 0.6, 0.25]
      })
    ).toEqual({ loss: 0.25, acc: 0.6 });
  });
});

describe('formatCompareValue', () => {
  it('writes missing, special floats, bytes and JSON values', () => {
    expect(formatCompareValue(undefined)).toBe('—');
    expect(formatCompareValue({ f: 'nan' })).toBe('NaN');
    expect(formatCompareValue({ f: '-inf' })).toBe('-∞');
    expect(formatCompareValue({ b: 'AAAA' })).toBe('<3 bytes>');
    expect(formatCompareValue(0.1)).toBe('0.1');
    expect(formatCompareValue(null)).toBe('null');
    expect(formatCompareValue([1, 2])).toBe('[1,2]');
    expect(formatCompareValue(HOSTILE)).toBe(HOSTILE);
  });
});

describe('buildCompareRows', () => {
  it('has one value per version and marks the rows that differ', () => {
    const rows = buildCompareRows(columns());
    const row = (section: string, key: string) => rows.find(r => r.section === section && r.key === key);

    expect(row('Version', 'label')).toMatchObject({ texts: ['baseline', 'tuned'], differs: true });
    expect(row('Version', 'framework')).toMatchObject({ texts: ['pytorch', 'pytorch'], differs: false });
    expect(row('Version', 'tags')).toMatchObject({ texts: ['staging', 'production'], differs: true });
    // created always differs: context, never a difference
    expect(row('Version', 'created')).toMatchObject({ differs: false, context: true });
    expect(row('Metadata', 'optimizer.name')).toMatchObject({ texts: ['adam', 'sgd'], differs: true });
    expect(row('Metadata', 'optimizer.lr')).toMatchObject({ texts: ['0.001', '0.001'], differs: false });
    expect(row('Metadata', 'layers')).toMatchObject({ texts: ['[64,32]', '[64,32]'], differs: false });
    // a key one version lacks differs, and shows as missing
    expect(row('Metadata', 'seed')).toMatchObject({ texts: ['1', '—'], differs: true });
    expect(row('Checkpoint metrics', 'val_loss')).toMatchObject({ texts: ['0.2', '—'], differs: true });
    expect(row('Last logged metrics', 'loss')).toMatchObject({ texts: ['0.5', '0.5'], differs: false });
    expect(row('Last logged metrics', 'acc')).toMatchObject({ texts: ['0.8', 'NaN'], differs: true });

    expect(
      visibleRows(rows, true).map(r => r.key)
    ).toEqual(['label', 'tags', 'created', 'optimizer.name', 'seed', 'val_loss', 'acc']);
    expect(visibleRows(rows, false)).toHaveLength(rows.length);
  });

  it('ignores key order inside values', () => {
    const [a, b] = columns();
    a.version.metadata = { cfg: [{ x: 1, y: 2 }] };
    b.version.metadata = { cfg: [{ y: 2, x: 1 }] };
    expect(buildCompareRows([a, b]).find(r => r.key === 'cfg')?.differs).toBe(false);
  });
});

describe('loadCompareColumn and CompareView', () => {
  function server() {
    const versions = {
      v1: aVersion({ id: 'v1', number: 1, version: HOSTILE, metadata: { [HOSTILE]: { x: HOSTILE } }, checkpoint_uuid: 'u1' }),
      v2: aVersion({ id: 'v2', number: 2, version: 'two', metadata: {} })
    };
    return fakeAPI([
      ['GET', /^versions\/(v\d)$/, (_, m) => jsonResponse(versions[m[1] as 'v1' | 'v2'])],
      ['GET', /^checkpoints\/u1$/, () => jsonResponse(aCheckpoint({ [HOSTILE]: 1 }))],
      ['GET', /^objects\/(v\d)\/metric-keys$/, (_, m) => jsonResponse({ keys: m[1] === 'v1' ? ['loss'] : [] })],
      [
        'GET',
        /^objects\/v1\/metrics$/,
        () => jsonResponse({ key: ['loss', 'loss'], step: [0, 999], wallclock: [1, 2], value: [1.0, 0.125] })
      ]
    ]);
  }

  it('fetches the version, its checkpoint and the last point of each metric', async () => {
    const fetch = server();
    const column = await loadCompareColumn(new ModelboxClient(settingsWith(fetch)), 'v1');

    expect(column.checkpoint?.metrics).toEqual({ [HOSTILE]: 1 });
    expect(column.lastMetrics).toEqual({ loss: 0.125 });
    expect(calls(fetch)).toContain('GET objects/v1/metrics?key=loss&max_points=4&method=minmax_lttb');
  });

  it('renders registry text as text, marks differences and filters them', async () => {
    const fetch = server();
    const view = new CompareView(new ModelboxClient(settingsWith(fetch)));
    // v2 first: its chart has no metrics to draw (jsdom has no canvas)
    const versions = [aVersion({ id: 'v2', number: 2 }), aVersion({ id: 'v1', number: 1 })];

    await view.load(versions);
    await settle();

    expect(view.node.querySelector('img, script')).toBeNull();
    expect(Array.from(view.node.querySelectorAll('thead th'), n => n.textContent)).toEqual(['', 'v2', 'v1']);
    const label = view.node.querySelector('tr[data-key="label"]') as HTMLElement;
    expect(label.classList.contains('jp-mod-differs')).toBe(true);
    expect(Array.from(label.querySelectorAll('td'), n => n.textContent)).toEqual(['two', HOSTILE]);
    const hostileRow = Array.from(view.node.querySelectorAll('tr')).find(
      tr => tr.getAttribute('data-key') === `${HOSTILE}.x`
    );
    expect(Array.from(hostileRow?.querySelectorAll('td') ?? [], n => n.textContent)).toEqual(['—', HOSTILE]);
    const framework = view.node.querySelector('tr[data-key="framework"]') as HTMLElement;
    expect(framework.classList.contains('jp-mod-differs')).toBe(false);

    const toggle = view.node.querySelector('.jp-ModelboxCompare-diffOnly') as HTMLInputElement;
    toggle.checked = true;
    toggle.dispatchEvent(new Event('change'));
    expect(view.node.querySelector('tr[data-key="framework"]')).toBeNull();
    expect(view.node.querySelector('tr[data-key="label"]')).not.toBeNull();
    view.dispose();
  });
});

describe('compare rounding and best values', () => {
  it('rounds numbers to 4 significant digits and keeps the full value for the title', () => {
    expect(roundNumber(0.123456)).toBe('0.1235');
    expect(roundNumber(12)).toBe('12');
    expect(roundNumber(1234.5678)).toBe('1235');
    expect(roundNumber(0.00001234)).toBe('1.234e-5');
    expect(formatCompareValue(0.91234)).toBe('0.9123');
  });

  it('marks the lowest loss and the highest accuracy; a tie or one number marks none', () => {
    expect(bestColumns('val_loss', [0.3, 0.2, 0.25])).toEqual([1]);
    expect(bestColumns('accuracy', [0.9, 0.95, undefined])).toEqual([1]);
    expect(bestColumns('accuracy', [0.9, 0.9])).toEqual([]);
    expect(bestColumns('accuracy', [0.9, 'n/a'])).toEqual([]);
  });
});
