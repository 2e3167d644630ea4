import type { ModelboxClient } from './api';
import { formatBytes, h } from './dom';
import type { IArtifact } from './tokens';

/**
 * Artifacts, one block each: name, size, kind, a download link, and the
 * full sha256 on its own line (the sidebar is narrow).
 */
export function renderArtifactTable(client: ModelboxClient, artifacts: IArtifact[]): HTMLElement {
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
    ...artifacts.map(artifact => renderArtifact(client, artifact))
  );
}

function renderArtifact(client: ModelboxClient, artifact: IArtifact): HTMLElement {
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
      download
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
