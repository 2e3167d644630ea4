"""Checkpoints: uploaded files with what the training run reported (Determined's checkpoint fields),
on their own or in an experiment."""

from __future__ import annotations

from typing import Any

from .artifacts import check_artifact_path
from .backend import BlobRef, Change
from .base import Doc, new_id, now, operation, public
from .errors import InvalidArgumentError
from .models import ModelOps
from .validation import check_int, check_json_value, check_metadata, check_optional_text


def check_optional_int(value: Any, what: str) -> int | None:
    return None if value is None else check_int(value, what)


class CheckpointOps(ModelOps):
    @operation
    def create_checkpoint(
        self,
        files: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        framework: str | None = None,
        format: str | None = None,
        lineage: dict[str, Any] | None = None,
        experiment_id: str | None = None,
        epoch: int | None = None,
        batch_number: int | None = None,
        trial_id: int | None = None,
        hparams: dict[str, Any] | None = None,
        actor: str | None = None,
    ) -> Doc:
        """A checkpoint whose ``files`` (``{"path", "checksum", "size", "mime_type"}``) are already uploaded.

        In an experiment (``experiment_id``) it takes the experiment's framework and hparams unless
        given, and counts in the experiment's ``num_checkpoints``. ``resources`` maps each file to its size.
        """
        specs = []
        for spec in files or []:
            if not isinstance(spec, dict):
                raise InvalidArgumentError(f"each checkpoint file must be a dict, not {spec!r}")
            path = check_artifact_path(spec.get("path"))
            specs.append((path, self._check_blob(spec), self._mime(spec.get("mime_type"), path)))
        if len({path for path, _, _ in specs}) != len(specs):
            raise InvalidArgumentError("two checkpoint files have the same path")
        experiment = None
        if experiment_id is not None:
            experiment = self._hold("experiments", experiment_id, "experiment")
        doc: Doc = {
            "id": new_id(),
            "experiment_id": experiment_id,
            "trial_id": check_optional_int(trial_id, "trial_id"),
            "epoch": check_optional_int(epoch, "epoch"),
            "batch_number": check_optional_int(batch_number, "batch_number"),
            "metadata": check_metadata(metadata, self.limits),
            "metrics": check_metadata(metrics, self.limits, "checkpoint metrics"),
            "hparams": check_metadata(hparams, self.limits, "hparams") if hparams is not None
            else check_json_value((experiment or {}).get("hparams") or {}, "hparams", self.limits),
            "framework": check_optional_text(framework, "framework", self.limits)
            or (experiment or {}).get("framework"),
            "format": check_optional_text(format, "format", self.limits),
            "resources": {path: blob["size"] for path, blob, _ in specs},
            "lineage": check_metadata(lineage, self.limits, "lineage") or None,
            "owner": actor or self.default_actor,
        }
        doc["uuid"] = doc["id"]
        doc["created_at"] = doc["updated_at"] = now()
        with self.docs.transaction():
            self._save("checkpoints", doc)
            for path, blob, mime in specs:
                artifact = self._artifact_doc(doc["id"], path, mime, actor, checksum=blob["checksum"],
                                              size=blob["size"], tracked=False, location=None)
                self.docs.put("artifacts", artifact)
            if experiment is not None:
                self._change("experiments", experiment, Change(add={"num_checkpoints": 1},
                                                               set={"updated_at": doc["created_at"]}),
                             None, f"experiment {experiment['name']!r}")
            self._emit("checkpoint.created", actor, object_id=doc["id"], experiment_id=experiment_id)
        return public(doc)

    @operation
    def get_checkpoint(self, uuid: str) -> Doc:
        return public(self._get("checkpoints", uuid, "checkpoint"))


def blob_spec(path: str, blob: BlobRef, mime_type: Any = None) -> dict[str, Any]:
    return {"path": path, "checksum": blob["checksum"], "size": blob["size"], "mime_type": mime_type}
