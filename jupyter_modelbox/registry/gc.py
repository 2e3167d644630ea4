"""``gc``: remove artifact bytes that no record references, and uploads abandoned long ago.

Blobs are content-addressed and shared, so a blob loses its last reference when the last artifact
holding those bytes is deleted; nothing removes it then (the bytes may be about to be referenced
again). ``gc`` removes a blob only when all of these hold:

- no artifact record references it;
- it was stored longer ago than the grace period;
- no upload finished into it within the grace period (a finished upload "holds" its blob in the
  ``uploads`` table until then: the client records the artifact right after finishing, so a blob
  that already existed, unreferenced, cannot vanish between the upload and the record).

An upload in flight writes to its own staging (a file, or an S3 multipart upload), never to a blob,
so it is untouched; sessions idle for longer than the upload timeout are aborted, and staging that
belongs to no session (a crash between starting an upload and recording it) is removed.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .facade import Registry

DEFAULT_GRACE_SECONDS = 24 * 3600.0
DEFAULT_UPLOAD_TIMEOUT_SECONDS = 24 * 3600.0
MAX_AGE_SECONDS = 100 * 365 * 24 * 3600.0  # ages beyond a century cannot be turned into dates


def checked_age(name: str, seconds: float) -> float:
    """``seconds`` as an age gc can compare dates with, else an error naming the argument."""
    from .errors import InvalidArgumentError

    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds) \
            or not 0 <= seconds <= MAX_AGE_SECONDS:
        raise InvalidArgumentError(f"{name} must be a number of seconds from 0 to {MAX_AGE_SECONDS:.0f}, "
                                   f"not {seconds!r}")
    return float(seconds)


def _iso(unix_time: float) -> str:
    return datetime.fromtimestamp(unix_time, UTC).isoformat(timespec="microseconds")


def collect_garbage(registry: Registry, grace_seconds: float = DEFAULT_GRACE_SECONDS,
                    dry_run: bool = False) -> dict[str, Any]:
    """Remove (or with ``dry_run`` only list) the unreferenced blobs older than the grace period."""
    cutoff = time.time() - max(0.0, grace_seconds)
    old = [blob for blob in registry.blobs.list_blobs() if blob.stored_at < cutoff]  # outside the operation: slow
    docs = registry.docs
    with registry.backend.operation():
        referenced = {doc["checksum"] for doc in docs.scan("artifacts") if not doc["tracked"]}
        holds = [doc for doc in docs.scan("uploads") if doc.get("finished")]
        held = {doc["finished"] for doc in holds if doc["created_at"] >= _iso(cutoff)}
        if not dry_run:
            with docs.transaction():
                for doc in holds:
                    if doc["finished"] not in held:
                        docs.delete("uploads", doc["id"])
    garbage = [blob for blob in old if blob.checksum not in referenced and blob.checksum not in held]
    if not dry_run:
        for blob in garbage:
            registry.blobs.remove(blob.checksum)
    return {"dry_run": dry_run, "grace_seconds": grace_seconds, "blobs": [blob.checksum for blob in garbage],
            "bytes": sum(blob.size for blob in garbage), "kept_recent": sum(1 for b in old if b.checksum in held)}


def abort_abandoned_uploads(registry: Registry, idle_seconds: float, dry_run: bool = False) -> list[str]:
    """Abort upload sessions idle for longer than ``idle_seconds`` and staging that belongs to no session;
    what was (or would be) removed."""
    cutoff = _iso(time.time() - idle_seconds)
    expired = _iso(time.time() - max(idle_seconds, DEFAULT_GRACE_SECONDS))  # holds no gc needs any more
    docs, blobs = registry.docs, registry.blobs
    with registry.backend.operation():
        sessions = [doc for doc in docs.scan("uploads") if not doc.get("finished")]
        old_holds = [doc["id"] for doc in docs.scan("uploads") if doc.get("finished") and doc["created_at"] < expired]
        if old_holds and not dry_run:
            with docs.transaction():
                for hold in old_holds:
                    docs.delete("uploads", hold)
    idle = [doc for doc in sessions if (doc.get("touched_at") or doc["created_at"]) < cutoff]
    live = [doc["id"] for doc in sessions if doc not in idle]
    removed = [f"upload {doc['id']}" for doc in idle]
    stale = blobs.stale_staging(idle_seconds, keep=live + [doc["id"] for doc in idle],
                                keep_states=[doc["state"] for doc in sessions])
    if dry_run:
        return removed + stale
    for doc in idle:
        blobs.cancel_upload(doc["id"], doc["state"])
        with registry.backend.operation(), docs.transaction():
            docs.delete("uploads", doc["id"])
    for name in stale:
        blobs.remove_staging(name)
    return removed + stale
