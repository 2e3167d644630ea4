import type { Drag } from '@lumino/dragdrop';

import { errorMessage } from './dom';

/**
 * Mime type of a JupyterLab file browser drag: a `string[]` of contents paths.
 */
export const CONTENTS_MIME = 'application/x-jupyter-icontents';

/**
 * Attribute naming the registry object (model or version id) an element
 * accepts drops for. `data-modelbox-drop-label` says what it is, for messages.
 */
export const DROP_ATTRIBUTE = 'data-modelbox-drop';
export const DROP_LABEL_ATTRIBUTE = 'data-modelbox-drop-label';

/** Class of the drop target under a drag that it can take. */
export const DROP_ACTIVE_CLASS = 'jp-mod-dropTarget';

/**
 * A desktop file and the artifact path it gets: its name, or
 * `folder/sub/name` when it came inside a dropped folder.
 */
export interface IDroppedFile {
  file: File;
  path: string;
}

/**
 * What was dropped: file browser paths (copied server-side) or desktop files
 * (uploaded from the browser). `problems` names what could not be read
 * (a folder the browser may not list, an empty folder).
 */
export type DropPayload =
  | { kind: 'contents'; paths: string[] }
  | { kind: 'files'; files: IDroppedFile[]; problems: string[] };

/**
 * The registry object a drop landed on.
 */
export interface IDropTarget {
  objectId: string;
  label: string;
  node: HTMLElement;
}

const LUMINO_EVENTS = ['lm-dragenter', 'lm-dragleave', 'lm-dragover', 'lm-drop'];
const NATIVE_EVENTS = ['dragenter', 'dragleave', 'dragover', 'drop'];

/**
 * Makes the elements of a subtree that carry `data-modelbox-drop` accept
 * drops of file browser items (Lumino `lm-*` drag events) and of desktop
 * files (native HTML5 drag events). One listener on the root serves every
 * target inside it, so rows can be re-rendered freely.
 */
export class DropHandler implements EventListenerObject {
  constructor(
    private readonly _root: HTMLElement,
    private readonly _onDrop: (target: IDropTarget, payload: DropPayload) => void
  ) {}

  /** Start listening; call from `onAfterAttach`. */
  attach(): void {
    for (const type of [...LUMINO_EVENTS, ...NATIVE_EVENTS]) {
      this._root.addEventListener(type, this);
    }
  }

  /** Stop listening; call from `onBeforeDetach`. */
  detach(): void {
    for (const type of [...LUMINO_EVENTS, ...NATIVE_EVENTS]) {
      this._root.removeEventListener(type, this);
    }
    this._highlight(null);
  }

  handleEvent(event: Event): void {
    if (event.type.startsWith('lm-')) {
      this._onLuminoEvent(event as Drag.Event);
    } else {
      this._onNativeEvent(event as DragEvent);
    }
  }

