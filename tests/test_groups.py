"""A model's versions are one pickle in the snapshot, read when first used (``registry/groups.py``).

Every call must answer as if all versions were read: these tests reopen registries whose versions
are still pickled and compare each answer with what the registry said before it was closed (or
killed), and check that a call reads only the groups it needs."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from jupyter_modelbox import ModelBox
from jupyter_modelbox.registry import pickled, snapshot
from jupyter_modelbox.registry.groups import Pending
from jupyter_modelbox.registry.pickled import PROTOCOL


def pending(mb: ModelBox) -> Pending | None:
    """The versions' groups not yet read (the embedded store's own state, on purpose)."""
    return mb._registry.backend.docs.db.storage.pending.get("versions")  # type: ignore[union-attr]


def state(mb: ModelBox) -> dict[str, Any]:
    """Everything a user can ask of the versions, model by model."""
    seen: dict[str, Any] = {}
    for model in sorted(mb.models(), key=lambda m: m.name):
        versions = model.get_versions()
        latest = model.get_version()
        seen[model.name] = {
            "num_versions": model.num_versions,
            "total": versions.total,
            "versions": [(v.number, v.version, v.tags, v.id, v.metadata) for v in versions],
            "latest": latest.number if latest else None,
            "by_number": {v.number: model.get_version(v.number).id for v in versions},  # type: ignore[union-attr]
            "by_id": {v.id: v.reload().number for v in versions},
            "holders": {tag: (holder.number if (holder := model.tag_holder(tag)) else None)
                        for tag in ("prod", "staging")},
            "page": [v.number for v in model.get_versions(offset=1, limit=2)],
        }
    seen["search"] = sorted(v.id for v in mb.search_versions("number >= 2"))
    seen["tagged"] = sorted(v.id for v in mb.search_versions("tags = prod"))
    return seen


def populate(mb: ModelBox, rng: random.Random, models: int, steps: int) -> None:
    for m in range(models):
        mb.new_model(f"m{m}", exist_ok=True)
    for _ in range(steps):
        model = mb.get_model(f"m{rng.randrange(models)}")
        action = rng.random()
        versions = list(model.get_versions())
        if action < 0.55 or not versions:
            tagged = rng.random() < 0.2 and model.tag_holder("prod") is None
            model.new_model_version(metadata={"step": rng.randrange(100)}, unique_tags=["prod"] if tagged else [])
        elif action < 0.7:
            rng.choice(versions).delete()
        elif action < 0.85:
            rng.choice(versions).add_tag(rng.choice(["prod", "staging"]), move=True)
        else:
            rng.choice(versions).update_metadata("note", rng.randrange(1000))


@pytest.mark.parametrize("seed", range(3))
def test_reopened_versions_answer_as_before_while_their_groups_are_read_on_demand(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root = tmp_path / "reg"
    with ModelBox(root=root) as mb:
        populate(mb, rng, models=6, steps=60)
        before = state(mb)
    for round_ in range(3):
        with ModelBox(root=root) as mb:
            unread = pending(mb)
            assert unread is not None and len(unread.parts) == 6, "every model's versions still pickled"
            first = mb.get_model("m0")
            first.get_version()
            assert len(unread.parts) == 5, "reading one model's newest version reads that model's group only"
            assert state(mb) == before
            assert not unread.parts, "a search reads every group"
            populate(mb, rng, models=6, steps=20)  # then change it, and expect the changes back
            before = state(mb)
        assert round_ < 3


def test_writes_to_groups_not_yet_read_survive_a_kill(tmp_path: Path) -> None:
    """Deletes, creates and tag moves in models whose versions were never read, then kill -9: the
    journal's delete names the version's group, so replay reads that group only."""
    root = tmp_path / "reg"
    with ModelBox(root=root) as mb:
        for name in ("a", "b", "c"):
            model = mb.new_model(name)
            for _ in range(4):
                model.new_model_version()
        mb.get_model("a").get_version(2).add_tag("prod")  # type: ignore[union-attr]
    script = f"""
import os
from jupyter_modelbox import ModelBox
mb = ModelBox(root={str(root)!r})
mb.get_model("a").get_version(3).delete()
mb.get_model("b").new_model_version(unique_tags=["prod"])
mb.get_model("a").get_version(4).add_tag("prod", move=True)
os._exit(0)  # nothing closed, nothing compacted: only the journal holds these writes
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    deletes = [op for line in (root / "registry.journal").read_bytes().splitlines()
               for op in json.loads(line.partition(b" ")[2])["o"] if op[:2] == ["versions", "d"]]
    assert len(deletes) == 1 and len(deletes[0]) == 4, "a delete names its group"
    with ModelBox(root=root) as mb:
        unread = pending(mb)
        assert unread is not None and len(unread.parts) == 1, "replay read the two groups it wrote to, not c"
        a, b = mb.get_model("a"), mb.get_model("b")
        assert [v.number for v in a.get_versions()] == [4, 2, 1]
        assert a.tag_holder("prod").number == 4  # type: ignore[union-attr]
        assert [v.number for v in b.get_versions()] == [5, 4, 3, 2, 1] and b.get_version("prod").number == 5  # type: ignore[union-attr]
        assert a.new_model_version().number == 5, "numbers are never reused"
        assert [v.number for v in mb.get_model("c").get_versions()] == [4, 3, 2, 1]


