import { MimeData } from '@lumino/coreutils';

import {
  CONTENTS_MIME,
  DROP_ACTIVE_CLASS,
  DropHandler,
  type DropPayload,
  type IDropTarget,
  localContentsPath,
  makeDropTarget,
  readDrop
} from '../drop';
import { settle } from './fake-server';

function setUp() {
  const root = document.createElement('div');
  const target = document.createElement('div');
  const inner = document.createElement('span');
  const outside = document.createElement('div');
  makeDropTarget(target, 'v1', 'version 1');
  target.append(inner);
  root.append(target, outside);
  document.body.append(root);
  const drops: [IDropTarget, DropPayload][] = [];
  const handler = new DropHandler(root, (t, payload) => drops.push([t, payload]));
  handler.attach();
  return { root, target, inner, outside, drops, handler };
}

/** A Lumino drag event as `@lumino/dragdrop` dispatches it. */
function luminoEvent(type: string, mimeData: MimeData, proposedAction = 'move') {
  const event = new Event(type, { bubbles: true, cancelable: true });
  return Object.assign(event, { mimeData, proposedAction, dropAction: 'none', supportedActions: 'move' });
}

/** A DataTransfer as the browser fills it for files dragged from the desktop. */
function fileTransfer(files: File[]) {
  return { types: ['Files'], files, dropEffect: 'none' } as unknown as DataTransfer;
}

function nativeEvent(type: string, dataTransfer: DataTransfer) {
  return new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer });
}

afterEach(() => {
  document.body.replaceChildren();
});

describe('DropHandler, file browser drags (Lumino events)', () => {
  it('accepts contents paths and hands them over on drop', () => {
    const { inner, target, drops } = setUp();
    const mime = new MimeData();
    mime.setData(CONTENTS_MIME, ['notebooks/weights.bin', 'RTC:data/x.csv']);

    const enter = luminoEvent('lm-dragenter', mime);
    inner.dispatchEvent(enter);
    const over = luminoEvent('lm-dragover', mime);
    inner.dispatchEvent(over);
    expect(enter.defaultPrevented).toBe(true);
    expect(over.dropAction).toBe('move');
    expect(target.classList.contains(DROP_ACTIVE_CLASS)).toBe(true);

    const drop = luminoEvent('lm-drop', mime);
    inner.dispatchEvent(drop);

    expect(drop.defaultPrevented).toBe(true);
    expect(drop.dropAction).toBe('move');
    expect(target.classList.contains(DROP_ACTIVE_CLASS)).toBe(false);
    expect(drops).toHaveLength(1);
    expect(drops[0][0]).toMatchObject({ objectId: 'v1', label: 'version 1' });
    expect(drops[0][1]).toEqual({ kind: 'contents', paths: ['notebooks/weights.bin', 'data/x.csv'] });
  });

  it('ignores drags without file browser paths', () => {
    const { inner, drops } = setUp();
    const mime = new MimeData();
    mime.setData('text/plain', 'hello');

    const enter = luminoEvent('lm-dragenter', mime);
    inner.dispatchEvent(enter);
    inner.dispatchEvent(luminoEvent('lm-drop', mime));

    expect(enter.defaultPrevented).toBe(false);
    expect(drops).toEqual([]);
  });

  it('ignores drops next to the targets', () => {
    const { outside, drops } = setUp();
    const mime = new MimeData();
    mime.setData(CONTENTS_MIME, ['a.txt']);

    const drop = luminoEvent('lm-drop', mime);
    outside.dispatchEvent(drop);

    expect(drop.defaultPrevented).toBe(false);
    expect(drops).toEqual([]);
  });

  it('stops listening when detached', () => {
    const { inner, drops, handler } = setUp();
    const mime = new MimeData();
    mime.setData(CONTENTS_MIME, ['a.txt']);

    handler.detach();
    inner.dispatchEvent(luminoEvent('lm-drop', mime));

    expect(drops).toEqual([]);
  });
});

