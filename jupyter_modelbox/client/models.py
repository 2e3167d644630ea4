"""``Model``, ``ModelVersion`` and ``Checkpoint``: both seeds' calls on registry objects (their shared base
is ``RegistryObject``; ``Artifact`` is in ``artifact.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..registry.checkpoints import blob_spec
from .artifact import _time, upload_blobs, upload_items
from .plots import plot_layer
from .registry_object import Page, RegistryObject

if TYPE_CHECKING:
    from .experiments import Experiment


class Checkpoint(RegistryObject):
    """A set of uploaded files (and metadata) that versions can be registered from; Determined's fields
    (``experiment_id``, ``trial_id``, ``epoch``, ``batch_number``, ``hparams``, ``resources``) when a run made it."""

    @property
    def uuid(self) -> str:
        return self._doc["uuid"]

    @property
    def experiment_id(self) -> str | None:
        return self._doc.get("experiment_id")  # checkpoints written before experiments existed have none

    @property
    def experiment(self) -> Experiment | None:
        """The experiment this checkpoint belongs to, if any."""
        from .experiments import Experiment
        from .transport import experiment_transport

        if self.experiment_id is None:
            return None
        return Experiment(self._box, experiment_transport(self._box._transport).get_experiment(self.experiment_id))

    @property
    def trial_id(self) -> int | None:
        return self._doc.get("trial_id")

    @property
    def epoch(self) -> int | None:
        return self._doc.get("epoch")

    @property
    def batch_number(self) -> int | None:
        return self._doc.get("batch_number")

    @property
    def hparams(self) -> dict[str, Any]:
        return dict(self._doc.get("hparams") or {})

    @property
    def resources(self) -> dict[str, int]:
        """Each file's path and size in bytes."""
        return dict(self._doc.get("resources") or {})

    @property
    def framework(self) -> str | None:
        return self._doc["framework"]

    @property
    def format(self) -> str | None:
        return self._doc["format"]

    @property
    def lineage(self) -> dict[str, Any] | None:
        """Where this checkpoint came from, if it was recorded (see ``ModelVersion.lineage``)."""
        return _lineage_of(self._doc)

    @property
    def summary_metrics(self) -> dict[str, Any]:
        """The ``metrics`` dict given to ``new_checkpoint`` (``metrics()`` is the logged series)."""
        return dict(self._doc["metrics"])

    def reload(self) -> Checkpoint:
        self._doc = self._box._transport.get_checkpoint(self.id)
        return self

    def load(self, trusted: bool = False) -> Any:
        """The framework object in this checkpoint's files (see ``ModelVersion.load``)."""
        from .frameworks import load  # frameworks are imported only when something is loaded

        return load(self, trusted)

    def __repr__(self) -> str:
        return (f"Checkpoint(uuid={self.uuid!r}, epoch={self.epoch!r}, batch_number={self.batch_number!r}, "
                f"framework={self.framework!r}, format={self.format!r})")


