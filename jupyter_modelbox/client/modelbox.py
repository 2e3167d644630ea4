"""``ModelBox``: the entry point of the Python API (both seeds' calls)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from ..registry import check_folder, open_registry, release_registry
from ..registry.enums import ModelOrderBy, ModelSortBy
from ..registry.facade import Registry
from ..registry.s3 import S3Options
from . import lineage as lineage_capture
from .discovery import choose
from .experiments import Experiment
from .http import HttpTransport
from .metric_buffer import MetricBuffer
from .models import Checkpoint, Model, ModelVersion, checkpoint_files
from .registry_object import Page
from .transport import Transport, experiment_transport

log = logging.getLogger("jupyter_modelbox")


class ModelBox:
    """A model registry: a folder opened in this process (``root=``), a Jupyter server (``url=``), or a
    PostgreSQL registry opened in this process (``database_url=`` with ``blob_root=``, the folder of
    artifact bytes that every server sharing the database reaches). In process, ``blob_url=s3://bucket/prefix``
    (or ``$MODELBOX_BLOB_URL``) keeps artifact bytes in S3 instead, with ``s3_endpoint_url``, ``s3_region`` and
    ``s3_addressing_style`` for an S3-compatible store; credentials come from the standard AWS chain.

    ``ModelBox()`` finds one by itself: ``$MODELBOX_URL``, else the Jupyter server running this
    kernel, else ``$MODELBOX_ROOT``, else ``<Jupyter data dir>/modelbox`` (see ``discovery``).

    Versions and checkpoints created from a notebook kernel record their lineage (notebook, cells,
    packages, git, host; see ``client.lineage``) unless ``lineage=False`` or ``$MODELBOX_LINEAGE=0``.
    """

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        url: str | None = None,
        token: str | None = None,
        transport: Transport | None = None,
        grpc: str | None = None,
        database_url: str | None = None,
        blob_root: str | os.PathLike[str] | None = None,
        blob_url: str | None = None,
        s3_endpoint_url: str | None = None,
        s3_region: str | None = None,
        s3_addressing_style: str | None = None,
        lineage: bool | None = None,
    ) -> None:
        self._registry: Registry | None = None
        self.record_lineage = lineage_capture.enabled(lineage)
        why = "given"
        if transport is None and root is None and url is None and grpc is None and database_url is None:
            choice = choose()
            root, url, token, why = choice.root, choice.url, choice.token, choice.why
            database_url, blob_root = choice.database_url, choice.blob_root
        if transport is not None:
            self._transport = transport
            self.location = repr(transport)
        elif grpc is not None:  # "host:port" of ModelboxApp.grpc_port (pip install 'jupyter_modelbox[grpc]')
            from .grpc_transport import GrpcTransport

            self._transport = GrpcTransport(grpc, token)
            self.location = repr(self._transport)
        elif url is not None:
            self._transport = HttpTransport(url, token)
            self.location = f"Jupyter server {url}"
        else:  # in this process: a registry folder, or a database shared with other servers and jobs
            blob_url = blob_url or os.environ.get("MODELBOX_BLOB_URL") or None  # as the server's default
            s3 = S3Options.from_env(s3_endpoint_url, s3_region, s3_addressing_style)
            self._registry = open_registry(root, database_url=database_url, blob_root=blob_root, blob_url=blob_url,
                                           s3=s3)
            self._transport = self._registry
            self.location = self._registry.location
        log.info("jupyter_modelbox: using the %s (%s)", self.location, why)
        self._token = token
        self._metrics = MetricBuffer(self._transport)

    def __repr__(self) -> str:
        return f"ModelBox({self.location})"

    def __enter__(self) -> ModelBox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def flush(self) -> None:
        """Send buffered ``log_metrics`` points now (also done on reads and at exit)."""
        self._metrics.flush()

    def capture_lineage(self) -> dict[str, Any] | None:
        """The lineage a version or checkpoint created now gets: ``None`` outside IPython or when opted out."""
        if not self.record_lineage or not lineage_capture.in_kernel():
            return None
        record = lineage_capture.capture(known_secrets=[self._token])
        return lineage_capture.fit(record, self._transport.limits.max_metadata_bytes)

    def close(self) -> None:
        try:
            self._metrics.close()
        finally:
            if self._registry is not None:
                release_registry(self._registry)
                self._registry = None

    # -- ModelBox seed -------------------------------------------------------------------------

    def new_model(
        self,
        name: str,
        owner: str | None = None,
        namespace: str | None = None,
        task: str | None = None,
        description: str = "",
        artifacts: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        exist_ok: bool = False,
    ) -> Model:
        """Create a model; ``artifacts`` are paths to track (not upload). ``exist_ok`` returns an existing one."""
        return Model(self, self._transport.create_model(
            name, owner=owner, namespace=namespace, task=task, description=description,
            artifacts=artifacts, metadata=metadata, exist_ok=exist_ok,
        ))

    def models(self, namespace: str | None = None) -> Page[Model]:
        """Every model (of one namespace), by name."""
        docs, total = self._transport.list_models(namespace=namespace)
        return Page((Model(self, doc) for doc in docs), total)

    def namespaces(self) -> list[str]:
        return self._transport.namespaces()

    def new_experiment(
        self,
        name: str,
        owner: str | None = None,
        namespace: str | None = None,
        external_id: str | None = None,
        framework: str | None = None,
        metadata: dict[str, Any] | None = None,
        hparams: dict[str, Any] | None = None,
        exist_ok: bool = False,
        metric: str | None = None,
        smaller_is_better: bool | None = None,
    ) -> Experiment:
        """An experiment (names are unique per namespace; ``exist_ok`` returns the existing one).
        ``metric``/``smaller_is_better`` declare what ``top_checkpoint`` ranks by (default ``val_loss``, smaller)."""
        return Experiment(self, experiment_transport(self._transport).create_experiment(
            name, owner=owner, namespace=namespace, external_id=external_id, framework=framework, metadata=metadata,
            hparams=hparams, metric=metric, smaller_is_better=smaller_is_better, exist_ok=exist_ok))

    def get_experiment(self, id_or_name: str, namespace: str | None = None) -> Experiment:
        """An experiment by id, else by name in ``namespace`` (default ``"default"``)."""
        return Experiment(self, experiment_transport(self._transport).get_experiment(id_or_name, namespace))

    def experiments(self, namespace: str | None = None, query: str | None = None, offset: int = 0,
                    limit: int | None = None) -> Page[Experiment]:
        """Experiments, newest first, one page (its ``total`` counts every match).

        ``query`` is the search language over name, namespace, owner, external_id, framework, metric,
        created, updated, checkpoints (their number), metadata.<path> and hparams.<path>.
        """
        docs, total = experiment_transport(self._transport).list_experiments(namespace, query, offset, limit)
        return Page((Experiment(self, doc) for doc in docs), total)

    # -- Determined seed -----------------------------------------------------------------------

    def create_model(
        self, name: str, description: str = "", metadata: dict[str, Any] | None = None, namespace: str | None = None
    ) -> Model:
        return self.new_model(name, namespace=namespace, description=description, metadata=metadata)

    def get_model(self, name: str, namespace: str | None = None) -> Model:
        """A model by name (in ``namespace``, default ``"default"``)."""
        return Model(self, self._transport.find_model(name, namespace))

    def get_model_by_id(self, model_id: str) -> Model:
        return Model(self, self._transport.get_model(model_id))

    def get_models(
        self,
        sort_by: ModelSortBy | str = ModelSortBy.NAME,
        order_by: ModelOrderBy | str = ModelOrderBy.ASC,
        name: str | None = None,
        description: str | None = None,
        namespace: str | None = None,
        offset: int = 0,
        limit: int | None = None,
        archived: bool | None = None,
    ) -> Page[Model]:
        """Models whose name/description contain the given text (case-insensitive), sorted, one page
        (a list whose ``total`` counts all matches)."""
        docs, total = self._transport.list_models(
            namespace=namespace, name=name, description=description, sort_by=sort_by, order_by=order_by,
            offset=offset, limit=limit, archived=archived,
        )
        return Page((Model(self, doc) for doc in docs), total)

    def search(
        self,
        query: str,
        sort_by: ModelSortBy | str = ModelSortBy.NAME,
        order_by: ModelOrderBy | str = ModelOrderBy.ASC,
        namespace: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Page[Model]:
        """Models matching the search language, e.g. ``'name ~ mnist and tag:production'``.

        Fields: name, description, task, owner, namespace, created, updated, archived, versions,
        metadata.<path>, tag:<name>; operators = != < <= > >= ~ (substring) in [...]; and, or, not,
        parentheses; a bare word matches names and descriptions. Errors point at the position.
        """
        docs, total = self._transport.list_models(namespace=namespace, sort_by=sort_by, order_by=order_by,
                                                  offset=offset, limit=limit, q=query)
        return Page((Model(self, doc) for doc in docs), total)

    def search_versions(self, query: str, offset: int = 0, limit: int | None = None) -> Page[ModelVersion]:
        """Versions of every model matching the search language, newest first.

        Version fields: name, description, framework, version (label), number, owner, created,
        updated, model, namespace, checkpoint, metadata.<path>, metrics.<key> (the last logged value,
        else the checkpoint's), tag:<name>.
        """
        docs, total = self._transport.search_versions(query, offset, limit)
        return Page((ModelVersion(self, doc) for doc in docs), total)

    def new_checkpoint(
        self,
        files: Any,
        metadata: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        framework: str | None = None,
        format: str | None = None,
    ) -> Checkpoint:
        """Upload files (or folders) as a checkpoint; register it with ``model.register_version(ckpt.uuid)``."""
        return Checkpoint(self, self._transport.create_checkpoint(
            checkpoint_files(self, files), metadata=metadata, metrics=metrics, framework=framework, format=format,
            lineage=self.capture_lineage(),
        ))

    def get_checkpoint(self, uuid: str) -> Checkpoint:
        return Checkpoint(self, self._transport.get_checkpoint(uuid))

    # -- maintenance ---------------------------------------------------------------------------

    def check(self, repair: bool = False, verify_bytes: bool = True) -> list[dict[str, Any]]:
        """Verify the registry (records, numbering, tags, artifact bytes); ``repair`` fixes what is safe."""
        self.flush()
        return self._transport.check(repair, verify_bytes)

    @staticmethod
    def check_folder(root: str | os.PathLike[str], repair: bool = False,
                     verify_bytes: bool = True) -> list[dict[str, Any]]:
        """``check`` on a registry folder that no process has open, even one too damaged to open.

        The folder's journal is repaired first with ``repair=True``; nothing needs a ``ModelBox``.
        """
        return [finding.to_dict() for finding in check_folder(Path(root), repair, verify_bytes)]

    def export_registry(self, path: str | os.PathLike[str]) -> dict[str, Any]:
        """Back up everything (documents, metric series, artifact bytes) to a new folder or ``.tar``."""
        self.flush()
        return self._transport.export_to(path)

    def import_registry(self, path: str | os.PathLike[str]) -> dict[str, Any]:
        """Restore an export (folder or ``.tar``) into this registry, which must be empty."""
        return self._transport.import_from(path)

    def events(self, since: int = 0, timeout: float = 0.0) -> list[dict[str, Any]]:
        """Changes with a sequence number above ``since``; waits up to ``timeout`` s for one."""
        return self._transport.events(since=since, timeout=timeout)
