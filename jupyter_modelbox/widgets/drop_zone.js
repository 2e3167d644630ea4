// The artifact drop zone: desktop files go from the browser straight to the modelbox REST API in
// chunks (never through the kernel); file-browser items are copied on the server. Nothing here
// is loaded from the internet.

// Incremental SHA-256, so a file of any size is hashed chunk by chunk as it is uploaded
// (crypto.subtle needs the whole file in memory and a secure context; plain http://host has none).
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

export class Sha256 {
  constructor() {
    this.state = new Int32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]);
    this.pending = new Uint8Array(64);
    this.pendingLength = 0;
    this.length = 0;
    this.words = new Int32Array(64);
  }

  update(bytes) {
    this.length += bytes.length;
    let i = 0;
    if (this.pendingLength) {
      const take = Math.min(64 - this.pendingLength, bytes.length);
      this.pending.set(bytes.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      i = take;
      if (this.pendingLength < 64) return this;
      this.block(this.pending, 0);
      this.pendingLength = 0;
    }
    for (; i + 64 <= bytes.length; i += 64) this.block(bytes, i);
    if (i < bytes.length) {
      this.pending.set(bytes.subarray(i), 0);
      this.pendingLength = bytes.length - i;
    }
    return this;
  }

  hex() {
    const tail = new Uint8Array(this.pendingLength < 56 ? 64 : 128);
    tail.set(this.pending.subarray(0, this.pendingLength));
    tail[this.pendingLength] = 0x80;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(this.length / 0x20000000));
    view.setUint32(tail.length - 4, (this.length % 0x20000000) * 8);
    for (let offset = 0; offset < tail.length; offset += 64) this.block(tail, offset);
    return Array.from(this.state, (word) => (word >>> 0).toString(16).padStart(8, '0')).join('');
  }

  block(data, offset) {
    const w = this.words; // Int32Array: the arithmetic below stays in 32-bit integers
    for (let t = 0; t < 16; t++) {
      const j = offset + t * 4;
      w[t] = (data[j] << 24) | (data[j + 1] << 16) | (data[j + 2] << 8) | data[j + 3];
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (((w[t - 16] + s0) | 0) + ((w[t - 7] + s1) | 0)) | 0;
    }
    const s = this.state;
    let a = s[0] | 0;
    let b = s[1] | 0;
    let c = s[2] | 0;
    let d = s[3] | 0;
    let e = s[4] | 0;
    let f = s[5] | 0;
    let g = s[6] | 0;
    let h = s[7] | 0;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (((((h + S1) | 0) + ch) | 0) + ((K[t] + w[t]) | 0)) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + ((S0 + maj) | 0)) | 0;
    }
    s[0] = (s[0] + a) | 0;
    s[1] = (s[1] + b) | 0;
    s[2] = (s[2] + c) | 0;
    s[3] = (s[3] + d) | 0;
    s[4] = (s[4] + e) | 0;
    s[5] = (s[5] + f) | 0;
    s[6] = (s[6] + g) | 0;
    s[7] = (s[7] + h) | 0;
  }
}

const CONTENTS_MIME = 'application/x-jupyter-icontents';

function pageConfig() {
  const element = document.getElementById('jupyter-config-data');
  if (!element) return null;
  try {
    return JSON.parse(element.textContent || '{}');
  } catch {
    return null;
  }
}

function xsrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : null;
}

class RestApi {
  constructor(config) {
    this.base = `${(config.baseUrl || '/').replace(/\/?$/, '/')}modelbox/api`;
    this.token = config.token || '';
  }

  async request(method, path, { json, body, headers = {} } = {}) {
    const all = { ...headers };
    if (this.token) all.Authorization = `token ${this.token}`;
    const xsrf = xsrfToken();
    if (xsrf) all['X-XSRFToken'] = xsrf;
    if (json !== undefined) {
      all['Content-Type'] = 'application/json';
      body = JSON.stringify(json);
    }
    const response = await fetch(this.base + path, { method, body, headers: all, credentials: 'same-origin' });
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const reason = (data && data.reason) || `HTTP ${response.status}`;
      const error = new Error(`${reason}: ${(data && data.message) || response.statusText || text.slice(0, 200)}`);
      error.status = response.status;
      throw error;
    }
    return data;
  }
}