describe('DropHandler, desktop files (native events)', () => {
  it('keeps the browser from opening the file and hands the files over', async () => {
    const { inner, target, drops } = setUp();
    const file = new File(['x'], 'notes.txt');
    const transfer = fileTransfer([file]);

    const over = nativeEvent('dragover', transfer);
    inner.dispatchEvent(over);
    expect(over.defaultPrevented).toBe(true);
    expect(transfer.dropEffect).toBe('copy');
    expect(target.classList.contains(DROP_ACTIVE_CLASS)).toBe(true);

    const drop = nativeEvent('drop', transfer);
    inner.dispatchEvent(drop);
    await settle();

    expect(drop.defaultPrevented).toBe(true);
    expect(target.classList.contains(DROP_ACTIVE_CLASS)).toBe(false);
    expect(drops).toHaveLength(1);
    expect(drops[0][0].objectId).toBe('v1');
    expect(drops[0][1]).toEqual({ kind: 'files', files: [{ file, path: 'notes.txt' }], problems: [] });
  });

  it('leaves drags of text and links alone', () => {
    const { inner, drops } = setUp();
    const transfer = { types: ['text/plain'], files: [], dropEffect: 'none' } as unknown as DataTransfer;

    const over = nativeEvent('dragover', transfer);
    inner.dispatchEvent(over);
    inner.dispatchEvent(nativeEvent('drop', transfer));

    expect(over.defaultPrevented).toBe(false);
    expect(drops).toEqual([]);
  });

  it('removes the highlight when the drag leaves', () => {
    const { inner, target } = setUp();
    const transfer = fileTransfer([new File(['x'], 'a')]);

    inner.dispatchEvent(nativeEvent('dragenter', transfer));
    inner.dispatchEvent(new DragEvent('dragleave', { bubbles: true, relatedTarget: document.body }));

    expect(target.classList.contains(DROP_ACTIVE_CLASS)).toBe(false);
  });
});

/**
 * A folder as the browser's file system entries show it: `readEntries`
 * hands out at most `batch` entries per call, then an empty batch.
 */
function folderEntry(name: string, children: FileSystemEntry[], batch = 2): FileSystemDirectoryEntry {
  return {
    name,
    isDirectory: true,
    isFile: false,
    createReader: () => {
      let next = 0;
      return {
        readEntries: (resolve: (entries: FileSystemEntry[]) => void) => {
          const part = children.slice(next, next + batch);
          next += part.length;
          setTimeout(() => resolve(part), 0);
        }
      };
    }
  } as unknown as FileSystemDirectoryEntry;
}

function fileEntry(file: File): FileSystemEntry {
  return {
    name: file.name,
    isDirectory: false,
    isFile: true,
    file: (resolve: (file: File) => void) => setTimeout(() => resolve(file), 0)
  } as unknown as FileSystemEntry;
}

function failing(name: string, what: 'list' | 'read'): FileSystemEntry {
  const fail = (_: unknown, reject: (error: Error) => void) => reject(new Error('permission denied'));
  return (what === 'list'
    ? { name, isDirectory: true, isFile: false, createReader: () => ({ readEntries: fail }) }
    : { name, isDirectory: false, isFile: true, file: fail }) as unknown as FileSystemEntry;
}

describe('readDrop', () => {
  it('walks dropped folders in name order, across batches, keeping relative paths', async () => {
    const [a, b, c, d, loose] = ['a.bin', 'b.bin', 'c.json', 'd.txt', 'loose.txt'].map(n => new File([n], n));
    const run = folderEntry('run', [
      fileEntry(b),
      folderEntry('eval', [fileEntry(c)]),
      fileEntry(a),
      fileEntry(new File(['hidden'], '.DS_Store')),
      folderEntry('logs', [fileEntry(d)])
    ]);

    const { files, problems } = await readDrop([{ file: loose }, { folder: run }]);

    expect(files).toEqual([
      { file: loose, path: 'loose.txt' },
      { file: a, path: 'run/a.bin' },
      { file: b, path: 'run/b.bin' },
      { file: c, path: 'run/eval/c.json' },
      { file: d, path: 'run/logs/d.txt' }
    ]);
    expect(problems).toEqual([]);
  });

  it('names what it could not list or read, and says when a folder has no files', async () => {
    const ok = new File(['ok'], 'ok.bin');
    const run = folderEntry('run', [failing('locked', 'list'), failing('gone.bin', 'read'), fileEntry(ok)]);
    const empty = folderEntry('empty', [folderEntry('nested', [])]);

    const { files, problems } = await readDrop([{ folder: run }, { folder: empty }]);

    expect(files).toEqual([{ file: ok, path: 'run/ok.bin' }]);
    expect(problems).toEqual([
      'run/gone.bin: the browser could not read this file (permission denied)',
      'run/locked: the browser could not list this folder (permission denied)',
      'empty: the folder has no files to add'
    ]);
  });
});

describe('localContentsPath', () => {
  it('drops a drive prefix and keeps plain paths', () => {
    expect(localContentsPath('RTC:dir/a.txt')).toBe('dir/a.txt');
    expect(localContentsPath('dir/a.txt')).toBe('dir/a.txt');
    expect(localContentsPath('dir/a:b.txt')).toBe('dir/a:b.txt');
  });
});
