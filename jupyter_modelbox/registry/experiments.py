"""Experiments (named per namespace, like models) and the choice of an experiment's best checkpoint."""

from __future__ import annotations

import math
from typing import Any

from .base import Doc, new_id, now, operation, public
from .checkpoints import CheckpointOps
from .errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from .models import DEFAULT_NAMESPACE, name_key
from .search import EXPERIMENT_FIELDS, MISSING, dotted, parse
from .validation import check_int, check_metadata, check_name, check_optional_text

DEFAULT_METRIC = "val_loss"  # what top_checkpoint ranks by when neither the call nor the experiment names one


def check_flag(value: Any, what: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise InvalidArgumentError(f"{what} must be true, false or null, not {value!r}")
    return value


class ExperimentOps(CheckpointOps):
    @operation
    def create_experiment(
        self,
        name: str,
        owner: str | None = None,
        namespace: str | None = None,
        external_id: str | None = None,
        framework: str | None = None,
        metadata: dict[str, Any] | None = None,
        hparams: dict[str, Any] | None = None,
        metric: str | None = None,
        smaller_is_better: bool | None = None,
        exist_ok: bool = False,
        actor: str | None = None,
    ) -> Doc:
        """An experiment; ``metric``/``smaller_is_better`` declare how its checkpoints rank
        (``top_checkpoint``). ``exist_ok`` returns the experiment of that name instead of refusing."""
        name = check_name(name, "experiment name", self.limits)
        namespace = check_name(namespace or DEFAULT_NAMESPACE, "namespace", self.limits)
        doc: Doc = {
            "id": new_id(),
            "name": name,
            "namespace": namespace,
            "owner": check_optional_text(owner, "owner", self.limits) or actor or self.default_actor,
            "external_id": check_optional_text(external_id, "external_id", self.limits),
            "framework": check_optional_text(framework, "framework", self.limits),
            "metadata": check_metadata(metadata, self.limits),
            "hparams": check_metadata(hparams, self.limits, "hparams"),
            "metric": check_optional_text(metric, "metric", self.limits) or None,
            "smaller_is_better": check_flag(smaller_is_better, "smaller_is_better"),
            "num_checkpoints": 0,
            "_name_key": name_key(namespace, name),
        }
        existing = self.docs.find("experiments", "_name_key", doc["_name_key"])
        if existing:
            return self._existing_experiment(existing[0], exist_ok)
        doc["created_at"] = doc["updated_at"] = now()
        doc["revision"] = 1
        with self.docs.transaction():
            if not self.docs.insert("experiments", doc):  # another process created it meanwhile
                found = self.docs.find("experiments", "_name_key", doc["_name_key"])
                return self._existing_experiment(found[0], exist_ok)
            self._emit("experiment.created", actor, experiment_id=doc["id"], namespace=namespace, name=name)
        return public(doc)

    @staticmethod
    def _existing_experiment(experiment: Doc, exist_ok: bool) -> Doc:
        if exist_ok:
            return public(experiment)
        raise AlreadyExistsError(f"an experiment named {experiment['name']!r} already exists in namespace "
                                 f"{experiment['namespace']!r}")

    @operation
    def get_experiment(self, ref: str, namespace: str | None = None) -> Doc:
        """By id, else by name in ``namespace`` (default ``"default"``)."""
        if not isinstance(ref, str) or not ref:
            raise InvalidArgumentError(f"an experiment is chosen by id or name, not {ref!r}")
        doc = self.docs.get("experiments", ref)
        if doc is None:
            found = self.docs.find("experiments", "_name_key", name_key(namespace or DEFAULT_NAMESPACE, ref))
            if not found:
                raise NotFoundError(f"no experiment has id {ref!r}, and none is named {ref!r} in namespace "
                                    f"{namespace or DEFAULT_NAMESPACE!r}")
            doc = found[0]
        return public(doc)

    @operation
    def list_experiments(
        self, namespace: str | None = None, q: str | None = None, offset: int = 0, limit: int | None = None
    ) -> tuple[list[Doc], int]:
        """Experiments (of one namespace) matching the query ``q`` (see ``search``), newest first; one page."""
        node = parse(q, EXPERIMENT_FIELDS)
        offset = check_int(offset, "offset")
        limit = None if limit is None else check_int(limit, "limit")
        page, total = self.backend.queries.experiments(node, namespace, offset, limit)
        return [public(doc) for doc in page], total

    @operation
    def list_checkpoints(
        self, experiment_id: str, epoch: int | None = None, offset: int = 0, limit: int | None = None
    ) -> tuple[list[Doc], int]:
        """An experiment's checkpoints by epoch, then batch number, then creation (those without come last)."""
        self._get("experiments", experiment_id, "experiment")
        found = self.docs.find("checkpoints", "experiment_id", experiment_id)
        if epoch is not None:
            epoch = check_int(epoch, "epoch")
            found = [c for c in found if c.get("epoch") == epoch]
        found.sort(key=checkpoint_order)
        offset = check_int(offset, "offset")
        end = None if limit is None else offset + check_int(limit, "limit")
        return [public(doc) for doc in found[offset:end]], len(found)

    @operation
    def top_checkpoint(
        self, experiment_id: str, metric: str | None = None, smaller_is_better: bool | None = None
    ) -> Doc:
        """The checkpoint with the best reported ``metric``: the call's, else the experiment's declared
        one, else ``val_loss`` (smaller is better unless said otherwise). Dotted names reach into
        nested metrics (``validation_metrics.loss``)."""
        experiment = self._get("experiments", experiment_id, "experiment")
        metric = check_optional_text(metric, "metric", self.limits) or experiment["metric"] or DEFAULT_METRIC
        smaller = check_flag(smaller_is_better, "smaller_is_better")
        if smaller is None:
            declared = experiment["smaller_is_better"] if metric == experiment["metric"] else None
            smaller = True if declared is None else declared
        checkpoints = sorted(self.docs.find("checkpoints", "experiment_id", experiment_id), key=checkpoint_order)
        scored = [(value, doc) for doc in checkpoints if (value := reported(doc, metric)) is not None]
        if not scored:
            reports = sorted({key for doc in checkpoints for key in doc["metrics"]})
            if not checkpoints:
                why = "it has no checkpoints yet"
            else:
                why = (f"none of its {len(checkpoints)} checkpoint(s) reports {metric!r} as a number (they report: "
                       f"{', '.join(reports) or 'no metrics'}); pass metric=")
            raise NotFoundError(f"experiment {experiment['name']!r} has no top checkpoint by {metric!r}: {why}")
        best = min(scored, key=lambda pair: pair[0]) if smaller else max(scored, key=lambda pair: pair[0])
        return public(best[1])


def checkpoint_order(doc: Doc) -> tuple[Any, ...]:
    epoch, batch = doc.get("epoch"), doc.get("batch_number")
    return epoch is None, epoch or 0, batch is None, batch or 0, doc["created_at"]


def reported(checkpoint: Doc, metric: str) -> float | None:
    """The checkpoint's reported value of ``metric`` (a dotted path), if it is a finite number."""
    value = checkpoint["metrics"].get(metric, MISSING)
    if value is MISSING:
        value = dotted(checkpoint["metrics"], metric.split("."))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)
