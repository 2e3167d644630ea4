"""``check``: verify a registry folder end to end, and with ``repair`` fix what can be fixed safely.

What cannot be fixed (bytes that no longer match their checksum, an unreadable snapshot) is
reported as an error and left alone: a repair never deletes data it cannot account for. Records
that have lost what they point at are saved to ``lost+found-<time>.json`` before removal.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .backend import BlobStore
from .base import PARENT_TABLES
from .blobs import CHUNK
from .facade import Registry
from .journal import Journal, dumps

STALE_STAGING_SECONDS = 24 * 3600


@dataclass
class Finding:
    level: str  # "error" (data at risk), "warning" (inconsistent, repairable), "info"
    what: str
    repaired: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "what": self.what, "repaired": self.repaired}


def repair_journal(root: Path) -> list[Finding]:
    """Drop damaged journal lines (keeping every readable one), saving the original first."""
    journal = Journal(root)
    if not journal.journal_path.exists():
        return []
    lines = journal.journal_path.read_bytes().split(b"\n")
    tail = lines.pop()
    good = [line for line in lines if Journal._parse_line(line) is not None]
    damaged = len(lines) - len(good)
    if not damaged and not tail:
        return []
    backup = journal.journal_path.with_name(f"registry.journal.damaged-{int(time.time())}")
    journal.journal_path.rename(backup)
    journal.journal_path.write_bytes(b"".join(line + b"\n" for line in good))
    return [Finding("error", f"the journal had {damaged} damaged record(s) and a torn tail of {len(tail)} bytes; "
                             f"kept {len(good)} readable records (original saved as {backup.name}); changes in the "
                             "damaged records are lost", repaired=True)]


class RegistryChecker:
    """Consistency checks over an open registry (the caller holds it, e.g. the server)."""

    def __init__(self, registry: Registry, repair: bool, verify_bytes: bool = True) -> None:
        self.registry = registry
        self.repair = repair
        self.verify_bytes = verify_bytes
        self.findings: list[Finding] = []
        self.lost: list[dict[str, Any]] = []

    def note(self, level: str, what: str, fix: bool = False) -> None:
        self.findings.append(Finding(level, what, repaired=fix and self.repair))

    def run(self) -> list[Finding]:
        with self.registry.backend.operation():
            with self.registry.docs.transaction():
                self._references()
                self._versions()
                self._experiments()
            self._artifact_bytes()
            self._metric_files()
            self._staging()
            if self.lost and self.repair:
                path = self.registry.backend.scratch_dir / f"lost+found-{int(time.time())}.json"
                path.write_text(dumps(self.lost))
                self.note("info", f"records removed by the repair were saved to {path.name}")
        if not self.findings:
            self.findings.append(Finding("info", "no problems found"))
        return self.findings

    def _drop(self, table: str, doc: dict[str, Any], why: str) -> None:
        self.note("warning", f"{table} record {doc['id']} {why}", fix=True)
        if self.repair:
            self.lost.append({"table": table, "document": doc, "why": why})
            self.registry.docs.delete(table, doc["id"])

    def _references(self) -> None:
        docs = self.registry.docs
        parents = {d["id"] for t in PARENT_TABLES for d in docs.scan(t)}
        for version in list(docs.scan("versions")):
            if docs.get("models", version["model_id"]) is None:
                self._drop("versions", version, f"belongs to model {version['model_id']}, which does not exist")
        for checkpoint in list(docs.scan("checkpoints")):
            experiment_id = checkpoint.get("experiment_id")
            if experiment_id and docs.get("experiments", experiment_id) is None:
                self.note("error", f"checkpoint {checkpoint['id']} belongs to experiment {experiment_id}, "
                                   "which does not exist")
        for table in ("artifacts", "series", "logged_events"):
            for doc in list(docs.scan(table)):
                if doc["parent"] not in parents:
                    self._drop(table, doc, f"belongs to {doc['parent']}, which does not exist")
        for record in list(docs.scan("tag_history")):
            if docs.get("models", record["model_id"]) is None:
                self._drop("tag_history", record, "belongs to a model that does not exist")

    def _versions(self) -> None:
        docs = self.registry.docs
        for model in list(docs.scan("models")):
            versions = docs.find("versions", "model_id", model["id"])
            numbers = [v["number"] for v in versions]
            if len(numbers) != len(set(numbers)):
                self.note("error", f"model {model['name']!r} has a version number twice: {sorted(numbers)}")
            fixed = dict(model)
            if numbers and max(numbers) >= model["_next_number"]:
                self.note("warning", f"model {model['name']!r} would reuse version number {max(numbers)}", fix=True)
                fixed["_next_number"] = max(numbers) + 1
            if model["num_versions"] != len(versions):
                self.note("warning", f"model {model['name']!r} counts {model['num_versions']} versions but has "
                                     f"{len(versions)}", fix=True)
                fixed["num_versions"] = len(versions)
            holders: dict[str, list[dict[str, Any]]] = {}
            for version in versions:
                for tag in version["tags"]:
                    holders.setdefault(tag, []).append(version)
            for tag, held in holders.items():
                if len(held) > 1:
                    keep = max(held, key=lambda v: v["updated_at"])
                    self.note("warning", f"tag {tag!r} of model {model['name']!r} is held by versions "
                                         f"{sorted(v['number'] for v in held)}; the newest keeps it", fix=True)
                    if self.repair:
                        for version in held:
                            if version is not keep:
                                docs.put("versions", {**version, "tags": [t for t in version["tags"] if t != tag]})
            if fixed != model and self.repair:
                docs.put("models", fixed)

    def _experiments(self) -> None:
        docs = self.registry.docs
        for experiment in list(docs.scan("experiments")):
            count = len(docs.find("checkpoints", "experiment_id", experiment["id"]))
            if experiment["num_checkpoints"] != count:
                self.note("warning", f"experiment {experiment['name']!r} counts {experiment['num_checkpoints']} "
                                     f"checkpoints but has {count}", fix=True)
                if self.repair:
                    docs.put("experiments", {**experiment, "num_checkpoints": count})

    def _artifact_bytes(self) -> None:
        blobs = self.registry.blobs
        referenced = set()
        for artifact in self.registry.docs.scan("artifacts"):
            if artifact["tracked"]:
                continue
            referenced.add(artifact["checksum"])
            if not blobs.exists(artifact["checksum"]):
                self.note("error", f"artifact {artifact['path']!r} ({artifact['id']}) has lost its bytes")
            elif self.verify_bytes and _sha256(blobs, artifact["checksum"]) != artifact["checksum"]:
                self.note("error", f"the bytes of artifact {artifact['path']!r} ({artifact['id']}) no longer match "
                                   "their sha256: restore them from a backup (modelbox import)")
        for checksum in list(blobs.checksums()):
            if checksum not in referenced:
                self.note("info", f"blob {checksum} is referenced by no artifact", fix=True)
                if self.repair:
                    blobs.remove(checksum)

    def _metric_files(self) -> None:
        for problem in self.registry.metrics.check(self.repair):
            self.note("warning", problem, fix=True)

    def _staging(self) -> None:
        blobs = self.registry.blobs
        for name in blobs.stale_staging(STALE_STAGING_SECONDS):
            self.note("info", f"unfinished upload {name} is older than a day", fix=True)
            if self.repair:
                blobs.remove_staging(name)
        if self.repair:  # and the sessions the registry kept for them
            cutoff = datetime.fromtimestamp(time.time() - STALE_STAGING_SECONDS, UTC).isoformat()
            with self.registry.docs.transaction():
                for session in list(self.registry.docs.scan("uploads")):
                    if session["created_at"] < cutoff:
                        blobs.cancel_upload(session["id"], session["state"])
                        self.registry.docs.delete("uploads", session["id"])


def _sha256(blobs: BlobStore, checksum: str) -> str:
    digest = hashlib.sha256()
    with blobs.open(checksum) as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def check_folder(root: Path, repair: bool = False, verify_bytes: bool = True) -> list[Finding]:
    """Check (and repair) a registry folder that no other process has open."""
    findings = repair_journal(root) if repair else []
    try:
        registry = Registry(root)
    except Exception as exc:  # report, whatever it is: the point of check is to say what is wrong
        return [*findings, Finding("error", f"the registry cannot be opened: {exc}")]
    try:
        findings.extend(Finding("warning", message, repaired=True) for message in registry.recovered)
        findings.extend(RegistryChecker(registry, repair, verify_bytes).run())
    finally:
        registry.close()
    return findings
