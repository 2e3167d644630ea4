"""``Experiment``: a training run's checkpoints, metrics, metadata, artifacts and events (both seeds' calls)."""

from __future__ import annotations

from typing import Any

from .models import Checkpoint, checkpoint_files
from .registry_object import Page, RegistryObject
from .transport import experiment_transport


class Experiment(RegistryObject):
    """A named training run in a namespace: its checkpoints, and what the run logged."""

    @property
    def name(self) -> str:
        return self._doc["name"]

    @property
    def namespace(self) -> str:
        return self._doc["namespace"]

    @property
    def owner(self) -> str:
        return self._doc["owner"]

    @property
    def external_id(self) -> str | None:
        return self._doc["external_id"]

    @property
    def framework(self) -> str | None:
        return self._doc["framework"]

    @property
    def hparams(self) -> dict[str, Any]:
        return dict(self._doc["hparams"])

    @property
    def metric(self) -> str | None:
        """The metric ``top_checkpoint`` ranks by (``None``: ``val_loss``)."""
        return self._doc["metric"]

    @property
    def smaller_is_better(self) -> bool | None:
        return self._doc["smaller_is_better"]

    @property
    def num_checkpoints(self) -> int:
        return self._doc["num_checkpoints"]

    def reload(self) -> Experiment:
        self._doc = experiment_transport(self._box._transport).get_experiment(self.id)
        return self

    # -- checkpoints ---------------------------------------------------------------------------

    def new_checkpoint(
        self,
        files: Any = None,
        epoch: int | None = None,
        batch_number: int | None = None,
        trial_id: int | None = None,
        metrics: dict[str, Any] | None = None,
        hparams: dict[str, Any] | None = None,
        framework: str | None = None,
        format: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Checkpoint:
        """Upload ``files`` (or folders; none is fine) as a checkpoint of this experiment, with what the run
        reported; it takes the experiment's framework and hparams unless given."""
        doc = experiment_transport(self._box._transport).create_checkpoint(
            checkpoint_files(self._box, files) if files is not None else [], metadata=metadata, metrics=metrics,
            framework=framework, format=format, lineage=self._box.capture_lineage(), experiment_id=self.id,
            epoch=epoch, batch_number=batch_number, trial_id=trial_id, hparams=hparams)
        self._mark_stale()  # its count went up: read again when looked at
        return Checkpoint(self._box, doc)

    def checkpoints(self, epoch: int | None = None, offset: int = 0, limit: int | None = None) -> Page[Checkpoint]:
        """This experiment's checkpoints by epoch, then batch number (a list whose ``total`` counts them all)."""
        docs, total = experiment_transport(self._box._transport).list_checkpoints(self.id, epoch, offset, limit)
        return Page((Checkpoint(self._box, doc) for doc in docs), total)

    def top_checkpoint(self, metric: str | None = None, smaller_is_better: bool | None = None) -> Checkpoint:
        """The checkpoint with the best reported ``metric``: by default the experiment's declared metric,
        else ``val_loss`` with smaller is better. ``NotFoundError`` says so when no checkpoint reports it."""
        return Checkpoint(self._box, experiment_transport(self._box._transport).top_checkpoint(self.id, metric,
                                                                                    smaller_is_better))

    def __repr__(self) -> str:
        return (f"Experiment(name={self.name!r}, namespace={self.namespace!r}, checkpoints={self.num_checkpoints}, "
                f"framework={self.framework!r})")


def run_summary(checkpoint: Checkpoint | None) -> str | None:
    """``experiment mnist-run (vision) · trial 7 · epoch 2 · batch 200``: the training run a checkpoint
    came from, for lineage views; ``None`` for a checkpoint outside any experiment."""
    experiment = checkpoint.experiment if checkpoint is not None else None
    if checkpoint is None or experiment is None:
        return None
    parts = [f"experiment {experiment.name} ({experiment.namespace})"]
    parts += [f"{what} {value}" for what, value in (("trial", checkpoint.trial_id), ("epoch", checkpoint.epoch),
                                                    ("batch", checkpoint.batch_number)) if value is not None]
    return " · ".join(parts)