function formatBytes(size) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

function progressRow(list, name, size) {
  const row = document.createElement('div');
  row.className = 'modelbox-drop-row';
  const label = document.createElement('span');
  label.className = 'modelbox-drop-name';
  label.textContent = size === null ? name : `${name} (${formatBytes(size)})`;
  const bar = document.createElement('progress');
  bar.max = Math.max(size || 0, 1);
  bar.value = 0;
  const state = document.createElement('span');
  state.className = 'modelbox-drop-state';
  state.textContent = 'waiting';
  row.append(label, bar, state);
  list.append(row);
  return {
    progress(done, text) {
      bar.value = done;
      state.textContent = text;
    },
    finish(text, ok) {
      bar.value = bar.max;
      state.textContent = text;
      row.classList.add(ok ? 'modelbox-drop-ok' : 'modelbox-drop-error');
    },
  };
}

async function uploadFile(api, targetId, { file, path }, chunkBytes, row) {
  const { upload_id: uploadId } = await api.request('POST', '/uploads', { json: {} });
  const hash = new Sha256();
  let offset = 0;
  while (offset < file.size) {
    const chunk = new Uint8Array(await file.slice(offset, offset + chunkBytes).arrayBuffer());
    const sent = api.request('PUT', `/uploads/${uploadId}?offset=${offset}`, {
      body: chunk,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    hash.update(chunk); // while the chunk is on the wire
    offset = (await sent).offset;
    row.progress(offset, `${Math.floor((100 * offset) / Math.max(file.size, 1))}%`);
  }
  const checksum = hash.hex();
  row.progress(file.size, 'verifying checksum');
  await api.request('POST', `/uploads/${uploadId}/finish`, { json: { checksum } });
  const artifact = await api.request('POST', `/objects/${encodeURIComponent(targetId)}/artifacts`, {
    json: { path, checksum, size: file.size },
  });
  row.finish(`done · sha256 ${checksum.slice(0, 12)}`, true);
  return artifact;
}

// Files and folders of a native drop, taken while the event runs (the browser empties the
// DataTransfer after it); folders are listed later, by readDrop.
function dropSources(dataTransfer) {
  const items = dataTransfer.items ? Array.from(dataTransfer.items).filter((item) => item.kind === 'file') : [];
  if (!items.length || typeof items[0].webkitGetAsEntry !== 'function') {
    return Array.from(dataTransfer.files || []).map((file) => ({ file }));
  }
  const sources = [];
  for (const item of items) {
    const entry = item.webkitGetAsEntry();
    const file = item.getAsFile();
    if (entry && entry.isDirectory) sources.push({ folder: entry });
    else if (file) sources.push({ file });
  }
  return sources;
}

const errorText = (error) => String((error && (error.message || error.name)) || error);

// Every file of the dropped files and folders as { file, path }, folders walked depth first in name
// order, hidden entries inside them left out (as the file browser copy does); problems name what
// could not be read.
async function readDrop(sources) {
  const files = [];
  const problems = [];
  const listFolder = async (folder) => {
    const reader = folder.createReader();
    const entries = [];
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (!batch.length) return entries;
      entries.push(...batch);
    }
  };
  const walk = async (folder, path) => {
    let children;
    try {
      children = await listFolder(folder);
    } catch (error) {
      problems.push(`${path}: the browser could not list this folder (${errorText(error)})`);
      return;
    }
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const child of children) {
      const childPath = `${path}/${child.name}`;
      if (child.name.startsWith('.')) continue;
      if (child.isDirectory) {
        await walk(child, childPath);
      } else if (child.isFile) {
        try {
          files.push({ file: await new Promise((resolve, reject) => child.file(resolve, reject)), path: childPath });
        } catch (error) {
          problems.push(`${childPath}: the browser could not read this file (${errorText(error)})`);
        }
      }
    }
  };
  for (const source of sources) {
    if (source.file) {
      files.push({ file: source.file, path: source.file.name });
      continue;
    }
    const before = [files.length, problems.length];
    await walk(source.folder, source.folder.name);
    if (files.length === before[0] && problems.length === before[1]) {
      problems.push(`${source.folder.name}: the folder has no files to add`);
    }
  }
  return { files, problems };
}

