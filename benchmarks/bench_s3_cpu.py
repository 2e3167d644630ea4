"""Where the time of an S3 upload and download goes: CPU seconds per process, ours beside boto3.

One upload and one download of a file of random bytes (1 GiB; ``--quick``: 128 MB) by boto3's own
``upload_file``/``download_file`` and by ours through a Jupyter server's REST API, to one SeaweedFS on
127.0.0.1. Around each, the CPU time (user + system) of this process (the client), SeaweedFS and our
server is read from ``/proc``: on 2 shared CPUs, the CPU each tool needs in all decides its speed.

``.venv/bin/python -m benchmarks.bench_s3_cpu [--quick]``; prints JSON with the load average.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_modelbox import ModelBox
from tests.helpers.jupyter import JupyterServer
from tests.helpers.seaweedfs import SeaweedFS, credentials_env

from .common import progress
from .rest_common import MB, random_file

BUCKET = "bench"


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measured(operation: Callable[[], Any], size: int, pids: dict[str, int]) -> dict[str, float]:
    before, client, started = {name: process_cpu(pid) for name, pid in pids.items()}, own_cpu(), time.monotonic()
    operation()
    wall = time.monotonic() - started
    cpu = {f"{name}_cpu_s": round(process_cpu(pid) - before[name], 2) for name, pid in pids.items()}
    return {"mb_s": round(size / MB / wall, 1), "wall_s": round(wall, 2), "client_cpu_s": round(own_cpu() - client, 2),
            **cpu}


def main() -> None:
    size = 128 * 1024 * 1024 if "--quick" in sys.argv else 1024 * 1024 * 1024
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="modelbox-bench-s3-cpu-") as scratch:
        workdir = Path(scratch)
        store = SeaweedFS(workdir / "seaweedfs").start()
        try:
            store.create_bucket(BUCKET)
            source = random_file(workdir / "artifact.bin", size)
            assert store.process is not None
            pids = {"seaweedfs": store.process.pid}
            s3 = store.client()
            progress("boto3: upload and download")
            figures["boto3_upload"] = measured(lambda: s3.upload_file(str(source), BUCKET, "boto3"), size, pids)
            figures["boto3_download"] = measured(
                lambda: s3.download_file(BUCKET, "boto3", str(workdir / "boto3.bin")), size, pids)
            (workdir / "boto3.bin").unlink()
            server = JupyterServer(workdir / "jupyter", blob_url=f"s3://{BUCKET}/modelbox", extra_args=(
                f"--ModelboxApp.s3_endpoint_url={store.endpoint_url}", "--ModelboxApp.s3_addressing_style=path"),
                env=credentials_env(store.folder)).start()
            try:
                assert server.process is not None
                pids["server"] = server.process.pid
                box = ModelBox(url=server.url, token=server.token)
                version = box.new_model("bench").new_model_version()
                uploaded: list[Any] = []
                progress("jupyter_modelbox: upload and download")
                figures["ours_upload"] = measured(lambda: uploaded.extend(version.upload_artifact([source])),
                                                  size, pids)
                figures["ours_download"] = measured(lambda: uploaded[0].download(workdir / "ours.bin"), size, pids)
                box.close()
            finally:
                server.stop()
        finally:
            store.remove()
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps({"size_mb": size / MB, "loadavg": load, "figures": figures}, indent=2))


if __name__ == "__main__":
    main()
