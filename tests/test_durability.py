"""Acknowledged writes survive reopening, crashes (kill -9) and torn journal records."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jupyter_modelbox import ModelBox, RegistryLockedError
from jupyter_modelbox.registry import Registry, StorageError

WRITER = Path(__file__).parent / "helpers" / "crash_writer.py"


def test_everything_survives_close_and_reopen(tmp_path: Path, files: dict[str, Path]) -> None:
    root = tmp_path / "reg"
    with ModelBox(root=root) as mb:
        model = mb.new_model("m", metadata={"a": 1})
        version = model.new_model_version(unique_tags=["prod"])
        version.log_metrics({"loss": 0.5}, step=1)
        version.upload_artifact([files["weights"]])
        checkpoint = mb.new_checkpoint([files["notes"]])
    with ModelBox(root=root) as mb:
        model = mb.get_model("m")
        assert model.metadata == {"a": 1}
        version = model.get_version("prod")
        assert version.metrics()["value"].tolist() == [0.5]
        assert [a.path for a in version.artifacts()] == ["weights.pt"]
        assert mb.get_checkpoint(checkpoint.uuid).artifacts()[0].path == "notes.txt"
        assert model.new_model_version().number == 2


def test_a_second_process_gets_a_clear_error_naming_the_owner(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    with ModelBox(root=root):
        code = f"from jupyter_modelbox import ModelBox\nModelBox(root={str(root)!r})"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "RegistryLockedError" in result.stderr
    assert f"process {os.getpid()}" in result.stderr and "only one process may write it" in result.stderr


def test_lock_is_released_when_the_owner_dies(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    code = f"from jupyter_modelbox import ModelBox\nModelBox(root={str(root)!r}).new_model('m')\nimport os\nos._exit(0)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    with ModelBox(root=root) as mb:
        assert [m.name for m in mb.models()] == ["m"]


def test_same_process_shares_one_registry(tmp_path: Path) -> None:
    with ModelBox(root=tmp_path / "reg") as first, ModelBox(root=tmp_path / "reg") as second:
        first.new_model("m")
        assert second.get_model("m").name == "m"
    with pytest.raises(RegistryLockedError):
        other = Registry(tmp_path / "reg2")
        try:
            Registry(tmp_path / "reg2")
        finally:
            other.close()


def acknowledged(lines: list[str]) -> dict[str, list[list[str]]]:
    found: dict[str, list[list[str]]] = {}
    for line in lines:
        kind, *rest = line.split()
        found.setdefault(kind, []).append(rest)
    return found


@pytest.mark.parametrize("seed", range(4))
def test_kill_minus_nine_loses_nothing_acknowledged(tmp_path: Path, seed: int) -> None:
    root = tmp_path / "reg"
    rng = random.Random(seed)
    lines: list[str] = []
    for round_ in range(2):  # the second round writes on top of a crashed registry
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(root), str(seed * 10 + round_)],
            stdout=subprocess.PIPE, text=True,
        )
        assert proc.stdout is not None
        target = rng.randint(5, 60)
        deadline = time.monotonic() + 60
        round_lines = []
        while len(round_lines) < target and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            round_lines.append(line.strip())
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        lines.extend(round_lines)
        assert len(round_lines) == target, f"writer stopped early: {round_lines[-3:]}"

    acks = acknowledged(lines)
    with ModelBox(root=root) as mb:
        models = {m.name: m for m in mb.models()}
        for round_seed in (seed * 10, seed * 10 + 1):
            assert f"crash-{round_seed}" in models
        all_versions = {v.id: v for m in models.values() for v in m.get_versions()}
        for number, version_id in acks.get("version", []):
            assert all_versions[version_id].number == int(number)
        numbers_per_model = [[v.number for v in m.get_versions()] for m in models.values()]
        for numbers in numbers_per_model:
            assert len(numbers) == len(set(numbers))
        metadata = {k for m in models.values() for k in m.metadata}
        assert {key for (key,) in acks.get("metadata", [])} <= metadata
        logged = {int(v) for m in models.values() for v in m.metrics()["value"].tolist()}
        assert {int(i) for (i,) in acks.get("metric", [])} <= logged
        artifacts = {(a.path, a.checksum) for m in models.values() for a in m.artifacts()}
        assert {(p, c) for p, c in acks.get("artifact", [])} <= artifacts
        for model in models.values():  # nothing half-written: every record's bytes are there
            for artifact in model.artifacts():
                artifact.download(tmp_path / "check.bin")


def test_torn_last_journal_record_is_cut_and_reported(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    registry = Registry(root)
    registry.create_model("kept")
    registry.backend._writer_lock.release()  # simulate a crash: the files stay as they are
    journal = root / "registry.journal"
    with open(journal, "ab") as out:
        out.write(b'0badc0de {"s": 99, "o": [["models", "p"')  # a write cut short
    again = Registry(root)
    try:
        assert [m["name"] for m in again.list_models()[0]] == ["kept"]
        assert any("unfinished journal record" in message for message in again.recovered)
        again.create_model("after")
    finally:
        again.close()
    reopened = Registry(root)
    assert sorted(m["name"] for m in reopened.list_models()[0]) == ["after", "kept"]
    reopened.close()


def test_corruption_in_the_middle_of_the_journal_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    registry = Registry(root)
    registry.create_model("a")
    registry.create_model("b")
    registry.backend._writer_lock.release()
    journal = root / "registry.journal"
    data = bytearray(journal.read_bytes())
    data[20] ^= 0xFF
    journal.write_bytes(bytes(data))
    with pytest.raises(StorageError, match="corrupt at line 1"):
        Registry(root)


def test_an_unreadable_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    with ModelBox(root=root) as mb:
        mb.new_model("m")  # closing compacts the journal into registry.snapshot
    snapshot = root / "registry.snapshot"
    whole = snapshot.read_bytes()
    snapshot.write_bytes(whole[: len(whole) // 2])  # truncated by a bad copy
    with pytest.raises(StorageError, match=r"registry\.snapshot is unreadable \(it holds .* bytes after its header, "
                                           r"not the .* it announces\); restore it from a backup"):
        Registry(root)
    damaged = bytearray(whole)
    damaged[-10] ^= 0xFF
    snapshot.write_bytes(bytes(damaged))
    with pytest.raises(StorageError, match="its checksum does not match its bytes"):
        Registry(root)


def test_a_snapshot_holds_only_data_nothing_in_it_runs(tmp_path: Path) -> None:
    """A pickle that would call a function is refused before anything runs, whatever its checksum says."""
    import pickle
    import zlib

    from jupyter_modelbox.registry import snapshot

    root = tmp_path / "reg"
    root.mkdir()
    marker = tmp_path / "ran"
    body = pickle.dumps(_Touch(str(marker)), protocol=5)
    (root / "registry.snapshot").write_bytes(snapshot.MAGIC + b"%08x %016x\n" % (zlib.crc32(body), len(body)) + body)
    marker.unlink(missing_ok=True)
    with pytest.raises(StorageError, match=r"it names posix\.system, and a registry snapshot holds only data"):
        Registry(root)
    assert not marker.exists()


class _Touch:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.path}",)


def test_a_registry_with_a_json_snapshot_opens_and_compacts_into_the_new_format(tmp_path: Path) -> None:
    """Registries written before format 2 kept a JSON snapshot (format 1): read, then replaced at compaction."""
    import json

    root = tmp_path / "reg"
    with ModelBox(root=root) as mb:
        model = mb.new_model("m", metadata={"a": 1})
        model.new_model_version(unique_tags=["prod"])
    from jupyter_modelbox.registry import snapshot

    seq, tables = snapshot.read_whole(root / "registry.snapshot")
    (root / "registry.snapshot").unlink()
    (root / "registry.json").write_text(json.dumps({"format": 1, "seq": seq, "tables": tables}))
    with ModelBox(root=root) as mb:
        assert mb.get_model("m").get_version().tags == ["prod"]
        mb.new_model("n")
    assert not (root / "registry.json").exists() and (root / "registry.snapshot").exists()
    with ModelBox(root=root) as mb:
        assert sorted(m.name for m in mb.models()) == ["m", "n"]


def test_the_event_feed_keeps_the_newest_events_trimming_one_per_event(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The feed keeps ``MAX_EVENTS``: each append removes the one that falls out, so no write pays for
    trimming many (and events left by the older thousand-at-a-time trimming go too)."""
    from jupyter_modelbox.registry import embedded

    monkeypatch.setattr(embedded, "MAX_EVENTS", 50)
    with ModelBox(root=tmp_path / "reg") as mb:
        model = mb.new_model("m")
        for _ in range(120):
            model.set_description("again")
        docs = mb._registry.backend.docs  # type: ignore[union-attr]  # the embedded store, on purpose
        last = docs.get("meta", "counters")["event_seq"]
        assert last > 120 and docs.count("events") == 50
        assert [event["seq"] for event in mb.events(since=last - 50)] == list(range(last - 49, last + 1))
