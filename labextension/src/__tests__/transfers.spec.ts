import { ModelboxClient } from '../api';
import { SERIES_COLORS, dashOf, seriesFromFrame, smooth, versionColor } from '../chartdata';
import { TransferList } from '../transfers';
import { anArtifact, calls, fakeAPI, jsonResponse, settingsWith } from './fake-server';

const HOSTILE = '<img src=x onerror=alert(1)>';

function dropped(file: File, path = file.name) {
  return { file, path };
}

describe('TransferList', () => {
  it('copies file browser files server-side and says so', async () => {
    const fetch = fakeAPI([
      ['POST', /^objects\/v1\/artifacts-from-contents$/, () => jsonResponse({ artifacts: [anArtifact()] }, 201)]
    ]);
    const transfers = new TransferList(new ModelboxClient(settingsWith(fetch)));
    const added = jest.fn();
    transfers.artifactsAdded.connect((_, id) => added(id));

    await transfers.add('v1', 'version 1', { kind: 'contents', paths: ['w.bin'] });

    expect(calls(fetch)).toEqual(['POST objects/v1/artifacts-from-contents']);
    expect(added).toHaveBeenCalledWith('v1');
    expect(transfers.node.textContent).toContain('Added 1 artifact.');
  });

  it('shows a failed upload as an alert with the server message, as text', async () => {
    const fetch = fakeAPI([
      ['POST', /^uploads$/, () => jsonResponse({ message: `disk full ${HOSTILE}`, reason: 'StorageError' }, 507)]
    ]);
    const transfers = new TransferList(new ModelboxClient(settingsWith(fetch)), { digest: async () => '00' });

    const added = await transfers.uploadFiles('v1', 'version 1', [dropped(new File(['x'], 'a.bin'))]);

    expect(added).toEqual([]);
    const alert = transfers.node.querySelector('[role=alert]');
    expect(alert?.textContent).toBe(`Upload of a.bin to version 1 failed: disk full ${HOSTILE}`);
    expect(transfers.node.querySelector('img')).toBeNull();
    expect(transfers.node.querySelector('progress')).toBeNull();
  });

  it('records a file from a dropped folder at its path and shows what could not be read', async () => {
    const recorded: unknown[] = [];
    const fetch = fakeAPI([
      ['POST', /^uploads$/, () => jsonResponse({ upload_id: 'u1' }, 201)],
      ['PUT', /^uploads\/u1$/, () => jsonResponse({ offset: 1 })],
      ['POST', /^uploads\/u1\/finish$/, () => jsonResponse({ checksum: '00', size: 1 })],
      [
        'POST',
        /^objects\/v1\/artifacts$/,
        async request => {
          recorded.push(await request.json());
          return jsonResponse(anArtifact({ checksum: '00' }), 201);
        }
      ]
    ]);
    const transfers = new TransferList(new ModelboxClient(settingsWith(fetch)), { digest: async () => '00' });

    const added = await transfers.uploadFiles(
      'v1',
      'version 1',
      [dropped(new File(['x'], 'scores.json'), 'eval/scores.json')],
      [`eval/locked: the browser could not list this folder (${HOSTILE})`]
    );

    expect(added).toHaveLength(1);
    expect(recorded).toEqual([{ path: 'eval/scores.json', checksum: '00', size: 1 }]);
    const failed = transfers.node.querySelector('.jp-ModelboxTransfer.jp-mod-failed');
    expect(failed?.querySelector('.jp-ModelboxTransfer-title')?.textContent).toBe('Not added to version 1');
    expect(failed?.querySelector('[role=alert]')?.textContent).toBe(
      `eval/locked: the browser could not list this folder (${HOSTILE})`
    );
    expect(transfers.node.querySelector('img')).toBeNull();
  });

  it('shows progress while an upload runs', async () => {
    let seen: string | null = null;
    const fetch = fakeAPI([
      ['POST', /^uploads$/, () => jsonResponse({ upload_id: 'u1' }, 201)],
      [
        'PUT',
        /^uploads\/u1$/,
        () => {
          seen = transfers.node.querySelector('.jp-ModelboxTransfer-detail')?.textContent ?? null;
          return jsonResponse({ offset: 4 });
        }
      ],
      ['POST', /^uploads\/u1\/finish$/, () => jsonResponse({ checksum: '00', size: 4 })],
      ['POST', /^objects\/v1\/artifacts$/, () => jsonResponse(anArtifact({ checksum: '00' }), 201)]
    ]);
    const transfers = new TransferList(new ModelboxClient(settingsWith(fetch)), { digest: async () => '00' });

    await transfers.uploadFiles('v1', 'version 1', [dropped(new File(['abcd'], 'a.bin'))]);

    expect(seen).toBe('0 B of 4 B (0%)');
    expect(transfers.node.textContent).toContain('Added, sha256 00');
  });
});

describe('seriesFromFrame', () => {
  it('splits keys, sorts by x, turns non-numbers into gaps and skips missing steps', () => {
    const series = seriesFromFrame(
      {
        key: ['loss', 'loss', 'acc', 'loss', 'loss'],
        step: [2, 1, 1, null, 3],
        wallclock: [20, 10, 10, 30, 40],
        value: [0.5, 0.9, 0.1, 0.4, { f: 'nan' }]
      },
      'step',
      ' (v2)'
    );

    expect(series).toEqual([
      { label: 'loss (v2)', key: 'loss', xs: [1, 2, 3], ys: [0.9, 0.5, null] },
      { label: 'acc (v2)', key: 'acc', xs: [1], ys: [0.1] }
    ]);
  });

  it('numbers the points of each key in order for points logged without a step', () => {
    const series = seriesFromFrame(
      { key: ['loss', 'acc', 'loss', 'loss'], step: [null, null, null, null], wallclock: [5, 5, 5, 5],
        value: [0.9, 0.1, 0.5, 0.3] },
      'order'
    );

    expect(series).toEqual([
      { label: 'loss', key: 'loss', xs: [0, 1, 2], ys: [0.9, 0.5, 0.3] },
      { label: 'acc', key: 'acc', xs: [0], ys: [0.1] }
    ]);
  });

  it('measures relative time from the first point of each key', () => {
    const series = seriesFromFrame(
      { key: ['loss', 'loss', 'acc'], step: [1, 2, 1], wallclock: [105, 100, 200], value: [1, 2, 3] },
      'relative'
    );
    expect(series.map(s => [s.key, s.xs])).toEqual([
      ['loss', [0, 5]],
      ['acc', [0]]
    ]);
  });
});

describe('chart styles', () => {
  it('smooths with a debiased EMA, keeping gaps', () => {
    expect(smooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const smoothed = smooth([1, null, 3], 0.5) as number[];
    expect(smoothed[0]).toBeCloseTo(1);
    expect(smoothed[1]).toBeNull();
    expect(smoothed[2]).toBeCloseTo((0.25 + 1.5) / 0.75);
  });

  it('gives a version one colour everywhere and dashes validation series', () => {
    expect(versionColor(3)).toBe(versionColor(3 + SERIES_COLORS.length));
    expect(versionColor(1)).not.toBe(versionColor(2));
    expect(dashOf('val_loss', 0)).toEqual([6, 4]);
    expect(dashOf('loss', 0)).toEqual([]);
    expect(dashOf('accuracy', 1)).toEqual([2, 3]);
  });
});