def test_a_journal_delete_that_names_no_group_reads_every_group(tmp_path: Path) -> None:
    """Journals written before grouped snapshots have deletes without a group: replay reads all."""
    root = tmp_path / "reg"
    with ModelBox(root=root) as mb:
        for name in ("a", "b"):
            mb.new_model(name).new_model_version()
    script = f"""
import os
from jupyter_modelbox import ModelBox
mb = ModelBox(root={str(root)!r})
mb.get_model("a").get_version(1).delete()
os._exit(0)
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    journal = root / "registry.journal"
    lines = []
    for line in journal.read_bytes().splitlines():
        record = json.loads(line.partition(b" ")[2])
        record["o"] = [op[:3] if op[:2] == ["versions", "d"] else op for op in record["o"]]
        payload = json.dumps(record, separators=(",", ":")).encode()
        lines.append(b"%08x %s\n" % (zlib.crc32(payload), payload))
    journal.write_bytes(b"".join(lines))
    with ModelBox(root=root) as mb:
        unread = pending(mb)
        assert not unread, "a delete without its group read every group"
        assert mb.get_model("a").get_version() is None
        assert mb.get_model("b").get_version().number == 1  # type: ignore[union-attr]


def test_a_snapshot_of_format_2_is_read_and_rewritten_grouped(tmp_path: Path) -> None:
    """Registries written before format 3 have every version in one pickle: read whole, then
    split at the next compaction."""
    import pickle

    root = tmp_path / "reg"
    with ModelBox(root=root) as mb:
        model = mb.new_model("m")
        for _ in range(3):
            model.new_model_version()
        before = state(mb)
    seq, tables = snapshot.read_whole(root / "registry.snapshot")
    body = pickle.dumps({"seq": seq, "tables": tables}, protocol=PROTOCOL)
    (root / "registry.snapshot").write_bytes(b"MODELBOX-SNAPSHOT 2 %08x %016x\n" % (zlib.crc32(body), len(body)) + body)
    with ModelBox(root=root) as mb:
        assert not pending(mb), "format 2 has no groups: everything is read at open"
        assert state(mb) == before
        mb.new_model("n")
    assert (root / "registry.snapshot").read_bytes().startswith(b"MODELBOX-SNAPSHOT 3 ")
    with ModelBox(root=root) as mb:
        assert pending(mb), "rewritten with a pickle per model"
        before["n"] = state(mb)["n"]
        assert state(mb) == before


def test_a_damaged_group_is_a_clear_error_naming_the_snapshot(tmp_path: Path) -> None:
    """A group is checked with the whole file's CRC at open; one that still cannot be read (a snapshot
    written by other code) says so when the group is first used, and loses nothing else."""
    root = tmp_path / "reg"
    with ModelBox(root=root) as mb:
        mb.new_model("a").new_model_version()
        mb.new_model("b").new_model_version()
    seq, tables, groups = snapshot.read(root / "registry.snapshot")
    unread = groups["versions"]
    model_a = next(doc["id"] for doc in tables["models"].values() if doc["name"] == "a")
    unread.parts[model_a] = b"not a pickle"
    snapshot.write(root / "registry.snapshot", seq, tables, pending=groups)
    with ModelBox(root=root) as mb:
        with pytest.raises(Exception, match="snapshot"):
            mb.get_model("a").get_version()
        assert mb.get_model("b").get_version().number == 1  # type: ignore[union-attr]


def test_a_refused_write_reloads_nothing_and_keeps_what_was_read(tmp_path: Path) -> None:
    """A refusal inside a transaction that wrote nothing has nothing to undo: the registry is not read
    again from disk (which would put every model's versions back into their pickles)."""
    root = tmp_path / "reg"
    with ModelBox(root=root) as mb:
        for name in ("a", "b"):
            mb.new_model(name).new_model_version(unique_tags=["prod"])
    with ModelBox(root=root) as mb:
        model = mb.get_model("a")
        unread = pending(mb)
        assert unread is not None and len(unread.parts) == 2
        with pytest.raises(Exception, match="held by version 1"):
            model.new_model_version(unique_tags=["prod"])
        assert pending(mb) is unread and len(unread.parts) == 1, "nothing reloaded: model a stays read"
        assert model.new_model_version().number == 2


def test_a_compaction_copies_the_pickles_of_models_it_did_not_touch_as_they_are(tmp_path: Path) -> None:
    """Only the groups the journal changed are pickled again: the others are the same bytes (which is
    what makes a compaction of 1M versions take seconds, and what must not corrupt them)."""
    root = tmp_path / "reg"
    with ModelBox(root=root) as mb:
        for name in ("a", "b", "c"):
            model = mb.new_model(name)
            for _ in range(3):
                model.new_model_version(metadata={"of": name})
    import pickle

    seq, tables, groups = snapshot.read(root / "registry.snapshot")
    ids = {doc["name"]: doc["id"] for doc in tables["models"].values()}
    parts = groups["versions"].parts
    assert set(parts) == set(ids.values())
    # b's versions as another pickle of the same documents, which pickling them again would not give
    parts[ids["b"]] = pickle.dumps(pickle.loads(parts[ids["b"]]), protocol=2)
    snapshot.write(root / "registry.snapshot", seq, tables, pending=groups)
    _, _, groups = snapshot.read(root / "registry.snapshot")
    before = dict(groups["versions"].parts)
    assert before[ids["b"]] != pickled.dumps(pickle.loads(before[ids["b"]]))
    with ModelBox(root=root) as mb:
        mb.get_model("a").new_model_version()
        mb.get_model("c").get_version(1).update_metadata("note", 1)  # type: ignore[union-attr]
        expected = state(mb)
    _, _, groups = snapshot.read(root / "registry.snapshot")
    after = groups["versions"].parts
    assert after[ids["b"]] is not None and after[ids["b"]] == before[ids["b"]], "untouched: the same bytes"
    assert after[ids["a"]] != before[ids["a"]] and after[ids["c"]] != before[ids["c"]], "changed: pickled again"
    with ModelBox(root=root) as mb:
        assert state(mb) == expected
