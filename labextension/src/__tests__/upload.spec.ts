import { ModelboxClient } from '../api';
import { uploadArtifact, uploadBytes, sha256Hex, isCancelled } from '../upload';
import { anArtifact, calls, fakeAPI, jsonResponse, settingsWith, type Route } from './fake-server';

/**
 * A fake upload endpoint that keeps the bytes it received; `failPut(n)`
 * decides whether the n-th PUT (0-based) fails, after keeping `keep` bytes.
 */
function uploadServer(failPut: (n: number) => { status: number; keep?: number } | null = () => null) {
  let received = new Uint8Array(0);
  let puts = 0;
  const routes: Route[] = [
    ['POST', /^uploads$/, () => jsonResponse({ upload_id: 'u1', offset: 0 }, 201)],
    [
      'PUT',
      /^uploads\/u1$/,
      async request => {
        const offset = Number(new URL(request.url).searchParams.get('offset'));
        if (offset !== received.length) {
          return jsonResponse({ message: `upload u1 has ${received.length} bytes`, reason: 'ConflictError' }, 409);
        }
        const chunk = new Uint8Array(await request.arrayBuffer());
        const failure = failPut(puts++);
        const kept = failure ? chunk.slice(0, failure.keep ?? 0) : chunk;
        const next = new Uint8Array(received.length + kept.length);
        next.set(received);
        next.set(kept, received.length);
        received = next;
        return failure
          ? jsonResponse({ message: 'disk hiccup', reason: 'InternalError' }, failure.status)
          : jsonResponse({ offset: received.length });
      }
    ],
    ['GET', /^uploads\/u1$/, () => jsonResponse({ offset: received.length })],
    ['DELETE', /^uploads\/u1$/, () => new Response(null, { status: 204 })],
    [
      'POST',
      /^uploads\/u1\/finish$/,
      async request => {
        const { checksum } = (await request.json()) as { checksum: string };
        return jsonResponse({ checksum, size: received.length });
      }
    ],
    [
      'POST',
      /^objects\/v1\/artifacts$/,
      async request => jsonResponse(anArtifact(await request.json()), 201)
    ]
  ];
  const fetch = fakeAPI(routes);
  return { fetch, client: new ModelboxClient(settingsWith(fetch)), received: () => received };
}

const BYTES = new Uint8Array(Array.from({ length: 10 }, (_, i) => i));
const fakeDigest = async (): Promise<string> => 'c0ffee';

describe('uploadBytes', () => {
  it('sends the bytes in chunks and finishes with the checksum', async () => {
    const server = uploadServer();
    const progress: [number, number][] = [];

    const blob = await uploadBytes(server.client, new Blob([BYTES]), {
      chunkBytes: 4,
      digest: fakeDigest,
      onProgress: (sent, total) => progress.push([sent, total])
    });

    expect(calls(server.fetch)).toEqual([
      'POST uploads',
      'PUT uploads/u1?offset=0',
      'PUT uploads/u1?offset=4',
      'PUT uploads/u1?offset=8',
      'POST uploads/u1/finish'
    ]);
    expect(Array.from(server.received())).toEqual(Array.from(BYTES));
    expect(progress).toEqual([
      [0, 10],
      [4, 10],
      [8, 10],
      [10, 10]
    ]);
    expect(blob).toEqual({ checksum: 'c0ffee', size: 10 });
  });

  it('resumes at the offset the server reports after a failed chunk', async () => {
    // the second PUT fails after the server kept 1 of its 4 bytes
    const server = uploadServer(n => (n === 1 ? { status: 500, keep: 1 } : null));

    await uploadBytes(server.client, new Blob([BYTES]), { chunkBytes: 4, digest: fakeDigest, retryDelayMs: 1 });

    expect(calls(server.fetch)).toEqual([
      'POST uploads',
      'PUT uploads/u1?offset=0',
      'PUT uploads/u1?offset=4',
      'GET uploads/u1',
      'PUT uploads/u1?offset=5',
      'PUT uploads/u1?offset=9',
      'POST uploads/u1/finish'
    ]);
    expect(Array.from(server.received())).toEqual(Array.from(BYTES));
  });

  it('gives up after the retries, deletes the upload and says why', async () => {
    const server = uploadServer(() => ({ status: 503 }));

    const upload = uploadBytes(server.client, new Blob([BYTES]), {
      chunkBytes: 4,
      digest: fakeDigest,
      retries: 2,
      retryDelayMs: 1
    });

    await expect(upload).rejects.toMatchObject({ status: 503, message: 'disk hiccup' });
    const made = calls(server.fetch);
    expect(made.filter(c => c.startsWith('PUT'))).toHaveLength(3);
    expect(made[made.length - 1]).toBe('DELETE uploads/u1');
  });

  it('does not retry a refused chunk (4xx other than an offset conflict)', async () => {
    const server = uploadServer(() => ({ status: 413 }));

    await expect(
      uploadBytes(server.client, new Blob([BYTES]), { chunkBytes: 4, digest: fakeDigest, retryDelayMs: 1 })
    ).rejects.toMatchObject({ status: 413 });
    expect(calls(server.fetch).filter(c => c.startsWith('PUT'))).toHaveLength(1);
  });

  it('cancels: stops sending and deletes the upload', async () => {
    const server = uploadServer();
    const abort = new AbortController();

    const upload = uploadBytes(server.client, new Blob([BYTES]), {
      chunkBytes: 4,
      digest: fakeDigest,
      signal: abort.signal,
      onProgress: sent => sent >= 4 && abort.abort()
    });

    const error = await upload.catch(e => e);
    expect(isCancelled(error)).toBe(true);
    expect(calls(server.fetch)).toEqual([
      'POST uploads',
      'PUT uploads/u1?offset=0',
      'DELETE uploads/u1'
    ]);
  });

  it('fails clearly when the checksum cannot be computed', async () => {
    const server = uploadServer();

    await expect(
      uploadBytes(server.client, new Blob([BYTES]), {
        digest: () => Promise.reject(new Error('no Web Crypto here'))
      })
    ).rejects.toThrow('no Web Crypto here');
    expect(calls(server.fetch)).toContain('DELETE uploads/u1');
  });
});

