import type { ModelboxClient } from './api';
import { button, errorBox, formatBytes, h } from './dom';
import type { IUserPrompts } from './prompts';
import type { IArtifact } from './tokens';

/**
 * Deleting artifacts from a view: asked first, errors shown in `errors`,
 * `deleted` (the view reloads) after the server forgot it.
 */
export interface IArtifactRemoval {
  prompts: IUserPrompts;
  errors: HTMLElement;
  deleted: () => void;
}

/**
 * Artifacts, one block each: name, size, kind, a download link, Delete
 * (with `removal`), and the full sha256 on its own line.
 */
export function renderArtifactTable(
  client: ModelboxClient,
  artifacts: IArtifact[],
  removal?: IArtifactRemoval
): HTMLElement {
  if (artifacts.length === 0) {
    return h(
      'p',
      { className: 'jp-ModelboxPanel-status jp-ModelboxArtifacts-empty' },
      'No artifacts. Drop files here, from the file browser or the desktop.'
    );
  }
  return h(
    'ul',
    { className: 'jp-ModelboxArtifacts' },
    ...artifacts.map(artifact => renderArtifact(client, artifact, removal))
  );
}

/** Ask, then delete the artifact. */
async function deleteArtifact(client: ModelboxClient, artifact: IArtifact, removal: IArtifactRemoval): Promise<void> {
  const kept = artifact.tracked ? ' The file it points to stays where it is.' : '';
  const confirmed = await removal.prompts.confirm({
    title: 'Delete artifact?',
    body: `Delete ${artifact.path} (${formatBytes(artifact.size)}) from the registry? This cannot be undone.${kept}`,
    accept: 'Delete',
    danger: true
  });
  if (!confirmed) {
    return;
  }
  removal.errors.replaceChildren();
  try {
    await client.deleteArtifact(artifact.id);
  } catch (error) {
    removal.errors.replaceChildren(errorBox(error));
    return;
  }
  removal.deleted();
}

function renderArtifact(client: ModelboxClient, artifact: IArtifact, removal?: IArtifactRemoval): HTMLElement {
  const name = artifact.path.split('/').pop() || artifact.path;
  const download = artifact.tracked
    ? h(
        'span',
        { className: 'jp-ModelboxArtifacts-tracked', attrs: { title: 'The registry keeps only its location' } },
        'tracked'
      )
    : h(
        'a',
        {
          className: 'jp-ModelboxArtifacts-download',
          attrs: { href: client.artifactContentURL(artifact.id), download: name, title: `Download ${artifact.path}` }
        },
        'Download'
      );
  return h(
    'li',
    { className: 'jp-ModelboxArtifacts-row', attrs: { 'data-artifact-id': artifact.id } },
    h(
      'div',
      { className: 'jp-ModelboxArtifacts-head' },
      h('span', { className: 'jp-ModelboxArtifacts-path', attrs: { title: artifact.path } }, artifact.path),
      download,
      removal
        ? button('Delete', () => void deleteArtifact(client, artifact, removal), {
            warn: true,
            className: 'jp-ModelboxArtifacts-delete',
            title: `Delete ${artifact.path}`
          })
        : null
    ),
    h(
      'div',
      { className: 'jp-ModelboxArtifacts-facts' },
      h('span', { className: 'jp-ModelboxArtifacts-size' }, formatBytes(artifact.size)),
      ' · ',
      h('span', { className: 'jp-ModelboxArtifacts-mime' }, artifact.mime_type)
    ),
    h(
      'div',
      { className: 'jp-ModelboxArtifacts-checksum', attrs: { title: 'SHA-256' } },
      artifact.checksum ?? 'checksum not known'
    )
  );
}
