"""modelbox check / check --repair, export / import, and faults: damaged files, a full disk."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from jupyter_modelbox import ConflictError, InvalidArgumentError, ModelBox
from jupyter_modelbox.cli import main
from jupyter_modelbox.registry import Registry

from .helpers.jupyter import JupyterServer


def fill(mb: ModelBox, files_dir: Path) -> None:
    files_dir.mkdir(exist_ok=True)
    model = mb.new_model("mnist", description="digits", metadata={"dataset": "mnist"})
    first = model.new_model_version(unique_tags=["production"], framework="torch")
    second = model.new_model_version()
    second.add_tag("production", move=True)
    first.log_metrics({"loss": np.linspace(1, 0, 1000)}, step=np.arange(1000))
    first.log_metrics({"note": "text value"}, step=3)
    weights = files_dir / "weights.pt"
    weights.write_bytes(np.random.default_rng(0).bytes(300_000))
    first.upload_artifact([weights])
    checkpoint = mb.new_checkpoint([weights], metadata={"epoch": 3}, framework="torch")
    mb.new_model("asr", namespace="speech").register_version(checkpoint.uuid)
    run = mb.new_experiment("run", namespace="speech", hparams={"lr": 0.1}, metric="acc", smaller_is_better=False)
    best = run.new_checkpoint([weights], epoch=2, batch_number=20, trial_id=1, metrics={"acc": 0.9})
    run.new_checkpoint(epoch=1, metrics={"acc": 0.5})
    run.log_metrics({"acc": 0.9}, step=2)
    run.log_event("checkpoint_write_start", source="trainer", wallclock=5.0)
    mb.get_model("mnist").register_version(best.uuid)
    mb.flush()


def snapshot(mb: ModelBox, tmp: Path) -> dict[str, object]:
    """Everything a user can see, as comparable data."""
    seen: dict[str, object] = {}
    for model in mb.models():
        seen[model.name] = (model.namespace, model.metadata, model.description)
        for version in model.get_versions():
            frame = version.metrics()
            seen[f"{model.name}:{version.number}"] = (
                version.tags, version.framework, version.checkpoint_uuid,
                frame.to_dict("list") if not frame.empty else {},
                sorted((a.path, a.checksum, a.download(tmp / "dl" / a.id).read_bytes()) for a in version.artifacts()),
            )
        seen[f"{model.name}-history"] = [(h["action"], h["number"]) for h in model.tag_history()]
    for run in mb.experiments():
        checkpoints = [(c.uuid, c.epoch, c.batch_number, c.trial_id, c.hparams, c.summary_metrics, c.resources,
                        sorted(a.path for a in c.artifacts())) for c in run.checkpoints()]
        seen[f"experiment {run.namespace}/{run.name}"] = (
            run.id, run.hparams, run.metric, run.smaller_is_better, run.num_checkpoints, checkpoints,
            run.top_checkpoint().uuid, run.metrics().to_dict("list"),
            [(e["name"], e["source"], e["wallclock"]) for e in run.events()])
    return seen


@pytest.mark.parametrize("archive", [False, True], ids=["folder", "tar"])
def test_export_import_round_trip(mb: ModelBox, tmp_path: Path, archive: bool) -> None:
    fill(mb, tmp_path / "files")
    target = tmp_path / ("backup.tar" if archive else "backup")
    manifest = mb.export_registry(target)
    assert manifest["counts"]["models"] == 2 and manifest["counts"]["blobs"] == 1
    assert manifest["counts"]["experiments"] == 1 and manifest["counts"]["logged_events"] == 1
    before = snapshot(mb, tmp_path / "a")
    with ModelBox(root=tmp_path / "restored") as restored:
        restored.import_registry(target)
        assert snapshot(restored, tmp_path / "b") == before
        assert restored.get_model("mnist").new_model_version().number == 4  # numbering carries over
        run = restored.get_experiment("run", "speech")
        run.new_checkpoint(epoch=3)
        assert run.num_checkpoints == 3 and [c.epoch for c in run.checkpoints()] == [1, 2, 3]
        with pytest.raises(ConflictError, match="not empty"):
            restored.import_registry(target)


def test_check_of_a_healthy_registry(mb: ModelBox, tmp_path: Path) -> None:
    fill(mb, tmp_path / "files")
    assert mb.check() == [{"level": "info", "what": "no problems found", "repaired": False}]


def test_damaged_artifact_bytes_are_reported_not_hidden(mb: ModelBox, tmp_path: Path, registry_root: Path) -> None:
    fill(mb, tmp_path / "files")
    [artifact] = mb.get_model("mnist").get_version(1).artifacts()
    blob = registry_root / "blobs" / "sha256" / artifact.checksum[:2] / artifact.checksum[2:]
    blob.write_bytes(b"bit rot")
    findings = mb.check(repair=True)
    assert len(findings) == 3  # the version's artifact and the two checkpoints' share those bytes
    for finding in findings:
        assert finding["level"] == "error" and not finding["repaired"]
        assert "no longer match their sha256" in finding["what"]
    assert any(artifact.id in f["what"] for f in findings)


def run_cli(*argv: str) -> tuple[int, str]:
    from contextlib import redirect_stdout
    from io import StringIO

    out = StringIO()
    with redirect_stdout(out):
        status = main(list(argv))
    return status, out.getvalue()


def test_check_repair_recovers_a_journal_damaged_in_the_middle(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    registry = Registry(root)
    for name in ("first", "second", "third"):
        registry.create_model(name)
    registry.backend._writer_lock.release()  # as if the process had died
    journal = root / "registry.journal"
    lines = journal.read_bytes().split(b"\n")
    damaged = next(i for i, line in enumerate(lines) if b'"second"' in line)
    lines[damaged] = lines[damaged].replace(b'"second"', b'"sec0nd"')  # one flipped byte: the CRC no longer matches
    journal.write_bytes(b"\n".join(lines))

    status, out = run_cli("--root", str(root), "--json", "check")
    assert status == 1 and "corrupt at line" in out
    status, out = run_cli("--root", str(root), "--json", "check", "--repair")
    assert status == 0
    assert any("damaged record" in f["what"] and f["repaired"] for f in json.loads(out))
    assert list(root.glob("registry.journal.damaged-*"))
    with ModelBox(root=root) as mb:
        assert sorted(m.name for m in mb.models()) == ["first", "third"]


def test_check_repair_fixes_counts_dangling_records_and_torn_metrics(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    with ModelBox(root=root) as mb:
        fill(mb, tmp_path / "files")
        registry = mb._registry
        assert registry is not None
        model = registry.docs.find("models", "_name_key", "default\x00mnist")[0]
        registry.docs.put("models", {**model, "num_versions": 7})
        registry.docs.put("versions", {**registry.docs.find("versions", "model_id", model["id"])[0],
                                       "id": "orphan", "model_id": "gone"})
        run = registry.docs.find("experiments", "_name_key", "speech\x00run")[0]
        registry.docs.put("experiments", {**run, "num_checkpoints": 5})
        registry.docs.put("checkpoints", {**registry.docs.find("checkpoints", "experiment_id", run["id"])[0],
                                          "id": "stray", "experiment_id": "gone"})
    series = next((root / "metrics").glob("*/*.f64"))
    with open(series, "ab") as out:
        out.write(b"\x00" * 5)
    status, out = run_cli("--root", str(root), "--json", "check", "--repair")
    findings = json.loads(out)
    assert status == 0
    whats = " | ".join(f["what"] for f in findings)
    assert "counts 7 versions but has 3" in whats and "belongs to model gone" in whats and "torn record" in whats
    assert "experiment 'run' counts 5 checkpoints but has 2" in whats
    assert "checkpoint stray belongs to experiment gone, which does not exist" in whats
    assert list(root.glob("lost+found-*.json"))
    status, out = run_cli("--root", str(root), "--json", "check")
    assert json.loads(out) == [{"level": "info", "what": "no problems found", "repaired": False}]
    with ModelBox(root=root) as mb:
        assert mb.get_checkpoint("stray").experiment is None  # kept, outside any experiment
        assert mb.get_model("mnist").num_versions == 3 and mb.get_experiment("run", "speech").num_checkpoints == 2
        assert len(mb.get_model("mnist").get_version(1).metrics("loss")) == 1000


def test_cli_export_and_import_through_a_server(jupyter_server: JupyterServer, tmp_path: Path) -> None:
    jupyter_server.reset(tmp_path / "served")
    with ModelBox(url=jupyter_server.url, token=jupyter_server.token) as mb:
        fill(mb, tmp_path / "files")
        before = snapshot(mb, tmp_path / "a")
    remote = ["--url", jupyter_server.url, "--token", jupyter_server.token]
    assert run_cli(*remote, "export", str(tmp_path / "backup.tar"))[0] == 0
    jupyter_server.reset(tmp_path / "empty")
    status, out = run_cli(*remote, "--json", "import", str(tmp_path / "backup.tar"))
    assert status == 0 and json.loads(out)["counts"]["models"] == 2
    with ModelBox(url=jupyter_server.url, token=jupyter_server.token) as mb:
        assert snapshot(mb, tmp_path / "b") == before
        assert mb.check() == [{"level": "info", "what": "no problems found", "repaired": False}]


def test_a_full_disk_during_upload_is_a_clear_error_and_records_nothing(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    script = textwrap.dedent(f"""
        import resource, signal
        from jupyter_modelbox import ModelBox, StorageError
        mb = ModelBox(root={str(root)!r})
        model = mb.new_model("m")
        big = {str(tmp_path / "big.bin")!r}
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG, like ENOSPC
        resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))
        try:
            model.upload_artifact([big])
        except StorageError as error:
            print("StorageError:", error)
        print("artifacts:", len(model.artifacts()))
    """)
    (tmp_path / "big.bin").write_bytes(b"\x01" * 5_000_000)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "StorageError: could not store artifact bytes" in result.stdout and "artifacts: 0" in result.stdout
    with ModelBox(root=root) as mb:
        assert mb.get_model("m").artifacts() == []
        assert mb.check()[0]["what"] == "no problems found"


def test_export_refuses_a_non_empty_target(mb: ModelBox, tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file").write_text("x")
    with pytest.raises(InvalidArgumentError, match="not empty"):
        mb.export_registry(tmp_path / "busy")