class ModelVersion(RegistryObject):
    """A numbered version of a model, optionally pointing at a checkpoint."""

    @property
    def model_id(self) -> str:
        return self._doc["model_id"]

    @property
    def model(self) -> Model:
        return Model(self._box, self._box._transport.get_model(self.model_id))

    @property
    def number(self) -> int:
        return self._doc["number"]

    @property
    def version(self) -> str:
        """The user's label (defaults to the number as a string)."""
        return self._doc["version"]

    @property
    def name(self) -> str:
        return self._doc["name"]

    @property
    def description(self) -> str:
        return self._doc["description"]

    @property
    def framework(self) -> str | None:
        return self._doc["framework"]

    @property
    def tags(self) -> list[str]:
        return list(self._doc["tags"])

    @property
    def owner(self) -> str:
        return self._doc["owner"]

    @property
    def checkpoint_uuid(self) -> str | None:
        return self._doc["checkpoint_uuid"]

    @property
    def lineage(self) -> dict[str, Any] | None:
        """Where this version came from (notebook, cells, packages, git, host), if it was recorded."""
        return _lineage_of(self._doc)

    @property
    def checkpoint(self) -> Checkpoint | None:
        uuid = self.checkpoint_uuid
        return Checkpoint(self._box, self._box._transport.get_checkpoint(uuid)) if uuid else None

    def reload(self) -> ModelVersion:
        self._doc = self._box._transport.get_version_by_id(self.id)
        return self

    def add_tag(self, tag: str, move: bool = False) -> None:
        """Give this version a unique tag; ``move=True`` takes it from the version holding it."""
        self._doc = self._box._transport.add_tag(self.id, tag, move)

    def remove_tag(self, tag: str) -> None:
        self._doc = self._box._transport.remove_tag(self.id, tag)

    def set_description(self, description: str) -> None:
        self._doc = self._box._transport.update_version(self.id, description=description)

    def set_label(self, version: str) -> None:
        self._doc = self._box._transport.update_version(self.id, version=version)

    def delete(self) -> None:
        """Delete this version; its number is never given to another version."""
        self._box.flush()  # buffered points of this version must not outlive it
        self._box._transport.delete_version(self.id)

    def plot_metrics(self, keys: str | list[str] | None = None, **options: Any) -> Any:
        """A ``MetricsPlot`` widget of this version's curves (``x=``, ``smoothing=``, ``log_y=``, ``live=``)."""
        return plot_layer().metrics_plot(self, [keys] if isinstance(keys, str) else keys, **options)

    def download(self, path: Any) -> Any:
        """The checkpoint's files (if any) and this version's own artifacts, into folder ``path``."""
        checkpoint = self.checkpoint
        if checkpoint is not None:
            checkpoint.download(path)
        return super().download(path)

    def load(self, trusted: bool = False) -> Any:
        """The framework object this version holds: a scikit-learn estimator, a PyTorch state_dict or module,
        an ``onnxruntime.InferenceSession``... chosen by the recorded framework and format.

        Bytes are verified against their sha256 before anything is deserialized. Pickled files (joblib,
        pickle, whole PyTorch modules) can run code when read, so they load only with ``trusted=True``.
        """
        from .frameworks import load

        return load(self, trusted)

    def __repr__(self) -> str:
        return (f"ModelVersion(model={self.name!r}, number={self.number}, version={self.version!r}, "
                f"tags={self.tags}, framework={self.framework!r})")


