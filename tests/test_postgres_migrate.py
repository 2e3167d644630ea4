"""Moving in: ``modelbox migrate --from FOLDER --to postgresql://...`` copies a populated embedded
registry, verifies every record, and the copy behaves as the original (and round-trips back out).
(Export, import and check on PostgreSQL alone run in test_maintenance through the ``-pg`` transports.)"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from jupyter_modelbox import IntegrityError, ModelBox
from jupyter_modelbox.registry import Registry, open_registry, release_registry
from jupyter_modelbox.registry.migrate import verify_copy

from .helpers.postgres import PostgresCluster
from .test_maintenance import fill, run_cli, snapshot


@pytest.fixture
def db(postgres: PostgresCluster) -> str:
    return postgres.create_database(f"migrate{os.getpid()}_{time.monotonic_ns()}")


def populated(root: Path, files: Path) -> dict[str, object]:
    """A registry folder with models, versions (one deleted), tags moved, metrics, artifacts and a checkpoint."""
    with ModelBox(root=root, lineage=False) as mb:
        fill(mb, files)
        extra = mb.get_model("mnist").new_model_version()
        extra.delete()  # number 3 is gone: the copy must not reuse it
        return snapshot(mb, files / "seen")


def test_migrate_copies_a_populated_registry_and_verifies_every_record(db: str, tmp_path: Path) -> None:
    root, blobs = tmp_path / "embedded", tmp_path / "blobs"
    before = populated(root, tmp_path / "files")
    status, out = run_cli("--json", "migrate", "--from", str(root), "--to", db, "--blob-root", str(blobs))
    assert status == 0, out
    report = json.loads(out)
    assert report["verified"]["models"] == 2 and report["verified"]["versions"] == 3
    assert report["verified"]["blobs"] == 1 and report["verified"]["series_points"] == 1001
    assert report["verified"]["tag_history"] == report["counts"]["tag_history"] >= 2
    assert "postgresql://" in report["to"] and str(root) in report["from"]
    with ModelBox(database_url=db, blob_root=blobs, lineage=False) as shared:
        assert snapshot(shared, tmp_path / "after") == before  # what a user sees, bytes included
        assert shared.get_model("mnist").new_model_version().number == 4  # numbering carries over
        assert [m.name for m in shared.search("metadata.dataset = mnist")] == ["mnist"]
        assert shared.check() == [{"level": "info", "what": "no problems found", "repaired": False}]
        # and back out: an export of the database registry restores into a new folder as it was
        shared.get_model("mnist").get_version(4).delete()
        shared.export_registry(tmp_path / "back.tar")
    with ModelBox(root=tmp_path / "restored", lineage=False) as restored:
        restored.import_registry(tmp_path / "back.tar")
        assert snapshot(restored, tmp_path / "restored-seen") == before
        assert restored.get_model("mnist").new_model_version().number == 5
    with ModelBox(root=root, lineage=False) as original:  # the folder is left as it was
        assert snapshot(original, tmp_path / "original-seen") == before


def test_migrate_refuses_a_database_registry_that_is_not_empty(db: str, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    root, blobs = tmp_path / "embedded", tmp_path / "blobs"
    populated(root, tmp_path / "files")
    with ModelBox(database_url=db, blob_root=blobs, lineage=False) as shared:
        shared.new_model("already-here")
    status, _ = run_cli("migrate", "--from", str(root), "--to", db, "--blob-root", str(blobs))
    assert status == 1 and "is not empty; import into a new registry" in capsys.readouterr().err
    with ModelBox(database_url=db, blob_root=blobs, lineage=False) as shared:
        assert [m.name for m in shared.models()] == ["already-here"]  # nothing half-copied


def test_the_verification_names_a_record_that_differs(db: str, tmp_path: Path, postgres: PostgresCluster) -> None:
    root, blobs = tmp_path / "embedded", tmp_path / "blobs"
    populated(root, tmp_path / "files")
    assert run_cli("migrate", "--from", str(root), "--to", db, "--blob-root", str(blobs))[0] == 0
    dbname = conninfo_to_dict(db)["dbname"]
    postgres.execute("UPDATE modelbox_models SET doc = jsonb_set(doc, '{description}', '\"changed\"') "
                     "WHERE doc->>'name' = 'mnist'", dbname)
    source, target = Registry(root), open_registry(database_url=db, blob_root=blobs)
    try:
        differs = r"the copy of models record \S+ in registry database postgresql://.+ differs"
        with pytest.raises(IntegrityError, match=differs):
            verify_copy(source, target)
        postgres.execute("DELETE FROM modelbox_metric_batches WHERE key = 'loss'", dbname)
        postgres.execute("UPDATE modelbox_models SET doc = jsonb_set(doc, '{description}', '\"digits\"') "
                         "WHERE doc->>'name' = 'mnist'", dbname)
        with pytest.raises(IntegrityError, match="metric series 'loss'"):
            verify_copy(source, target)
    finally:
        source.close()
        release_registry(target)


def test_migrate_usage_errors_say_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("migrate", "--from", str(tmp_path), "--to", "postgresql://x@127.0.0.1:1/db")[0] == 2
    assert "migrate needs --blob-root" in capsys.readouterr().err
    assert run_cli("migrate", "--to", "postgresql://x@127.0.0.1:1/db", "--blob-root", str(tmp_path))[0] == 2
    assert "--from" in capsys.readouterr().err
