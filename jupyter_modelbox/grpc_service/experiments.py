"""RPCs for experiments, their checkpoints and logged events (REST: the experiment operations)."""

from __future__ import annotations

from typing import Any

from ..registry.errors import AlreadyExistsError, InvalidArgumentError
from .base import Context, ServiceBase, optional, page, pb, required, unary
from .convert import Doc, fill, framework_name, from_map, from_struct


def _struct(message: Any, field: str) -> Doc | None:
    return from_struct(getattr(message, field)) if message.HasField(field) else None


def _metadata(request: Any) -> Doc | None:
    """The request's metadata, with the seed's ``task`` (experiments have no task field) kept in it."""
    metadata = from_map(request.metadata.metadata) if request.HasField("metadata") else None
    if request.task:
        metadata = {**(metadata or {}), "task": request.task}
    return metadata


class ExperimentRpcs(ServiceBase):
    @unary
    async def CreateExperiment(self, request: Any, context: Context) -> Any:
        fields = dict(
            owner=request.owner or None, namespace=request.namespace or None,
            external_id=request.external_id or None,
            framework=framework_name(request.framework_name, request.framework), metadata=_metadata(request),
            hparams=_struct(request, "hparams"), metric=optional(request, "metric"),
            smaller_is_better=optional(request, "smaller_is_better"), actor=self.actor,
        )
        exists = False
        try:
            doc = await self.call(self.registry.create_experiment, request.name, **fields)
        except AlreadyExistsError:
            if request.fail_if_exists:
                raise
            exists = True  # the seed answers an existing name with that experiment
            doc = await self.call(self.registry.get_experiment, request.name, request.namespace or None)
        return fill(pb.CreateExperimentResponse(), {
            "experiment_id": doc["id"], "experiment_exists": exists, "created_at": doc["created_at"],
            "updated_at": doc["updated_at"], "experiment": doc,
        })

    @unary
    async def ListExperiments(self, request: Any, context: Context) -> Any:
        offset, limit = page(request.offset, optional(request, "limit"))
        docs, total = await self.call(self.registry.list_experiments, request.namespace or None, request.q or None,
                                      offset, limit)
        return fill(pb.ListExperimentsResponse(), {"experiments": docs, "total": total})

    @unary
    async def GetExperiment(self, request: Any, context: Context) -> Any:
        if request.id and (request.name or request.namespace):
            raise InvalidArgumentError("GetExperiment takes an id, or a name and namespace, not both")
        ref = request.id or required(request.name, "id or name")
        doc = await self.call(self.registry.get_experiment, ref, request.namespace or None)
        return fill(pb.GetExperimentResponse(), {"experiment": doc})

    @unary
    async def ListCheckpoints(self, request: Any, context: Context) -> Any:
        docs, _ = await self.call(self.registry.list_checkpoints, required(request.experiment_id, "experiment_id"))
        return fill(pb.ListCheckpointsResponse(), {"checkpoints": docs})
