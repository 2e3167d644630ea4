"""A TCP proxy on loopback that cuts one connection mid-request: a real dropped connection for clients."""

from __future__ import annotations

import contextlib
import socket
import threading


class CuttingProxy:
    """Forwards 127.0.0.1:<port> to ``target_port``; the first connection to send more than ``cut_after``
    bytes upstream is closed at that point (both sides), once. ``upstream_bytes`` counts what it forwarded.
    """

    def __init__(self, target_port: int, cut_after: int) -> None:
        self.target_port = target_port
        self.cut_after = cut_after
        self.cuts = 0
        self.upstream_bytes = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
            threading.Thread(target=self._pump_up, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    def _pump_up(self, client: socket.socket, server: socket.socket) -> None:
        sent = 0
        try:
            while data := client.recv(256 * 1024):
                with self._lock:
                    cut = self.cuts == 0 and sent + len(data) > self.cut_after
                    if cut:
                        self.cuts += 1
                        data = data[: self.cut_after - sent]
                    self.upstream_bytes += len(data)
                server.sendall(data)
                sent += len(data)
                if cut:
                    break
        except OSError:
            pass
        for end in (client, server):
            _close(end)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(256 * 1024):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            _close(end)

    def close(self) -> None:
        self._closed = True
        _close(self._listener)

    def __enter__(self) -> CuttingProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _close(end: socket.socket) -> None:
    with contextlib.suppress(OSError):
        end.shutdown(socket.SHUT_RDWR)
    end.close()
