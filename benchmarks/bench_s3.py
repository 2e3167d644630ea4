"""Artifact bytes into S3 (a real SeaweedFS on loopback), side by side in one run:

- ours: ``upload_artifact`` / ``download`` through a Jupyter server's REST API, bytes in the bucket;
- boto3's own ``upload_file`` / ``download_file`` (its transfer manager, 10 threads) to the same bucket;
- MLflow's proxied artifacts (``mlflow server --artifacts-destination s3://...``) to the same store,
  from ``benchmarks/.venv-mlflow`` (``bash benchmarks/run.sh`` makes it; add boto3 to it) when present.

``.venv/bin/python -m benchmarks.bench_s3 [--quick] [--no-mlflow]`` (1 GiB, 2 runs each; quick: 128 MB, 1 run).
Prints the figures and ratios as JSON with the load average; RSS growth is the server's peak.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_modelbox import ModelBox
from tests.helpers.jupyter import JupyterServer
from tests.helpers.seaweedfs import SeaweedFS, credentials_env

from .common import progress
from .rest_common import MB, artifact_figures

BUCKET = "bench"
PEER = Path(__file__).parent / ".venv-mlflow" / "bin" / "python"


def boto3_figures(store: SeaweedFS, workdir: Path, size: int, repeats: int) -> dict[str, float]:
    s3 = store.client()

    def upload(path: Path) -> str:
        key = f"boto3/{os.urandom(6).hex()}"
        s3.upload_file(str(path), BUCKET, key)
        return key

    def download(key: str, folder: Path) -> Path:
        target = folder / "boto3.bin"
        s3.download_file(BUCKET, key, str(target))
        return target

    return artifact_figures("boto3", workdir / "boto3", size, repeats, store.process.pid,  # type: ignore[union-attr]
                            upload, download)


def modelbox_figures(store: SeaweedFS, workdir: Path, size: int, repeats: int) -> dict[str, float]:
    server = JupyterServer(workdir / "jupyter", blob_url=f"s3://{BUCKET}/modelbox", extra_args=(
        f"--ModelboxApp.s3_endpoint_url={store.endpoint_url}", "--ModelboxApp.s3_addressing_style=path"),
        env=credentials_env(store.folder)).start()
    try:
        box = ModelBox(url=server.url, token=server.token)
        version = box.new_model("bench").new_model_version()

        def upload(path: Path) -> Any:
            return version.upload_artifact([path])[0]

        def download(artifact: Any, folder: Path) -> Path:
            return artifact.download(folder / "modelbox.bin")  # type: ignore[no-any-return]

        assert server.process is not None
        figures = artifact_figures("jupyter_modelbox", workdir / "modelbox", size, repeats, server.process.pid,
                                   upload, download)
        box.close()
        return figures
    finally:
        server.stop()


def mlflow_figures(store: SeaweedFS, workdir: Path, size: int, repeats: int) -> dict[str, float] | None:
    if not PEER.exists() or "--no-mlflow" in sys.argv:
        progress("MLflow: no benchmarks/.venv-mlflow, skipped")
        return None
    env = {**os.environ, **credentials_env(store.folder), "MLFLOW_S3_ENDPOINT_URL": store.endpoint_url}
    answer = subprocess.run([str(PEER), "-m", "benchmarks.bench_s3_mlflow", str(workdir / "mlflow"), str(size),
                             str(repeats), f"s3://{BUCKET}/mlflow"], env=env, capture_output=True, text=True,
                            cwd=Path(__file__).parent.parent, timeout=3600)
    sys.stderr.write(answer.stderr[-3000:])
    if answer.returncode != 0:
        progress(f"MLflow failed ({answer.returncode}), skipped")
        return None
    return json.loads(answer.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    quick = "--quick" in sys.argv
    size, repeats = (128 * 1024 * 1024, 1) if quick else (1024 * 1024 * 1024, 2)
    with tempfile.TemporaryDirectory(prefix="modelbox-bench-s3-") as scratch:
        workdir = Path(scratch)
        store = SeaweedFS(workdir / "seaweedfs").start()
        try:
            store.create_bucket(BUCKET)
            for name in ("boto3", "modelbox", "mlflow"):
                (workdir / name).mkdir()
            results = {"boto3": boto3_figures(store, workdir, size, repeats),
                       "jupyter_modelbox": modelbox_figures(store, workdir, size, repeats),
                       "mlflow": mlflow_figures(store, workdir, size, repeats)}
        finally:
            store.remove()
    ours, peer = results["jupyter_modelbox"], results["boto3"]
    assert ours is not None and peer is not None
    ratios = {"upload_pct_boto3": 100 * ours["upload_mb_s"] / peer["upload_mb_s"],
              "download_pct_boto3": 100 * ours["download_mb_s"] / peer["download_mb_s"]}
    if results["mlflow"]:
        ratios |= {"upload_x_mlflow": ours["upload_mb_s"] / results["mlflow"]["upload_mb_s"],
                   "download_x_mlflow": ours["download_mb_s"] / results["mlflow"]["download_mb_s"]}
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps({"size_mb": size / MB, "repeats": repeats, "loadavg": load, "results": results,
                      "ratios": ratios}, indent=2))


if __name__ == "__main__":
    main()