describe('uploadArtifact', () => {
  it('records the upload at the given path with checksum and size', async () => {
    const server = uploadServer();

    const file = new File([BYTES], 'weights.bin');
    const artifact = await uploadArtifact(server.client, 'v1', file, 'run/weights.bin', {
      digest: fakeDigest
    });

    expect(calls(server.fetch).pop()).toBe('POST objects/v1/artifacts');
    // the fake server echoes the record it was sent
    expect(artifact).toMatchObject({ path: 'run/weights.bin', checksum: 'c0ffee', size: 10 });
  });
});

describe('sha256Hex', () => {
  it('hashes a short input', async () => {
    await expect(sha256Hex(new Blob(['abc']))).resolves.toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    );
    await expect(sha256Hex(new Blob([]))).resolves.toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    );
  });

  it('streams a multi-chunk file to the known digest', async () => {
    // the FIPS 180-2 test vector: one million 'a', read in 1000 slices of 1000
    // bytes (not a multiple of SHA-256's 64-byte block)
    const million = new Blob([new Uint8Array(1_000_000).fill(0x61)]);
    const read = jest.spyOn(million, 'slice');

    await expect(sha256Hex(million, undefined, 1000)).resolves.toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'
    );
    expect(read).toHaveBeenCalledTimes(1000);
  });

  it('needs no Web Crypto (plain-http pages) and reads at most a slice at a time', async () => {
    const crypto = Object.getOwnPropertyDescriptor(window, 'crypto');
    Object.defineProperty(window, 'crypto', { value: undefined, configurable: true });
    try {
      // 9 MiB + 3 bytes: three default slices of 4 MiB, the last one short
      const bytes = new Uint8Array(9 * 1024 * 1024 + 3).map((_, i) => (i * 31) % 251);
      // python3 -c "import hashlib; print(hashlib.sha256(bytes((i*31)%251 for i in range(9*2**20+3))).hexdigest())"
      const expected = 'eb7a97d4ed84298b20afe3e67a0f1ea24e621a0b3dab1f0f3f1dc6d0b7d85a94';
      const file = new File([bytes], 'weights.bin');
      const sizes: number[] = [];
      const slice = file.slice.bind(file);
      jest.spyOn(file, 'slice').mockImplementation((start?: number, end?: number) => {
        sizes.push((end ?? file.size) - (start ?? 0));
        return slice(start, end);
      });

      await expect(sha256Hex(file)).resolves.toBe(expected);
      expect(sizes).toEqual([4 * 1024 * 1024, 4 * 1024 * 1024, 1024 * 1024 + 3]);
    } finally {
      Object.defineProperty(window, 'crypto', crypto as PropertyDescriptor);
    }
  });

  it('stops reading when the upload is cancelled', async () => {
    const abort = new AbortController();
    abort.abort();
    const error = await sha256Hex(new Blob(['abcdef']), abort.signal, 2).catch(e => e);
    expect(isCancelled(error)).toBe(true);
  });

  it('is what uploads send as the checksum by default', async () => {
    const server = uploadServer();

    const blob = await uploadBytes(server.client, new Blob([BYTES]), { chunkBytes: 4 });

    // sha256(bytes(range(10)))
    expect(blob.checksum).toBe('1f825aa2f0020ef7cf91dfa30da4668d791c5d4824fc8e41354b89ec05795ab3');
  });
});
