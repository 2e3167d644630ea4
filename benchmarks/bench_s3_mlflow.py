"""MLflow's proxied artifact upload into S3: ``mlflow server --artifacts-destination s3://...`` on loopback.

Run by ``bench_s3`` with ``benchmarks/.venv-mlflow`` (mlflow and boto3), the store's endpoint in
``$MLFLOW_S3_ENDPOINT_URL`` and its credentials in the AWS variables:
``python -m benchmarks.bench_s3_mlflow WORKDIR SIZE REPEATS s3://bucket/prefix``. Prints the figures as JSON.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from mlflow import MlflowClient

from .bench_rest_mlflow import mlflow_artifact_figures
from .rest_common import Server, free_port


def main() -> None:
    workdir, size, repeats, destination = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    port = free_port()
    args = [str(Path(sys.executable).parent / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
            "--backend-store-uri", f"sqlite:///{workdir / 'mlflow.db'}", "--artifacts-destination", destination,
            "--serve-artifacts"]
    url = f"http://127.0.0.1:{port}"
    with Server(args, f"{url}/health", workdir / "mlflow.log") as server:
        client = MlflowClient(tracking_uri=url)
        figures = mlflow_artifact_figures(client, client.create_experiment("bench"), workdir, size, repeats,
                                          server.pid)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
