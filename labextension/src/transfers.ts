import { type ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import type { ModelboxClient } from './api';
import { button, errorMessage, formatBytes, h } from './dom';
import type { DropPayload, IDroppedFile } from './drop';
import type { IArtifact } from './tokens';
import { type IUploadOptions, isCancelled, uploadArtifact } from './upload';

/** Milliseconds a finished transfer stays listed. */
const DONE_LINGER_MS = 6000;

/**
 * Artifacts being added to the registry, one row each: a progress bar and a
 * cancel button for uploads from the desktop, a clear error when one fails.
 */
export class TransferList extends Widget {
  constructor(
    private readonly _client: ModelboxClient,
    private readonly _uploadOptions: Omit<IUploadOptions, 'signal' | 'onProgress'> = {}
  ) {
    super();
    this.addClass('jp-ModelboxTransfers');
    this.node.setAttribute('aria-live', 'polite');
  }

  /** Id of the model or version that got new artifacts. */
  get artifactsAdded(): ISignal<this, string> {
    return this._artifactsAdded;
  }

  /**
   * Add what was dropped as artifacts of `objectId`; `label` names it for the user.
   */
  add(objectId: string, label: string, payload: DropPayload): Promise<IArtifact[]> {
    return payload.kind === 'contents'
      ? this.copyContents(objectId, label, payload.paths)
      : this.uploadFiles(objectId, label, payload.files, payload.problems);
  }

  /**
   * Copy file browser files into the registry; the server reads them itself.
   */
  async copyContents(objectId: string, label: string, paths: string[]): Promise<IArtifact[]> {
    const names = paths.length === 1 ? paths[0] : `${paths.length} files`;
    const row = this._addRow(`${names} → ${label}`, null);
    try {
      const artifacts = await this._client.addArtifactsFromContents(objectId, paths);
      row.done(`Added ${artifacts.length === 1 ? '1 artifact' : `${artifacts.length} artifacts`}.`);
      this._artifactsAdded.emit(objectId);
      return artifacts;
    } catch (error) {
      row.failed(`Could not add ${names} to ${label}: ${errorMessage(error)}`);
      return [];
    }
  }

  /**
   * Upload desktop files one after the other, each with its progress bar;
   * `problems` (what the browser could not read) are shown as failed rows.
   */
  async uploadFiles(
    objectId: string,
    label: string,
    files: IDroppedFile[],
    problems: string[] = []
  ): Promise<IArtifact[]> {
    for (const problem of problems) {
      this._addRow(`Not added to ${label}`, null).failed(problem);
    }
    const added: IArtifact[] = [];
    for (const { file, path } of files) {
      const abort = new AbortController();
      const row = this._addRow(`${path} → ${label}`, abort);
      try {
        const artifact = await uploadArtifact(this._client, objectId, file, path, {
          ...this._uploadOptions,
          signal: abort.signal,
          onProgress: (sent, total) => row.progress(sent, total)
        });
        row.done(`Added, sha256 ${artifact.checksum ?? '?'}`);
        added.push(artifact);
        this._artifactsAdded.emit(objectId);
      } catch (error) {
        if (isCancelled(error)) {
          row.failed(`Upload of ${path} cancelled.`);
        } else {
          row.failed(`Upload of ${path} to ${label} failed: ${errorMessage(error)}`);
        }
      }
    }
    return added;
  }

  private _addRow(title: string, abort: AbortController | null): ITransferRow {
    const bar = h('progress', { className: 'jp-ModelboxTransfer-bar', attrs: { max: '1' } });
    const detail = h('span', { className: 'jp-ModelboxTransfer-detail' }, abort ? 'Starting…' : 'Copying…');
    const cancel = abort
      ? button('Cancel', () => abort.abort(), { className: 'jp-ModelboxTransfer-cancel' })
      : null;
    const node = h(
      'div',
      { className: 'jp-ModelboxTransfer' },
      h('div', { className: 'jp-ModelboxTransfer-title' }, title),
      bar,
      h('div', { className: 'jp-ModelboxTransfer-footer' }, detail, cancel)
    );
    this.node.append(node);
    const finish = (className: string, text: string, linger: boolean): void => {
      node.classList.add(className);
      bar.remove();
      cancel?.remove();
      detail.textContent = text;
      if (linger) {
        setTimeout(() => node.remove(), DONE_LINGER_MS);
      } else {
        detail.setAttribute('role', 'alert');
        node
          .querySelector('.jp-ModelboxTransfer-footer')
          ?.append(button('Dismiss', () => node.remove()));
      }
    };
    return {
      progress: (sent, total) => {
        bar.max = Math.max(total, 1);
        bar.value = sent;
        const percent = total ? Math.floor((100 * sent) / total) : 100;
        detail.textContent = `${formatBytes(sent)} of ${formatBytes(total)} (${percent}%)`;
      },
      done: text => finish('jp-mod-done', text, true),
      failed: text => finish('jp-mod-failed', text, false)
    };
  }

  private readonly _artifactsAdded = new Signal<this, string>(this);
}

interface ITransferRow {
  progress(sent: number, total: number): void;
  done(text: string): void;
  failed(text: string): void;
}
