import type { Drag } from '@lumino/dragdrop';

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
 * What was dropped: file browser paths (copied server-side) or desktop files
 * (uploaded from the browser).
 */
export type DropPayload =
  | { kind: 'contents'; paths: string[] }
  | { kind: 'files'; files: File[] };

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
      const files = Array.from(transfer.files ?? []);
      if (files.length > 0) {
        this._onDrop(target, { kind: 'files', files });
      }
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
