// The notebook drop zone (`jupyter_modelbox.widgets.ArtifactDropZone`): an anywidget ES module built
// from the side panel's own drop handling and chunked, resumable upload (`npm run build:dropzone`
// bundles it into one self-contained file). Desktop files go from the browser straight to the REST
// upload, never through the kernel; file-browser items are copied on the server. It loads nothing
// from JupyterLab at run time, so it works in Notebook 7 and VS Code too.
import type { AnyModel, RenderProps } from '@anywidget/types';

import { ModelboxClient } from '../api';
import { errorMessage, formatBytes, h } from '../dom';
import { DropHandler, type DropPayload, type IDroppedFile, makeDropTarget } from '../drop';
import { pageConnection } from '../request';
import type { IArtifact } from '../tokens';
import { uploadArtifact } from '../upload';

/** The traits `drop_zone.py` syncs. */
interface IDropZoneModel {
  target_id: string;
  target_label: string;
  chunk_bytes: number;
}

/** What the module tells the kernel (`ArtifactDropZone._message`). */
type KernelMessage =
  | { kind: 'no-server'; reason: string }
  | { kind: 'uploaded'; artifacts: IArtifact[]; errors: string[] };

function render({ model, el }: RenderProps<IDropZoneModel>): () => void {
  const heading = h('div', { className: 'modelbox-drop-heading' });
  const note = h('div', { className: 'modelbox-drop-note' });
  const zone = h('div', { className: 'modelbox-drop-zone' }, heading, note);
  const list = h('div', { className: 'modelbox-drop-list' });
  el.classList.add('modelbox-drop');
  el.append(zone, list);
  const send = (message: KernelMessage) => model.send(message);

  const showTarget = () => {
    const label = model.get('target_label');
    heading.textContent = `Drop files here to attach them to ${label}`;
    makeDropTarget(zone, model.get('target_id'), label);
  };
  showTarget();
  model.on('change:target_id', showTarget);
  model.on('change:target_label', showTarget);

  const connection = pageConnection();
  if (!connection) {
    zone.classList.add('modelbox-drop-unavailable');
    note.textContent =
      'This page has no Jupyter server configuration (e.g. VS Code), so files cannot go straight ' +
      'to the registry from here: use the upload button below instead.';
    send({ kind: 'no-server', reason: 'no jupyter-config-data on this page' });
    return () => model.off(null, showTarget);
  }
  note.textContent = 'Files from your computer or from the JupyterLab file browser.';
  const client = new ModelboxClient(connection);
  const drops = new DropHandler(zone, (target, payload) => {
    void dropped(client, model, list, target.objectId, payload).then(send);
  });
  drops.attach();
  return () => {
    drops.detach();
    model.off(null, showTarget);
  };
}

/** Upload or copy what was dropped, one row per file; the report for the kernel. */
async function dropped(
  client: ModelboxClient,
  model: AnyModel<IDropZoneModel>,
  list: HTMLElement,
  targetId: string,
  payload: DropPayload
): Promise<KernelMessage> {
  if (payload.kind === 'contents') {
    const row = new ProgressRow(list, payload.paths.join(', '), null);
    row.progress(0, 'copying on the server');
    try {
      const artifacts = await client.addArtifactsFromContents(targetId, payload.paths);
      row.finish(`done · ${artifacts.map(a => `${a.path} sha256 ${a.checksum.slice(0, 12)}`).join(', ')}`, true);
      return { kind: 'uploaded', artifacts, errors: [] };
    } catch (error) {
      row.finish(errorMessage(error), false);
      return { kind: 'uploaded', artifacts: [], errors: [`${payload.paths.join(', ')}: ${errorMessage(error)}`] };
    }
  }
  const errors = [...payload.problems];
  for (const problem of payload.problems) {
    new ProgressRow(list, problem, null).finish('skipped', false);
  }
  const artifacts: IArtifact[] = [];
  for (const file of payload.files) {
    try {
      artifacts.push(await uploadOne(client, model, list, targetId, file));
    } catch (error) {
      errors.push(`${file.path}: ${errorMessage(error)}`);
    }
  }
  return { kind: 'uploaded', artifacts, errors };
}

async function uploadOne(
  client: ModelboxClient,
  model: AnyModel<IDropZoneModel>,
  list: HTMLElement,
  targetId: string,
  { file, path }: IDroppedFile
): Promise<IArtifact> {
  const row = new ProgressRow(list, path, file.size);
  try {
    const artifact = await uploadArtifact(client, targetId, file, path, {
      chunkBytes: model.get('chunk_bytes'),
      onProgress: (sent, total) =>
        row.progress(sent, sent < total ? `${Math.floor((100 * sent) / total)}%` : 'verifying checksum')
    });
    row.finish(`done · sha256 ${artifact.checksum.slice(0, 12)}`, true);
    return artifact;
  } catch (error) {
    row.finish(errorMessage(error), false);
    throw error;
  }
}

/** One file's line: name, size, a progress bar and its state. */
class ProgressRow {
  constructor(list: HTMLElement, name: string, size: number | null) {
    this._bar.max = Math.max(size ?? 0, 1);
    this._bar.value = 0;
    this._row.append(
      h('span', { className: 'modelbox-drop-name' }, size === null ? name : `${name} (${formatBytes(size)})`),
      this._bar,
      this._state
    );
    list.append(this._row);
  }

  progress(done: number, text: string): void {
    this._bar.value = done;
    this._state.textContent = text;
  }

  finish(text: string, ok: boolean): void {
    this._bar.value = this._bar.max;
    this._state.textContent = text;
    this._row.classList.add(ok ? 'modelbox-drop-ok' : 'modelbox-drop-error');
  }

  private readonly _row = h('div', { className: 'modelbox-drop-row' });
  private readonly _bar = h('progress');
  private readonly _state = h('span', { className: 'modelbox-drop-state' }, 'waiting');
}

export default { render };