  private _onLuminoEvent(event: Drag.Event): void {
    const target = findTarget(event.target);
    const paths = event.mimeData?.hasData(CONTENTS_MIME)
      ? contentsPaths(event.mimeData.getData(CONTENTS_MIME))
      : null;
    if (event.type === 'lm-dragleave') {
      this._leave(event);
      return;
    }
    if (!target || !paths) {
      this._highlight(null);
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    // the file browser offers only 'move'; the files stay where they are either way
    const action = event.proposedAction && event.proposedAction !== 'none' ? event.proposedAction : 'copy';
    if (event.type === 'lm-drop') {
      event.dropAction = action;
      this._highlight(null);
      if (paths.length > 0) {
        this._onDrop(target, { kind: 'contents', paths });
      }
      return;
    }
    if (event.type === 'lm-dragover') {
      event.dropAction = action;
    }
    this._highlight(target.node);
  }

  private _onNativeEvent(event: DragEvent): void {
    if (event.type === 'dragleave') {
      this._leave(event);
      return;
    }
    const target = findTarget(event.target);
    const transfer = event.dataTransfer;
    if (!target || !transfer || !carriesFiles(transfer)) {
      this._highlight(null);
      return;
    }
    // without this the browser opens the dropped file in place of JupyterLab
    event.preventDefault();
    event.stopPropagation();
    if (event.type === 'drop') {
      this._highlight(null);
      // taken now: the browser empties the DataTransfer once the event is over
      const sources = dropSources(transfer);
      void readDrop(sources).then(({ files, problems }) => {
        if (files.length > 0 || problems.length > 0) {
          this._onDrop(target, { kind: 'files', files, problems });
        }
      });
      return;
    }
    transfer.dropEffect = 'copy';
    this._highlight(target.node);
  }

  private _leave(event: Event): void {
    const related = (event as MouseEvent).relatedTarget;
    if (!(related instanceof Node) || !this._root.contains(related)) {
      this._highlight(null);
    }
  }

  private _highlight(node: HTMLElement | null): void {
    if (this._active === node) {
      return;
    }
    this._active?.classList.remove(DROP_ACTIVE_CLASS);
    node?.classList.add(DROP_ACTIVE_CLASS);
    this._active = node;
  }

  private _active: HTMLElement | null = null;
}

/**
 * Mark an element as a drop target for a model or version.
 */
export function makeDropTarget(
  node: HTMLElement,
  objectId: string,
  label: string
): void {
  node.setAttribute(DROP_ATTRIBUTE, objectId);
  node.setAttribute(DROP_LABEL_ATTRIBUTE, label);
}

/**
 * A file browser path without its drive prefix (`Drive:dir/file` -> `dir/file`).
 */
export function localContentsPath(path: string): string {
  const colon = path.indexOf(':');
  const slash = path.indexOf('/');
  return colon >= 0 && (slash < 0 || colon < slash)
    ? path.slice(colon + 1)
    : path;
}

function findTarget(eventTarget: EventTarget | null): IDropTarget | null {
  const start =
    eventTarget instanceof Element
      ? eventTarget
      : eventTarget instanceof Node
        ? eventTarget.parentElement
        : null;
  const node = start?.closest<HTMLElement>(`[${DROP_ATTRIBUTE}]`);
  const objectId = node?.getAttribute(DROP_ATTRIBUTE);
  if (!node || !objectId) {
    return null;
  }
  return {
    objectId,
    label: node.getAttribute(DROP_LABEL_ATTRIBUTE) ?? objectId,
    node
  };
}

function contentsPaths(data: unknown): string[] | null {
  if (!Array.isArray(data) || !data.every(p => typeof p === 'string')) {
    return null;
  }
  return (data as string[]).map(localContentsPath);
}

function carriesFiles(transfer: DataTransfer): boolean {
  return Array.from(transfer.types ?? []).includes('Files');
}

/** A dropped file, or a dropped folder still to be listed. */
export type DropSource = { file: File } | { folder: FileSystemDirectoryEntry };

/**
 * The files and folders of a native drop, read while the drop event runs.
 * Browsers without `webkitGetAsEntry` give files only.
 */
export function dropSources(transfer: DataTransfer): DropSource[] {
  const items = Array.from(transfer.items ?? []).filter(item => item.kind === 'file');
  if (items.length === 0 || typeof items[0].webkitGetAsEntry !== 'function') {
    return Array.from(transfer.files ?? []).map(file => ({ file }));
  }
  const sources: DropSource[] = [];
  for (const item of items) {
    const entry = item.webkitGetAsEntry();
    const file = item.getAsFile();
    if (entry?.isDirectory) {
      sources.push({ folder: entry as FileSystemDirectoryEntry });
    } else if (file) {
      sources.push({ file });
    }
  }
  return sources;
}

/**
 * Every file of the dropped files and folders, folders walked depth first in
 * name order. Hidden entries (names starting with '.') inside folders are
 * left out, as the file browser copy does.
 */
export async function readDrop(
  sources: DropSource[]
): Promise<{ files: IDroppedFile[]; problems: string[] }> {
  const files: IDroppedFile[] = [];
  const problems: string[] = [];
  for (const source of sources) {
    if ('file' in source) {
      files.push({ file: source.file, path: source.file.name });
      continue;
    }
    const [filesBefore, problemsBefore] = [files.length, problems.length];
    await walkFolder(source.folder, source.folder.name, files, problems);
    if (files.length === filesBefore && problems.length === problemsBefore) {
      problems.push(`${source.folder.name}: the folder has no files to add`);
    }
  }
  return { files, problems };
}

async function walkFolder(
  folder: FileSystemDirectoryEntry,
  path: string,
  files: IDroppedFile[],
  problems: string[]
): Promise<void> {
  let children: FileSystemEntry[];
  try {
    children = await listFolder(folder);
  } catch (error) {
    problems.push(`${path}: the browser could not list this folder (${errorMessage(error)})`);
    return;
  }
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) {
    const childPath = `${path}/${child.name}`;
    if (child.name.startsWith('.')) {
      continue;
    }
    if (child.isDirectory) {
      await walkFolder(child as FileSystemDirectoryEntry, childPath, files, problems);
    } else if (child.isFile) {
      try {
        files.push({ file: await fileOf(child as FileSystemFileEntry), path: childPath });
      } catch (error) {
        problems.push(`${childPath}: the browser could not read this file (${errorMessage(error)})`);
      }
    }
  }
}

/** All entries of a folder: `readEntries` hands them out in batches until one is empty. */
async function listFolder(folder: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = folder.createReader();
  const entries: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject)
    );
    if (batch.length === 0) {
      return entries;
    }
    entries.push(...batch);
  }
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}
