"""One of several processes writing the same model of a PostgreSQL registry at once (see test_postgres,
test_team).

    python -m helpers.pg_writer postgresql://... BLOB_ROOT WRITER COUNT   (the database, in-process)
    python -m helpers.pg_writer http://... TOKEN WRITER COUNT             (through a Jupyter server)

Each round creates a version, merges a key of its own into the model's metadata and moves the
``production`` tag to its version; prints one JSON line of what was acknowledged.
"""

from __future__ import annotations

import json
import sys

from jupyter_modelbox import ModelBox


def main() -> None:
    where, second, writer, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    numbers, merged = [], []
    opened = (ModelBox(url=where, token=second) if where.startswith("http") else
              ModelBox(database_url=where, blob_root=second, lineage=False))
    with opened as mb:
        model = mb.get_model("shared")
        for i in range(count):
            version = model.new_model_version(metadata={"writer": writer})
            numbers.append(version.number)
            key = f"{writer}-{i}"
            model.add_metadata({key: i})
            merged.append(key)
            version.add_tag("production", move=True)
    print(json.dumps({"numbers": numbers, "merged": merged}))


if __name__ == "__main__":
    main()