function render({ model, el }) {
  el.classList.add('modelbox-drop');
  const zone = document.createElement('div');
  zone.className = 'modelbox-drop-zone';
  const heading = document.createElement('div');
  heading.className = 'modelbox-drop-heading';
  const note = document.createElement('div');
  note.className = 'modelbox-drop-note';
  const list = document.createElement('div');
  list.className = 'modelbox-drop-list';
  zone.append(heading, note);
  el.append(zone, list);

  const showTarget = () => {
    heading.textContent = `Drop files here to attach them to ${model.get('target_label')}`;
  };
  showTarget();
  model.on('change:target_label', showTarget);

  const config = pageConfig();
  if (!config) {
    zone.classList.add('modelbox-drop-unavailable');
    note.textContent =
      'This page has no Jupyter server configuration (e.g. VS Code), so files cannot go straight ' +
      'to the registry from here: use the upload button below instead.';
    model.send({ kind: 'no-server', reason: 'no jupyter-config-data on this page' });
    return () => {};
  }
  const api = new RestApi(config);
  note.textContent = 'Files from your computer or from the JupyterLab file browser.';

  const report = (artifacts, errors) => model.send({ kind: 'uploaded', artifacts, errors });

  async function dropDesktopFiles(sources) {
    const { files, problems } = await readDrop(sources);
    const errors = [...problems];
    for (const message of problems) progressRow(list, message, null).finish('skipped', false);
    const artifacts = [];
    for (const dropped of files) {
      const row = progressRow(list, dropped.path, dropped.file.size);
      try {
        artifacts.push(await uploadFile(api, model.get('target_id'), dropped, model.get('chunk_bytes'), row));
      } catch (error) {
        row.finish(errorText(error), false);
        errors.push(`${dropped.path}: ${errorText(error)}`);
      }
    }
    report(artifacts, errors);
  }

  async function dropContents(paths) {
    const row = progressRow(list, paths.join(', '), null);
    row.progress(0, 'copying on the server');
    try {
      const answer = await api.request(
        'POST', `/objects/${encodeURIComponent(model.get('target_id'))}/artifacts-from-contents`, { json: { paths } },
      );
      const sums = answer.artifacts.map((a) => `${a.path} sha256 ${a.checksum.slice(0, 12)}`).join(', ');
      row.finish(`done · ${sums}`, true);
      report(answer.artifacts, []);
    } catch (error) {
      row.finish(String(error.message || error), false);
      report([], [`${paths.join(', ')}: ${error.message || error}`]);
    }
  }

  const highlight = (on) => zone.classList.toggle('modelbox-drop-over', on);
  const onNative = (event) => {
    if (!event.dataTransfer || !Array.from(event.dataTransfer.types || []).includes('Files')) return;
    event.preventDefault();
    event.stopPropagation();
    if (event.type === 'drop') {
      highlight(false);
      void dropDesktopFiles(dropSources(event.dataTransfer));
    } else {
      event.dataTransfer.dropEffect = 'copy';
      highlight(event.type !== 'dragleave');
    }
  };
  const onLumino = (event) => {
    if (!event.mimeData || !event.mimeData.hasData(CONTENTS_MIME)) return;
    event.preventDefault();
    event.stopPropagation();
    if (event.type === 'lm-dragleave') {
      highlight(false);
      return;
    }
    // the file browser offers 'move'; accepting it leaves the files where they are (we copy)
    event.dropAction = event.proposedAction;
    highlight(event.type !== 'lm-drop');
    if (event.type === 'lm-drop') void dropContents(event.mimeData.getData(CONTENTS_MIME));
  };
  const native = ['dragenter', 'dragover', 'dragleave', 'drop'];
  const lumino = ['lm-dragenter', 'lm-dragover', 'lm-dragleave', 'lm-drop'];
  native.forEach((type) => zone.addEventListener(type, onNative));
  lumino.forEach((type) => zone.addEventListener(type, onLumino));
  return () => {
    native.forEach((type) => zone.removeEventListener(type, onNative));
    lumino.forEach((type) => zone.removeEventListener(type, onLumino));
  };
}

export default { render };
