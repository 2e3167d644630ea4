"""The ``modelbox`` command line: every verb in-process through ``main()``, exit codes in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jupyter_modelbox.cli import UsageError, main, parse_args

Run = Callable[..., tuple[str, str]]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "registry"


def make_runner(registry: list[str], capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str, code: int = 0) -> tuple[str, str]:
        status = main([*registry, *argv])
        out, err = capsys.readouterr()
        assert status == code, (out, err)
        if code:
            assert out == ""
            assert err.startswith("modelbox: error: ") and err.count("\n") == 1, err
            assert "Traceback" not in err
        return out, err

    return run


@pytest.fixture(params=["local", "http", "local-pg"])
def cli(request: pytest.FixtureRequest, root: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """``cli("list", "--json", code=0)`` -> ``(stdout, stderr)``, checking the exit status.

    Runs against a registry folder (``--root``), a real Jupyter server (``--url``) and a PostgreSQL
    registry opened by the CLI itself (``--database-url``).
    """
    if request.param == "local":
        return make_runner(["--root", str(root)], capsys)
    if request.param == "local-pg":
        url = request.getfixturevalue("pg_databases")["mb_local"]
        request.getfixturevalue("postgres").reset("mb_local")
        return make_runner(["--database-url", url, "--blob-root", str(root / "blobs")], capsys)
    server = request.getfixturevalue("jupyter_server")
    server.reset(root)
    return make_runner(["--url", server.url, "--token", server.token], capsys)


@pytest.fixture
def local_cli(root: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return make_runner(["--root", str(root)], capsys)


def as_json(cli: Run, *argv: str) -> Any:
    out, _ = cli("--json", *argv)
    return json.loads(out)


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    path = tmp_path / "weights.pt"
    path.write_bytes(b"\x00\x01weights" * 100)
    return path


# -- Determined's verbs ------------------------------------------------------------------------


def test_create_and_describe_a_model(cli: Run) -> None:
    out, _ = cli("create", "mnist", "--description", "digits", "--metadata", '{"dataset": "mnist"}')
    assert "Model mnist" in out and "digits" in out
    described = as_json(cli, "describe", "mnist")
    assert described["model"]["name"] == "mnist"
    assert described["model"]["metadata"] == {"dataset": "mnist"}
    assert described["version"] is None and described["checkpoint"] is None
    out, _ = cli("describe", "mnist")
    assert "Version: none yet" in out


def test_list_sorts_orders_filters_and_pages(cli: Run) -> None:
    for name, description in [("mnist_cnn", "digits"), ("ocr", "OCR of lines"), ("bert", "ocr correction")]:
        cli("create", name, "--description", description)
    assert [m["name"] for m in as_json(cli, "list")] == ["bert", "mnist_cnn", "ocr"]
    newest_first = as_json(cli, "list", "--sort-by", "creation_time", "--order-by", "desc")
    assert [m["name"] for m in newest_first] == ["bert", "ocr", "mnist_cnn"]
    assert [m["name"] for m in as_json(cli, "list", "--description", "OCR")] == ["bert", "ocr"]
    assert [m["name"] for m in as_json(cli, "list", "--name", "MNIST")] == ["mnist_cnn"]
    assert [m["name"] for m in as_json(cli, "list", "--offset", "1", "--limit", "1")] == ["mnist_cnn"]
    out, _ = cli("list")
    lines = out.splitlines()
    assert lines[0].split() == ["name", "namespace", "description", "versions", "creation_time", "last_updated_time"]
    assert lines[1].startswith("bert ") and len(lines) == 4
    assert cli("list", "--name", "nothing")[0].split() == lines[0].split()


def test_checkpoint_register_version_list_versions_and_describe(cli: Run, weights: Path) -> None:
    cli("create", "mnist")
    uuid = cli("new-checkpoint", str(weights), "--framework", "torch-2.3", "--format", "pt",
               "--metadata", '{"epoch": 3}')[0].strip()
    assert len(uuid) == 36
    version = as_json(cli, "register-version", "mnist", uuid)
    assert version["number"] == 1 and version["checkpoint_uuid"] == uuid
    second = as_json(cli, "new-version", "mnist", "--label", "v2", "--description", "bigger", "--framework", "jax",
                     "--tag", "candidate", "production", "--metadata", '{"lr": 0.1}')
    assert second["number"] == 2 and second["version"] == "v2" and second["tags"] == ["candidate", "production"]

    versions = as_json(cli, "list-versions", "mnist")
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[1]["checkpoint_uuid"] == uuid and versions[1]["framework"] == "torch-2.3"
    out, _ = cli("list-versions", "mnist")
    assert out.splitlines()[0].split()[:2] == ["number", "label"] and "candidate, production" in out

    assert as_json(cli, "describe", "mnist")["version"]["number"] == 2
    for ref in (["mnist:1"], ["mnist", "--version", "1"]):
        described = as_json(cli, "describe", *ref)
        assert described["version"]["number"] == 1
        assert described["checkpoint"]["uuid"] == uuid and described["checkpoint"]["metadata"] == {"epoch": 3}
    assert as_json(cli, "describe", "mnist:production")["version"]["number"] == 2
    out, _ = cli("describe", "mnist", "--version", "1")
    assert "Model mnist" in out and "Version mnist:1" in out and f"Checkpoint {uuid}" in out


def test_experiment_create_list_describe_checkpoints_and_register_the_top(cli: Run, weights: Path) -> None:
    created = as_json(cli, "experiment", "create", "run-7", "--owner", "ana", "--external-id", "det-7",
                      "--framework", "torch", "--hparams", '{"lr": 0.01}', "--metric", "accuracy",
                      "--larger-is-better")
    assert (created["name"], created["metric"], created["smaller_is_better"]) == ("run-7", "accuracy", False)
    assert created["hparams"] == {"lr": 0.01} and created["external_id"] == "det-7"
    cli("experiment", "create", "run-7", code=1)
    assert as_json(cli, "experiment", "create", "run-7", "--exist-ok")["id"] == created["id"]
    cli("--namespace", "nlp", "experiment", "create", "run-8")
    for epoch, accuracy in ((1, 0.7), (2, 0.9), (3, 0.8)):
        uuid = cli("new-checkpoint", str(weights), "--experiment", "run-7", "--epoch", str(epoch), "--batch-number",
                   str(epoch * 100), "--trial-id", "4", "--metrics", json.dumps({"accuracy": accuracy}))[0].strip()
        assert len(uuid) == 36
    listed = as_json(cli, "experiment", "list")
    assert [e["name"] for e in listed] == ["run-8", "run-7"] and listed[1]["checkpoints"] == 3
    assert [e["name"] for e in as_json(cli, "experiment", "list", "--query", "hparams.lr < 0.1")] == ["run-7"]
    assert [e["name"] for e in as_json(cli, "--namespace", "nlp", "experiment", "list")] == ["run-8"]
    out, _ = cli("experiment", "list")
    assert out.splitlines()[0].split()[:2] == ["name", "namespace"]
    checkpoints = as_json(cli, "checkpoints", "run-7")
    assert [(c["epoch"], c["batch_number"], c["trial_id"]) for c in checkpoints] == [(1, 100, 4), (2, 200, 4),
                                                                                        (3, 300, 4)]
    assert [c["epoch"] for c in as_json(cli, "checkpoints", "run-7", "--epoch", "3")] == [3]
    top = cli("checkpoints", "run-7", "--top")[0].strip()
    assert top == checkpoints[1]["uuid"]
    assert cli("checkpoints", "run-7", "--top", "--metric", "accuracy")[0].strip() == top  # its declared order
    described = as_json(cli, "experiment", "describe", "run-7")
    assert described["experiment"]["num_checkpoints"] == 3 and len(described["checkpoints"]) == 3
    out, _ = cli("experiment", "describe", created["id"])
    assert "Experiment run-7" in out and "Checkpoints" in out and "epoch" in out

    cli("create", "mnist")
    assert as_json(cli, "register-version", "mnist", top)["checkpoint_uuid"] == top
    version = as_json(cli, "describe", "mnist")
    assert version["checkpoint"]["epoch"] == 2 and version["experiment"]["name"] == "run-7"
    out, _ = cli("describe", "mnist")
    assert f"Checkpoint {top}" in out and "Experiment run-7" in out
    cli("checkpoints", "nope", code=1)
    _, err = cli("--namespace", "nlp", "checkpoints", "run-8", "--top", code=1)
    assert "experiment 'run-8' has no top checkpoint by 'val_loss': it has no checkpoints yet" in err


# -- ModelBox verbs ----------------------------------------------------------------------------


def test_upload_track_artifacts_and_download(cli: Run, weights: Path, tmp_path: Path) -> None:
    cli("create", "mnist")
    uuid = cli("new-checkpoint", str(weights))[0].strip()
    cli("register-version", "mnist", uuid)
    notes = tmp_path / "notes.txt"
    notes.write_text("three epochs\n")
    uploaded = as_json(cli, "upload", "mnist:1", str(notes))
    assert uploaded[0]["path"] == "notes.txt" and uploaded[0]["mime_type"] == "text" and not uploaded[0]["tracked"]
    tracked = as_json(cli, "track", "mnist", "s3://bucket/big.bin")
    assert tracked[0]["tracked"] and tracked[0]["location"] == "s3://bucket/big.bin"

    artifacts = as_json(cli, "artifacts", "mnist:latest")
    assert {(a["path"], a["attached_to"]) for a in artifacts} == {
        ("weights.pt", "checkpoint"), ("notes.txt", "version"),
    }
    out, _ = cli("artifacts", "mnist")
    assert "s3://bucket/big.bin" in out and out.splitlines()[0].startswith("path")

    result = as_json(cli, "download", "mnist:1", str(tmp_path / "out"))
    assert sorted(Path(f).name for f in result["files"]) == ["notes.txt", "weights.pt"]
    assert (tmp_path / "out" / "weights.pt").read_bytes() == weights.read_bytes()
    cli("download", "mnist:1", str(tmp_path / "one.txt"), "--path", "notes.txt")
    assert (tmp_path / "one.txt").read_text() == "three epochs\n"
    _, err = cli("download", "mnist:1", str(tmp_path / "x"), "--path", "missing.bin", code=1)
    assert "missing.bin" in err and "notes.txt" in err


def test_log_and_export_metrics(cli: Run, tmp_path: Path) -> None:
    cli("create", "mnist")
    cli("new-version", "mnist")
    out, _ = cli("log", "mnist:1", "loss=0.5", "note=warm up", "--step", "1")
    assert "mnist:1" in out
    cli("log", "mnist:latest", "loss=0.25", "--step", "2", "--wallclock", "2024-01-01T00:00:00+00:00")
    points = as_json(cli, "metrics", "mnist:1")
    assert [(p["key"], p["step"], p["value"]) for p in points] == [
        ("loss", 1, 0.5), ("note", 1, "warm up"), ("loss", 2, 0.25),
    ]
    assert points[2]["wallclock"] == 1704067200.0
    assert [p["value"] for p in as_json(cli, "metrics", "mnist:1", "--keys", "loss")] == [0.5, 0.25]

    out, _ = cli("metrics", "mnist:1", "--format", "csv", "--keys", "loss")
    assert out.splitlines() == ["key,step,wallclock,value", out.splitlines()[1], out.splitlines()[2]]
    assert out.splitlines()[2].endswith(",0.25")
    out, _ = cli("metrics", "mnist:1")
    assert out.splitlines()[0].split() == ["key", "step", "wallclock", "value"] and "warm up" in out

    export = tmp_path / "points.json"
    out, _ = cli("metrics", "mnist:1", "--output", str(export))
    assert out.strip() == f"wrote 3 points to {export}"
    assert [p["value"] for p in json.loads(export.read_text())] == [0.5, "warm up", 0.25]
    cli("metrics", "mnist:1", "--output", str(tmp_path / "points.txt"), "--format", "csv")
    assert (tmp_path / "points.txt").read_text().startswith("key,step,wallclock,value\n")
    _, err = cli("metrics", "mnist:1", "--keys", "accuracy", code=1)
    assert "accuracy" in err


def test_tags_move_remove_and_history(cli: Run) -> None:
    cli("create", "mnist")
    cli("new-version", "mnist", "--tag", "production")
    cli("new-version", "mnist")
    _, err = cli("tag", "mnist:2", "production", code=1)
    assert "production" in err and "--move" in err
    assert as_json(cli, "tag", "mnist:2", "production", "--move")["tags"] == ["production"]
    assert as_json(cli, "describe", "mnist:production")["version"]["number"] == 2
    history = as_json(cli, "tag", "mnist", "--history", "production")
    assert [(h["action"], h["number"], h["previous_number"]) for h in history] == [("set", 1, None), ("moved", 2, 1)]
    assert as_json(cli, "tag", "mnist:2", "production", "--remove")["tags"] == []
    out, _ = cli("tag", "mnist", "--history")
    assert out.splitlines()[0].split() == ["at", "tag", "action", "number", "previous_number", "actor"]
    assert len(out.splitlines()) == 4


def test_metadata_show_set_merge_remove(cli: Run) -> None:
    cli("create", "mnist", "--metadata", '{"key": "value", "metrics": {"loss": 0.1}}')
    assert as_json(cli, "metadata", "mnist") == {"key": "value", "metrics": {"loss": 0.1}}
    changed = as_json(cli, "metadata", "mnist", "--merge", '{"metrics": {"acc": 0.97}}',
                      "--set", "layers", "[64, 32]", "--set", "owner", '"me"', "--remove", "key")
    assert changed == {"metrics": {"acc": 0.97}, "layers": [64, 32], "owner": "me"}
    cli("new-version", "mnist")
    out, _ = cli("metadata", "mnist:1", "--set", "threshold", "0.5")
    assert json.loads(out) == {"threshold": 0.5}


def test_namespace_before_or_after_the_verb(cli: Run) -> None:
    cli("--namespace", "speech", "create", "asr")
    cli("create", "asr")
    assert [m["namespace"] for m in as_json(cli, "list", "--namespace", "speech")] == ["speech"]
    assert len(as_json(cli, "list")) == 2
    cli("new-version", "asr", "--namespace", "speech", "--label", "in-speech")
    assert as_json(cli, "--namespace", "speech", "describe", "asr")["version"]["version"] == "in-speech"
    assert as_json(cli, "describe", "asr")["version"] is None


def test_default_registry_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("MODELBOX_URL", "MODELBOX_TOKEN", "JPY_PARENT_PID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MODELBOX_ROOT", str(tmp_path / "env-registry"))
    assert main(["create", "from-env"]) == 0
    assert (tmp_path / "env-registry").is_dir()
    capsys.readouterr()


# -- help and errors ---------------------------------------------------------------------------


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for verb in ("create", "list", "describe", "register-version", "list-versions", "new-checkpoint", "new-version",
                 "upload", "track", "artifacts", "download", "log", "metrics", "tag", "metadata", "experiment",
                 "checkpoints"):
        assert f"    {verb}" in out
    assert main(["register-version", "--help"]) == 0
    assert "CHECKPOINT_UUID" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "needle"), [
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "required: VERB"),
    (["describe", "mnist:"], "'mnist:' is not NAME or NAME:REF"),
    (["describe", ":3"], "':3' is not NAME or NAME:REF"),
    (["describe", "mnist:1", "--version", "2"], "give the version once"),
    (["create", "m", "--metadata", "{oops"], "--metadata: '{oops' is not valid JSON"),
    (["create", "m", "--metadata", "[1, 2]"], "not an object"),
    (["metadata", "m", "--set", "owner", "alice"], "--set: owner: 'alice' is not valid JSON"),
    (["list", "--sort-by", "size"], "invalid choice: 'size'"),
    (["list", "--limit", "-1"], "--limit"),
    (["log", "m:1", "loss"], "'loss' is not key=value"),
    (["log", "m:1", "a=1", "a=2"], "given more than once"),
    (["log", "m:1", "a=1", "--wallclock", "yesterday"], "'yesterday' is neither"),
    (["tag", "m", "production"], "tags belong to versions"),
    (["tag", "m:1"], "TAG is required"),
    (["tag", "m:1", "t", "--move", "--remove"], "--move or --remove"),
    (["tag", "m:1", "--history"], "--history"),
    (["--url", "http://localhost:8888", "--root", "x", "list"], "--url or --root"),
    (["--token", "abc", "list"], "--token is only used with --url"),
    (["experiment", "create"], "experiment create needs NAME"),
    (["experiment", "list", "x"], "takes no NAME"),
    (["experiment", "delete", "x"], "invalid choice: 'delete'"),
    (["experiment", "create", "x", "--larger-is-better"], "give --metric too"),
    (["checkpoints", "run", "--metric", "acc"], "give --top too"),
    (["new-checkpoint"], "FILES are required"),
    (["new-checkpoint", "w.pt", "--epoch", "3"], "--epoch belongs to a checkpoint of an experiment"),
])
def test_usage_errors_exit_2_with_one_line(local_cli: Run, argv: list[str], needle: str) -> None:
    _, err = local_cli(*argv, code=2)
    assert needle in err and "--help" in err


@pytest.mark.parametrize(("argv", "needle"), [
    (["describe", "nope"], "no model named 'nope'"),
    (["list-versions", "nope"], "'nope'"),
    (["describe", "m:7"], "no version 7"),
    (["describe", "m:production"], "'production'"),
    (["describe", "m:latest"], "has no versions yet"),
    (["register-version", "m", "no-such-checkpoint"], "no-such-checkpoint"),
    (["create", "m"], "m"),
    (["create", "bad/name"], "must not contain '/'"),
    (["upload", "m", "/no/such/file.bin"], "/no/such/file.bin"),
    (["log", "m", "x=nan", "--wallclock", "nan"], "wallclock"),
])
def test_registry_errors_exit_1_with_one_line(cli: Run, argv: list[str], needle: str) -> None:
    cli("create", "m")
    _, err = cli(*argv, code=1)
    assert needle in err


def test_parser_raises_instead_of_exiting() -> None:
    with pytest.raises(UsageError) as caught:
        parse_args(["create"])
    assert caught.value.status == 2 and "NAME" in caught.value.message
    assert caught.value.usage.startswith("usage: modelbox create")
    args = parse_args(["log", "m:latest", "loss=1", "n=1e-3", "text=abc", "--step", "3"])
    assert args.target.name == "m" and args.target.ref == "latest"
    assert args.metrics == [("loss", 1.0), ("n", 0.001), ("text", "abc")]


def test_bad_token_is_a_one_line_error(jupyter_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", jupyter_server.url, "--token", "wrong", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("modelbox: error: the Jupyter server refused the request (403)") and err.count("\n") == 1


def test_exit_codes_of_the_real_process(local_cli: Run, root: Path) -> None:
    local_cli("create", "mnist")  # in-process first: the registry lock must be released afterwards

    def modelbox(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "jupyter_modelbox.cli", "--root", str(root), *argv],
                              capture_output=True, text=True, timeout=120)

    ok = modelbox("--json", "describe", "mnist")
    assert ok.returncode == 0 and json.loads(ok.stdout)["model"]["name"] == "mnist"
    missing = modelbox("describe", "nope")
    assert missing.returncode == 1 and missing.stderr.startswith("modelbox: error: ")
    assert missing.stderr.count("\n") == 1 and missing.stdout == ""
    usage = modelbox("describe", "mnist:")
    assert usage.returncode == 2 and usage.stderr.count("\n") == 1 and "Traceback" not in usage.stderr
    assert modelbox("--help").returncode == 0
