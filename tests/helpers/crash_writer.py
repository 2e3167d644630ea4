"""A writer that announces every acknowledged write on stdout; the crash tests kill it with -9.

Usage: python crash_writer.py ROOT SEED
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

from jupyter_modelbox import ModelBox


def main(root: str, seed: int) -> None:
    rng = random.Random(seed)
    mb = ModelBox(root=root)
    model = mb.new_model(f"crash-{seed}", exist_ok=True)
    scratch = Path(tempfile.mkdtemp())
    for i in range(100_000):
        action = rng.choice(["version", "metadata", "metrics", "artifact"])
        if action == "version":
            version = model.new_model_version(metadata={"i": i})
            print(f"version {version.number} {version.id}", flush=True)
        elif action == "metadata":
            model.add_metadata({f"k{i}": i})
            print(f"metadata k{i}", flush=True)
        elif action == "metrics":
            model.log_metrics({"loss": float(i)}, step=i)
            mb.flush()
            print(f"metric {i}", flush=True)
        else:
            source = scratch / f"file{i}.bin"
            source.write_bytes(rng.randbytes(rng.randint(1, 200_000)))
            [artifact] = model.upload_artifact([source])
            print(f"artifact {artifact.path} {artifact.checksum}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
