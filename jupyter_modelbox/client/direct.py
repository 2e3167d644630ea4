"""Large artifacts read straight from the object store, by a short-lived URL the Jupyter server signs.

With the bytes in S3, a download through the server costs every byte a hop through it: about twice the
CPU of reading the store directly (README, "Artifacts in object storage (S3)"). The server hands out a presigned
URL (``GET /artifacts/{id}/url``), the client reads ranges from the store with it, and still verifies
the sha256 of the record. Where the store does not answer this client (it sits on the server's private
network), the range is read through the server instead, and so is every later download of the client.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import urlsplit

import requests
import urllib3

from ..registry.errors import IntegrityError, ServerUnavailableError

CONNECT_SECONDS = 5.0  # a store this client cannot reach should cost little before the fallback


class Unreachable(Exception):
    """The store did not serve a range to this client (why: the message); the server can."""


def checked_range(data: bytes, status: int, content_range: str, what: str, size: int, start: int, end: int) -> bytes:
    """``data`` if it is bytes ``start`` to ``end`` of an object of ``size`` bytes, as a 206 answer says."""
    stored = content_range.rpartition("/")[2]
    if status == 206 and stored.isdigit() and int(stored) != size:
        raise IntegrityError(f"{what} has {stored} bytes in storage, but it was recorded with {size}: the stored "
                             "bytes were changed; nothing was written")
    if status != 206 or len(data) != end - start:
        raise ServerUnavailableError(f"{len(data)} bytes of {what} arrived for bytes {start}-{end - 1} "
                                     f"(HTTP {status}); nothing was written")
    return data


class DirectSource:
    """Ranges of one artifact from its presigned ``url``; ``sign`` asks the server for a fresh URL (one
    that expired mid-download), ``via_server`` reads a range through the server."""

    def __init__(self, http: requests.Session, url: str, sign: Callable[[], str | None],
                 via_server: Callable[[int, int], bytes], what: str, size: int, timeout: float) -> None:
        self._http, self._url, self._sign, self._via_server = http, url, sign, via_server
        self._what, self._size, self._timeout = what, size, timeout
        self._lock = threading.Lock()
        self.unreachable: str | None = None  # why the store did not serve this client, once it did not

    def fetch(self, start: int, end: int) -> bytes:
        if self.unreachable is None:
            try:
                return self._direct(start, end)
            except Unreachable as why:
                self.unreachable = str(why)
        return self._via_server(start, end)

    def _direct(self, start: int, end: int) -> bytes:
        url = self._url
        for attempt in (1, 2):
            try:
                response = self._http.get(url, headers={"Range": f"bytes={start}-{end - 1}"}, stream=True,
                                          timeout=(CONNECT_SECONDS, self._timeout))
            except requests.RequestException as exc:
                signature = urlsplit(url).query  # a short-lived credential: kept out of messages and logs
                raise Unreachable(f"{type(exc).__name__}: {str(exc).replace(signature, '…') if signature else exc}"
                                  ) from None
            with response:
                if response.status_code == 403 and attempt == 1:  # the URL expired: the server signs another
                    url = self._fresh(url)
                    continue
                if response.status_code != 206:
                    raise Unreachable(f"HTTP {response.status_code} from the store")
                try:
                    data = response.raw.read(end - start)
                except (urllib3.exceptions.HTTPError, OSError) as exc:
                    raise Unreachable(f"the store broke off ({type(exc).__name__})") from None
                return checked_range(data, 206, response.headers.get("Content-Range", ""), self._what, self._size,
                                     start, end)
        raise Unreachable("the store refused a freshly signed URL (HTTP 403)")

    def _fresh(self, expired: str) -> str:
        with self._lock:
            if self._url == expired:
                url = self._sign()
                if url is None:
                    raise Unreachable("the server no longer hands out URLs for it")
                self._url = url
            return self._url
