import { type INotebookOpener, notebookPath, renderLineage } from '../lineage';
import { settle } from './fake-server';

const HOSTILE = '<img src=x onerror=alert(1)>';

function opener(existing: string[]): INotebookOpener & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    exists: jest.fn(async (path: string) => existing.includes(path)),
    open: jest.fn(async (path: string) => {
      opened.push(path);
    })
  };
}

/** The shape `jupyter_modelbox.client.lineage.capture()` records. */
const LINEAGE = {
  captured_at: '2026-01-01T00:00:00+00:00',
  notebook: { path: 'experiments/train.ipynb', name: 'train.ipynb', source: 'JPY_SESSION_NAME' },
  cells: {
    count: 3,
    sha256: 'ab'.repeat(32),
    recorded: 2,
    truncated: true,
    sources: [
      { execution_count: 2, source: 'import torch' },
      { execution_count: 3, source: `print("${HOSTILE}")` }
    ]
  },
  python: { version: '3.11.9', implementation: 'CPython', executable: '/usr/bin/python3' },
  packages: { torch: '2.13.0', [HOSTILE]: HOSTILE },
  packages_total: 5,
  git: { commit: '0123456789abcdef0123', dirty: true, branch: HOSTILE, root: '/work', remote: null },
  host: { hostname: 'box', user: 'alice', platform: HOSTILE },
  [HOSTILE]: { nested: HOSTILE }
};

describe('renderLineage', () => {
  it('renders the recorded schema, folded, all as text', async () => {
    const node = renderLineage(LINEAGE, opener([]));
    document.body.append(node);
    await settle();

    expect(node.querySelector('img, script')).toBeNull();
    const keys = Array.from(node.querySelectorAll(':scope > tbody > tr'), tr => tr.getAttribute('data-key'));
    expect(keys).toEqual(['notebook', 'captured_at', 'git', 'host', 'python', 'cells', 'packages', HOSTILE]);
    const cell = (key: string) =>
      Array.from(node.querySelectorAll(':scope > tbody > tr'))
        .find(tr => tr.getAttribute('data-key') === key)
        ?.querySelector(':scope > td:last-child');
    expect(cell('notebook')?.textContent).toContain('experiments/train.ipynb');
    expect(cell('host')?.textContent).toBe(`alice@box · ${HOSTILE}`);
    expect(cell('python')?.textContent).toBe('CPython 3.11.9/usr/bin/python3');
    expect(cell('git')?.textContent).toBe(`0123456789ab uncommitted changes on ${HOSTILE}/work`);
    expect(cell('cells')?.querySelector('summary')?.textContent).toBe('3 cells executed');
    expect(cell('cells')?.querySelector('details')?.open).toBe(false);
    expect(cell('cells')?.textContent).toContain('Showing the last 2 of 3.');
    expect(cell('cells')?.querySelector('.jp-ModelboxLineage-sha code')?.textContent).toBe('ab'.repeat(32));
    expect(Array.from(cell('cells')?.querySelectorAll('pre') ?? [], p => p.textContent)).toEqual([
      'import torch',
      `print("${HOSTILE}")`
    ]);
    expect(cell('packages')?.querySelector('summary')?.textContent).toBe('5 packages (2 recorded)');
    expect(cell(HOSTILE)?.textContent).toBe(JSON.stringify({ nested: HOSTILE }));
    document.body.replaceChildren();
  });

  it('offers "Open notebook" only when the notebook exists, and opens it', async () => {
    const present = opener(['experiments/train.ipynb']);
    const node = renderLineage({ notebook: { path: '/experiments/train.ipynb' } }, present);
    const button = node.querySelector('.jp-ModelboxLineage-open') as HTMLButtonElement;
    expect(button.disabled).toBe(true); // until the file browser answered
    await settle();
    expect(button.disabled).toBe(false);
    button.click();
    await settle();
    expect(present.opened).toEqual(['experiments/train.ipynb']);

    const absent = renderLineage({ notebook: { path: 'gone.ipynb' } }, opener([]));
    await settle();
    const disabled = absent.querySelector('.jp-ModelboxLineage-open') as HTMLButtonElement;
    expect(disabled.disabled).toBe(true);
    expect(disabled.title).toContain('not in the file browser');
  });

  it('copes with any JSON', () => {
    expect(renderLineage(null).textContent).toBe('No lineage recorded.');
    expect(renderLineage({}).textContent).toBe('No lineage recorded.');
    expect(renderLineage(HOSTILE).textContent).toBe(HOSTILE);
    const odd = renderLineage({ git: 'abc', cells: 3, packages: [HOSTILE], notebook: 5, host: null });
    expect(odd.querySelector('img')).toBeNull();
    expect(odd.querySelector('tr[data-key="git"] td:last-child')?.textContent).toBe('abc');
    expect(odd.querySelector('tr[data-key="cells"] td:last-child')?.textContent).toBe('3');
    expect(odd.querySelector('tr[data-key="notebook"] td:last-child')?.textContent).toBe('5');
    expect(odd.querySelector('tr[data-key="packages"] td:last-child')?.textContent).toBe(JSON.stringify([HOSTILE]));
    expect(odd.querySelector('tr[data-key="host"]')).toBeNull();
    expect(notebookPath({ notebook: { path: ' a\\b.ipynb ' } })).toBe('a/b.ipynb');
    expect(notebookPath({ notebook: 'a.ipynb' })).toBeNull();
  });

  it('turns the absolute path a kernel records into one relative to the server root', () => {
    const lineage = { notebook: { path: '/home/me/work/runs/train.ipynb' } };
    expect(notebookPath(lineage, '/home/me/work')).toBe('runs/train.ipynb');
    expect(notebookPath(lineage, '/home/me/work/')).toBe('runs/train.ipynb');
    expect(notebookPath(lineage, '/home/me/wo')).toBe('home/me/work/runs/train.ipynb');
    expect(notebookPath({ notebook: { path: 'runs/train.ipynb' } }, '/home/me/work')).toBe('runs/train.ipynb');
  });
});
