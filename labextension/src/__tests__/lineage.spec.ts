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

const LINEAGE = {
  notebook: 'experiments/train.ipynb',
  cells: ['import torch', `print("${HOSTILE}")`],
  cells_sha256: 'ab'.repeat(32),
  python: '3.11.9',
  packages: { torch: '2.13.0', [HOSTILE]: HOSTILE },
  git: { commit: '0123456789abcdef0123', dirty: true, branch: HOSTILE },
  host: HOSTILE,
  user: 'alice',
  created_at: '2026-01-01T00:00:00Z',
  [HOSTILE]: { nested: HOSTILE }
};

describe('renderLineage', () => {
  it('renders known keys nicely and unknown ones as JSON, all as text', async () => {
    const node = renderLineage(LINEAGE, opener([]));
    document.body.append(node);
    await settle();

    expect(node.querySelector('img, script')).toBeNull();
    const keys = Array.from(node.querySelectorAll(':scope > tbody > tr'), tr => tr.getAttribute('data-key'));
    expect(keys).toEqual([
      'notebook',
      'created_at',
      'user',
      'host',
      'python',
      'git',
      'cells_sha256',
      'cells',
      'packages',
      HOSTILE
    ]);
    const cell = (key: string) =>
      Array.from(node.querySelectorAll(':scope > tbody > tr'))
        .find(tr => tr.getAttribute('data-key') === key)
        ?.querySelector(':scope > td:last-child');
    expect(cell('host')?.textContent).toBe(HOSTILE);
    expect(cell('git')?.textContent).toBe(`0123456789ab uncommitted changes · branch: ${HOSTILE}`);
    expect(cell('cells')?.querySelector('summary')?.textContent).toBe('2 cells executed');
    expect(Array.from(cell('cells')?.querySelectorAll('pre') ?? [], p => p.textContent)).toEqual([
      'import torch',
      `print("${HOSTILE}")`
    ]);
    expect(cell('packages')?.querySelector('summary')?.textContent).toBe('2 packages');
    expect(cell(HOSTILE)?.textContent).toBe(JSON.stringify({ nested: HOSTILE }));
    document.body.replaceChildren();
  });

  it('offers "Open notebook" only when the notebook exists, and opens it', async () => {
    const present = opener(['experiments/train.ipynb']);
    const node = renderLineage({ notebook: '/experiments/train.ipynb' }, present);
    const button = node.querySelector('.jp-ModelboxLineage-open') as HTMLButtonElement;
    expect(button.disabled).toBe(true); // until the file browser answered
    await settle();
    expect(button.disabled).toBe(false);
    button.click();
    await settle();
    expect(present.opened).toEqual(['experiments/train.ipynb']);

    const absent = renderLineage({ notebook: 'gone.ipynb' }, opener([]));
    await settle();
    const disabled = absent.querySelector('.jp-ModelboxLineage-open') as HTMLButtonElement;
    expect(disabled.disabled).toBe(true);
    expect(disabled.title).toContain('not in the file browser');
  });

  it('copes with any JSON', () => {
    expect(renderLineage(null).textContent).toBe('No lineage recorded.');
    expect(renderLineage({}).textContent).toBe('No lineage recorded.');
    expect(renderLineage(HOSTILE).textContent).toBe(HOSTILE);
    const odd = renderLineage({ git: 'abc', cells: 3, packages: ['numpy==2.0', HOSTILE], notebook: 5 });
    expect(odd.querySelector('img')).toBeNull();
    expect(odd.querySelector('tr[data-key="git"] td:last-child')?.textContent).toBe('abc');
    expect(odd.querySelector('tr[data-key="cells"] td:last-child')?.textContent).toBe('3');
    expect(odd.querySelector('tr[data-key="notebook"] td:last-child')?.textContent).toBe('5');
    expect(Array.from(odd.querySelectorAll('tr[data-key="packages"] tbody td'), n => n.textContent)).toEqual([
      'numpy',
      '2.0',
      HOSTILE,
      ''
    ]);
    expect(notebookPath({ notebook: ' a\\b.ipynb ' })).toBe('a/b.ipynb');
    expect(notebookPath({ notebook: 1 })).toBeNull();
  });

  it('turns the absolute path a kernel records into one relative to the server root', () => {
    const lineage = { notebook: '/home/me/work/runs/train.ipynb' };
    expect(notebookPath(lineage, '/home/me/work')).toBe('runs/train.ipynb');
    expect(notebookPath(lineage, '/home/me/work/')).toBe('runs/train.ipynb');
    expect(notebookPath(lineage, '/home/me/wo')).toBe('home/me/work/runs/train.ipynb');
    expect(notebookPath({ notebook: 'runs/train.ipynb' }, '/home/me/work')).toBe('runs/train.ipynb');
  });
});
