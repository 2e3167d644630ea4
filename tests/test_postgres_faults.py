"""The buffered metric logger while the team registry's database restarts: it keeps the points and
retries (saying so), the training loop goes on, and if the database stays away too long it gives up
and says how many points were lost."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_modelbox import DatabaseUnavailableError, ModelBox

from .helpers.postgres import PostgresCluster


@pytest.fixture
def own_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster().start()  # a cluster of its own: these tests stop it
    try:
        yield cluster
    finally:
        cluster.remove()


def flushed_within(mb: ModelBox, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            mb.flush()
            return True
        except DatabaseUnavailableError:
            time.sleep(0.5)
    return False


def test_buffered_metrics_survive_a_database_restart(own_cluster: PostgresCluster, tmp_path: Path,
                                                     capfd: pytest.CaptureFixture[str]) -> None:
    url = own_cluster.create_database("metrics")
    with ModelBox(database_url=url, blob_root=tmp_path / "blobs", lineage=False) as mb:
        version = mb.new_model("m").new_model_version()
        for step in range(100):
            version.log_metrics({"loss": float(step)}, step=step)
        mb.flush()
        own_cluster.stop()
        started = time.monotonic()
        for step in range(100, 200):  # the loop is not interrupted while the database is away
            version.log_metrics({"loss": float(step)}, step=step)
            time.sleep(0.03)  # a training step; the background sends fail meanwhile
        assert time.monotonic() - started < 4.5  # log_metrics never waited for the database (5 s pool timeout)
        with pytest.raises(DatabaseUnavailableError, match="registry database postgresql://"):
            mb.flush()  # an explicit flush says the registry is away; the points stay buffered
        own_cluster.start()
        assert flushed_within(mb, 60)
        assert version.metrics("loss")["value"].tolist() == [float(step) for step in range(200)]
    err = capfd.readouterr().err
    assert "the registry is unreachable" in err and "buffered metrics are kept and retried for up to 600 s" in err
    assert "the registry is reachable again; buffered metrics were sent" in err


def test_the_buffer_gives_up_after_retry_for_and_says_how_many_points_were_lost(
        own_cluster: PostgresCluster, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    url = own_cluster.create_database("metrics")
    with ModelBox(database_url=url, blob_root=tmp_path / "blobs", lineage=False) as mb:
        version = mb.new_model("m").new_model_version()
        mb._metrics.retry_for = 2.0
        own_cluster.stop()
        for step in range(10):
            version.log_metrics({"loss": float(step), "acc": 0.5}, step=step)
        deadline, failure = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            try:
                mb.flush()
            except DatabaseUnavailableError as exc:
                if "gave up" in exc.message:
                    failure = exc
                    break
            time.sleep(0.5)
        assert failure is not None
        assert "20 point(s)" in failure.message and "were not saved: gave up after retrying for" in failure.message
        assert "registry database postgresql://" in failure.message
        version.log_metrics({"loss": 9.5}, step=10)  # logged after the give-up: a retry window of its own
        with pytest.raises(DatabaseUnavailableError) as kept:
            mb.flush()
        assert "gave up" not in kept.value.message
        mb._metrics.retry_for = 60.0  # the restart below must not cost this point its window
        own_cluster.start()
        assert flushed_within(mb, 60)
        assert version.metrics("loss")["value"].tolist() == [9.5]  # the lost points were dropped, once
    err = capfd.readouterr().err
    assert "jupyter_modelbox: a buffered log_metrics call failed, 20 point(s)" in err
