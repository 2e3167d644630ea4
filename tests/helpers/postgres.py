"""A throwaway PostgreSQL cluster for tests: Debian's server binaries, run as the ``postgres`` user.

``initdb`` and ``pg_ctl`` refuse to run as root, so as root they run through ``runuser -u postgres``
in a folder that user owns. The server listens on a unix socket in that folder and on a loopback
port; it is stopped by its PID. ``reset(db)`` empties every registry table of a database (one
TRUNCATE, a few milliseconds), which is how each test gets a clean registry.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from .jupyter import free_port

HBA = """\
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
"""


def server_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PostgresCluster:
    def __init__(self, durable: bool = False) -> None:
        self.durable = durable  # fsync and synchronous commit as shipped (benchmarks), else off (tests)
        bin_dir = server_bin()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed: ./dev.sh installs Debian's postgresql with apt")
        self.bin = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="modelbox-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.pid: int | None = None
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")

    def _run(self, *args: str, timeout: float = 60.0) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> PostgresCluster:
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                      "--locale=C.UTF-8", "--no-sync")
            (self.data / "pg_hba.conf").write_text(HBA)
            with open(self.data / "postgresql.conf", "a") as conf:
                # a test cluster: small, quiet, and no fsync wait (the registry's own durability is tested on files)
                if not self.durable:
                    conf.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
                conf.write("shared_buffers = 64MB\nmax_connections = 200\nlog_min_messages = warning\n")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l", str(self.folder / "server.log"),
                  "-o", options, "start")
        self.pid = int((self.data / "postmaster.pid").read_text().split()[0])
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown by PID (SIGINT), waiting until the process is gone."""
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGINT)
        except ProcessLookupError:
            self.pid = None
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            os.kill(self.pid, signal.SIGKILL)
        self.pid = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- databases -----------------------------------------------------------------------------

    def url(self, dbname: str = "postgres", user: str = "postgres", password: str | None = None,
            tcp: bool = False) -> str:
        secret = f":{password}" if password else ""
        if tcp:
            return f"postgresql://{user}{secret}@127.0.0.1:{self.port}/{dbname}"
        return f"postgresql://{user}{secret}@/{dbname}?host={self.folder}&port={self.port}"

    def execute(self, statement: str, dbname: str = "postgres") -> None:
        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]  (test-only constant SQL)

    def create_database(self, dbname: str) -> str:
        self.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        self.execute(f'CREATE DATABASE "{dbname}"')
        return self.url(dbname)

    def reset(self, dbname: str) -> None:
        empty_registry(self.url(dbname))


def empty_registry(url: str) -> None:
    """Empty every registry table of the database (keeping the schema), as a fresh registry would be."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'modelbox\\_%' "
            "AND tablename <> 'modelbox_schema'")]
        if tables:
            conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")  # type: ignore[arg-type]
            conn.execute("ALTER SEQUENCE modelbox_event_seq RESTART")
