"""A client process that works a shared model through a Jupyter server and prints each acknowledged write.

Usage: python busy_client.py URL TOKEN CLIENT_ID OPERATIONS SEED
Stops at the first error (the crash tests kill the server under it).
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

from jupyter_modelbox import ModelBox, ModelBoxError


def main(url: str, token: str, client: str, operations: int, seed: int) -> None:
    rng = random.Random(seed)
    scratch = Path(tempfile.mkdtemp())
    with ModelBox(url=url, token=token) as mb:
        model = mb.new_model("shared", exist_ok=True)
        for i in range(operations):
            action = rng.choice(["version", "metadata", "metrics", "artifact", "tag"])
            try:
                if action == "version":
                    version = model.new_model_version(metadata={"client": client, "i": i})
                    print(f"version {version.number} {version.id}", flush=True)
                elif action == "metadata":
                    model.add_metadata({f"{client}-{i}": i})
                    print(f"metadata {client}-{i}", flush=True)
                elif action == "metrics":
                    model.log_metrics({f"loss-{client}": float(i)}, step=i)
                    mb.flush()
                    print(f"metric {client} {i}", flush=True)
                elif action == "artifact":
                    source = scratch / f"{client}-{i}.bin"
                    source.write_bytes(rng.randbytes(rng.randint(1, 300_000)))
                    [artifact] = model.upload_artifact([source])
                    print(f"artifact {artifact.path} {artifact.checksum}", flush=True)
                else:
                    latest = model.get_version()
                    if latest is not None:
                        latest.add_tag("production", move=True)
                        print(f"tag {latest.number}", flush=True)
            except ModelBoxError as error:
                print(f"stopped {type(error).__name__}: {error}", flush=True)
                return


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