class Model(RegistryObject):
    """A named model in a namespace, holding numbered versions."""

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
    def task(self) -> str:
        return self._doc["task"]

    @property
    def description(self) -> str:
        return self._doc["description"]

    @property
    def archived(self) -> bool:
        return self._doc["archived"]

    @property
    def num_versions(self) -> int:
        return self._doc["num_versions"]

    @property
    def creation_time(self) -> datetime:
        return self.created_at

    @property
    def last_updated_time(self) -> datetime:
        return self.updated_at

    def reload(self) -> Model:
        self._doc = self._box._transport.get_model(self.id)
        return self

    # -- versions ------------------------------------------------------------------------------

    def new_model_version(
        self,
        version: str | None = None,
        name: str | None = None,
        description: str = "",
        artifacts: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        unique_tags: list[str] | None = None,
        framework: str | None = None,
    ) -> ModelVersion:
        """The next numbered version; ``artifacts`` are paths to track (see ``upload_artifact``)."""
        doc = self._box._transport.create_version(
            self.id, version=version, name=name, description=description, artifacts=artifacts,
            metadata=metadata, unique_tags=unique_tags, framework=framework, lineage=self._box.capture_lineage(),
        )
        self._mark_stale()  # its count went up: read again when looked at
        return ModelVersion(self._box, doc)

    def register_version(self, checkpoint_uuid: str, **fields: Any) -> ModelVersion:
        """The next numbered version, pointing at an existing checkpoint."""
        if "lineage" not in fields:
            fields["lineage"] = self._box.capture_lineage()
        doc = self._box._transport.create_version(self.id, checkpoint_uuid=checkpoint_uuid, **fields)
        self._mark_stale()  # its count went up: read again when looked at
        return ModelVersion(self._box, doc)

    def register_files(self, files: Any, **fields: Any) -> ModelVersion:
        """Upload ``files`` as a new checkpoint and register it as the next version."""
        return self.register_version(self._box.new_checkpoint(files).uuid, **fields)

    def log_model(self, obj: Any, framework: str | None = None, **metadata: Any) -> ModelVersion:
        """Save ``obj`` (framework detected from its type unless given), upload it as a checkpoint and
        register it as the next version with ``metadata``; ``version.load()`` gives it back."""
        from .frameworks import log_model

        return log_model(self, obj, framework, metadata)

    def get_version(self, version: int | str | None = None) -> ModelVersion | None:
        """Version by number or unique tag; the newest one when ``version`` is omitted (``None`` if none)."""
        doc = self._box._transport.get_version(self.id, version)
        return ModelVersion(self._box, doc) if doc else None

    def get_versions(self, offset: int = 0, limit: int | None = None) -> Page[ModelVersion]:
        """Versions, newest first (a list whose ``total`` counts them all)."""
        docs, total = self._box._transport.list_versions(self.id, offset, limit)
        return Page((ModelVersion(self._box, doc) for doc in docs), total)

    def search_versions(self, query: str, offset: int = 0, limit: int | None = None) -> Page[ModelVersion]:
        """This model's versions matching the search language (see ``ModelBox.search_versions``), newest first."""
        docs, total = self._box._transport.list_versions(self.id, offset, limit, q=query)
        return Page((ModelVersion(self._box, doc) for doc in docs), total)

    def tag_history(self, tag: str | None = None) -> list[dict[str, Any]]:
        """Every set/move/removal of this model's tags, oldest first, with ``at`` as a datetime."""
        return [{**r, "at": _time(r["at"])} for r in self._box._transport.tag_history(self.id, tag)]

    def tag_holder(self, tag: str, at: datetime | str | None = None) -> ModelVersion | None:
        """The version that held ``tag`` at ``at`` (default: now)."""
        doc = self._box._transport.tag_holder(self.id, tag, at)
        return ModelVersion(self._box, doc) if doc else None

    # -- comparison ----------------------------------------------------------------------------

    def compare(self, versions: Any = None, diff_only: bool = False) -> pd.DataFrame:
        """Versions side by side: one column per version (``v3 (label)``), one row per field.

        ``versions``: numbers, tags, ``"latest"`` or ``ModelVersion`` objects (default: all, newest
        first). Rows: label, framework, tags, created, checkpoint.uuid, the run it came from (experiment,
        checkpoint.trial_id/epoch/batch_number, when known), ``metadata.<dotted.path>``,
        ``checkpoint.hparams.<key>``, ``checkpoint.metrics.<key>`` and ``metrics.<key>.last|min|max`` of the
        logged series.
        ``diff_only=True`` keeps the rows whose values differ.
        """
        from .compare import compare

        return compare(self, versions, diff_only)

    def metric_trend(self, key: str, versions: Any = None) -> pd.DataFrame:
        """``key``'s final value per version number (columns ``version, value, source``), oldest first."""
        from .compare import metric_trend

        return metric_trend(self, key, versions)

    def plot_metrics(self, keys: str | list[str] | None = None, versions: Any = None, **options: Any) -> Any:
        """A ``MetricsPlot`` widget overlaying the curves of ``versions`` (default: all of them)."""
        from .compare import resolve_versions

        return plot_layer().metrics_plot(resolve_versions(self, versions), [keys] if isinstance(keys, str) else keys,
                                         **options)

    def plot_metric_trend(self, key: str, versions: Any = None) -> Any:
        """``metric_trend(key)`` drawn as a PNG ``Image`` widget (its matplotlib figure is ``.figure``)."""
        return plot_layer().metric_trend_plot(self.metric_trend(key, versions), key, self.name)

    # -- changes -------------------------------------------------------------------------------

    def set_description(self, description: str) -> None:
        self._doc = self._box._transport.update_model(self.id, description=description)

    def rename(self, name: str) -> None:
        self._doc = self._box._transport.update_model(self.id, name=name)

    def archive(self) -> None:
        self._doc = self._box._transport.update_model(self.id, archived=True)

    def unarchive(self) -> None:
        self._doc = self._box._transport.update_model(self.id, archived=False)

    def delete(self, cascade: bool = False) -> None:
        """Delete the model; refused while it has versions unless ``cascade=True``."""
        self._box.flush()
        self._box._transport.delete_model(self.id, cascade)

    def __repr__(self) -> str:
        return (f"Model(name={self.name!r}, namespace={self.namespace!r}, versions={self.num_versions}, "
                f"description={self.description!r:.60})")


def _lineage_of(doc: dict[str, Any]) -> dict[str, Any] | None:
    lineage = doc.get("lineage")  # documents written before lineage existed have no such key
    return dict(lineage) if lineage else None


def checkpoint_files(box: Any, files: Any) -> list[dict[str, Any]]:
    """Upload files (folders recursively) and describe them for ``create_checkpoint``."""
    items = list(upload_items(files))
    return [blob_spec(path, blob) for blob, (_, path) in zip(upload_blobs(box._transport, items), items, strict=True)]
