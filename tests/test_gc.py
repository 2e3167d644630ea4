"""``gc``: unreferenced blobs go after the grace period, blobs an upload just finished into and uploads in
flight stay, abandoned uploads (and their S3 parts) are aborted. On a folder, PostgreSQL and SeaweedFS."""

from __future__ import annotations

import hashlib
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_modelbox import ModelBox
from jupyter_modelbox.registry import InvalidArgumentError, NotFoundError, Registry, open_registry, release_registry
from jupyter_modelbox.registry.s3 import S3Options

from .conftest import s3_prefix_url


@pytest.mark.parametrize("argument", ["grace_seconds", "upload_timeout_seconds"])
@pytest.mark.parametrize("age", [1.3635561979205503e308, -1.0])
def test_gc_refuses_an_age_it_cannot_turn_into_a_date(mb: ModelBox, argument: str, age: float) -> None:
    with pytest.raises(InvalidArgumentError, match=argument):
        mb.gc(dry_run=True, **{argument: age})


@pytest.mark.blobs
def test_gc_removes_only_unreferenced_blobs_and_dry_run_only_lists(mb: ModelBox, tmp_path: Path) -> None:
    kept, dropped = tmp_path / "kept.bin", tmp_path / "dropped.bin"
    kept.write_bytes(b"kept" * 1000)
    dropped.write_bytes(b"dropped" * 1000)
    version = mb.new_model("m").new_model_version()
    kept_artifact, dropped_artifact = version.upload_artifact([kept, dropped])
    assert mb.gc(grace_seconds=0)["blobs"] == []  # both referenced
    dropped_artifact.delete()
    report = mb.gc(grace_seconds=3600)
    assert report["blobs"] == []  # unreferenced, but stored within the grace period
    report = mb.gc(grace_seconds=0, dry_run=True)
    assert report["dry_run"] and report["blobs"] == [dropped_artifact.checksum] and report["bytes"] == 7000
    report = mb.gc(grace_seconds=0)
    assert report["blobs"] == [dropped_artifact.checksum] and not report["dry_run"]
    assert mb.gc(grace_seconds=0)["blobs"] == []
    assert kept_artifact.download(tmp_path / "out").read_bytes() == kept.read_bytes()


@pytest.fixture(params=["folder", "s3"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    if request.param == "s3":
        request.getfixturevalue("seaweedfs")
        opened = open_registry(tmp_path / "registry", blob_url=s3_prefix_url(), s3=S3Options.from_env())
    else:
        opened = open_registry(tmp_path / "registry")
    yield opened
    release_registry(opened)


def _upload(registry: Registry, data: bytes, finish: bool = True) -> str:
    upload_id = str(registry.start_upload()["upload_id"])
    stream = registry.open_upload_stream(upload_id, 0)
    stream.write(data)
    stream.close()
    if finish:
        registry.finish_upload(upload_id, hashlib.sha256(data).hexdigest())
    return upload_id


def test_a_blob_an_upload_just_finished_into_outlives_the_grace_period(registry: Registry) -> None:
    data = os.urandom(1000)
    _upload(registry, data)  # stored, never recorded
    time.sleep(2.5)  # older than the grace period (S3 keeps times to the second)
    _upload(registry, data)  # the same bytes again: the blob exists, the upload holds it
    report = registry.collect_garbage(grace_seconds=2)
    assert report["blobs"] == [] and report["kept_recent"] == 1
    checksum = hashlib.sha256(data).hexdigest()
    registry.add_artifact(registry.create_model("m")["id"], {"checksum": checksum, "size": 1000}, "w.bin")
    time.sleep(2.5)
    assert registry.collect_garbage(grace_seconds=2)["blobs"] == []  # recorded now


def test_gc_leaves_uploads_in_flight_and_aborts_abandoned_ones(registry: Registry) -> None:
    data = os.urandom(2000)
    in_flight = _upload(registry, data[:1000], finish=False)
    report = registry.collect_garbage(grace_seconds=0)
    assert report["uploads"] == [] and report["blobs"] == []
    stream = registry.open_upload_stream(in_flight, 1000)  # it goes on
    stream.write(data[1000:])
    stream.close()
    assert registry.finish_upload(in_flight, hashlib.sha256(data).hexdigest())["size"] == 2000

    abandoned = _upload(registry, b"x" * 100, finish=False)
    orphan = "0" * 31 + "1"  # staging without a session: a server killed between starting and recording
    registry.blobs.start_upload(orphan)
    time.sleep(1.5)
    assert registry.collect_garbage(grace_seconds=0, upload_timeout_seconds=1, dry_run=True)["uploads"]
    report = registry.collect_garbage(grace_seconds=0, upload_timeout_seconds=1)
    assert f"upload {abandoned}" in report["uploads"] and any(orphan in name for name in report["uploads"])
    with pytest.raises(NotFoundError):
        registry.upload_offset(abandoned)
    assert registry.blobs.stale_staging(0) == []
    with pytest.raises(NotFoundError):
        registry.blobs.open(hashlib.sha256(b"x" * 100).hexdigest())


def test_cli_gc_reports_and_dry_runs(tmp_path: Path) -> None:
    from jupyter_modelbox.cli import main

    box = ModelBox(root=tmp_path / "registry")
    [artifact] = box.new_model("m").upload_artifact([_file(tmp_path, b"gone")])
    artifact.delete()
    box.close()
    root = str(tmp_path / "registry")
    assert main(["--root", root, "--json", "gc", "--dry-run", "--grace", "0"]) == 0
    assert ModelBox(root=root).gc(grace_seconds=0)["blobs"] == [artifact.checksum]


def _file(folder: Path, data: bytes) -> Path:
    path = folder / "f.bin"
    path.write_bytes(data)
    return path


def test_put_stream_leaves_nothing_staged(registry: Registry) -> None:
    registry.blobs.put_stream(io.BytesIO(b"abc"))
    assert registry.blobs.stale_staging(0) == []
