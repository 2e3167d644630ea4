"""RPCs for models, versions, tags, checkpoints and metadata (REST: ``server/handlers.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..registry.errors import InvalidArgumentError, NotFoundError
from .base import Context, ServiceBase, optional, page, pb, required, unary
from .convert import Doc, fill, framework_name, from_map, from_struct, from_value, mime_of, to_metadata


def _struct(message: Any, field: str) -> Doc | None:
    return from_struct(getattr(message, field)) if message.HasField(field) else None


def _metadata(message: Any, field: str = "metadata") -> Doc | None:
    """The seed's ``Metadata`` field as a dict (``None`` when unset)."""
    return from_map(getattr(message, field).metadata) if message.HasField(field) else None


def _tracked(request: Any) -> list[str] | None:
    """Locations to track: ours (``artifacts``) and the seed's (``files``, each a path or URI)."""
    for index, spec in enumerate(request.files):
        if not spec.path:
            raise InvalidArgumentError(f"files[{index}] needs a path (the location to track)")
    return [*request.artifacts, *(spec.path for spec in request.files)] or None


def _created(reply: Any, id_field: str, doc: Doc, doc_field: str) -> Any:
    return fill(reply, {id_field: doc["id"], "created_at": doc["created_at"], "updated_at": doc["updated_at"],
                        doc_field: doc})


def registry_object(doc: Doc) -> Any:
    """A model, version, experiment or checkpoint document as a ``RegistryObject``."""
    kind = ("checkpoint" if "uuid" in doc else "version" if "model_id" in doc
            else "experiment" if "num_checkpoints" in doc else "model")
    return fill(pb.RegistryObject(), {kind: doc})


def checkpoint_metrics(request: Any) -> Doc | None:
    """The seed's float map (each number as its shortest 32-bit form: 0.1, not 0.10000000149) under ours."""
    if not request.metrics and not request.HasField("all_metrics"):
        return None
    seed = {key: float(str(np.float32(value))) for key, value in request.metrics.items()}
    return {**seed, **(_struct(request, "all_metrics") or {})}


class ObjectRpcs(ServiceBase):
    # -- models --------------------------------------------------------------------------------

    @unary
    async def CreateModel(self, request: Any, context: Context) -> Any:
        doc = await self.call(
            self.registry.create_model, request.name, owner=request.owner or None,
            namespace=request.namespace or None, task=request.task, description=request.description,
            artifacts=_tracked(request), metadata=_metadata(request),
            exist_ok=request.exist_ok, actor=self.actor,
        )
        return _created(pb.CreateModelResponse(), "id", doc, "model")

    @unary
    async def ListModels(self, request: Any, context: Context) -> Any:
        offset, limit = page(request.offset, optional(request, "limit"))
        models, total = await self.call(
            self.registry.list_models, namespace=request.namespace or None, name=request.name or None,
            description=request.description or None, sort_by=request.sort_by or "name",
            order_by=request.order_by or "asc", offset=offset, limit=limit, archived=optional(request, "archived"),
            q=request.q or None,
        )
        return fill(pb.ListModelsResponse(), {"models": models, "total": total})

    @unary
    async def GetModel(self, request: Any, context: Context) -> Any:
        if request.id and (request.name or request.namespace):
            raise InvalidArgumentError("GetModel takes an id, or a name and namespace, not both")
        if request.id:
            doc = await self.call(self.registry.get_model, request.id)
        else:
            doc = await self.call(self.registry.find_model, required(request.name, "id or name"),
                                  request.namespace or None)
        return fill(pb.GetModelResponse(), {"model": doc})

    @unary
    async def ListNamespaces(self, request: Any, context: Context) -> Any:
        return pb.ListNamespacesResponse(namespaces=await self.call(self.registry.namespaces))

    @unary
    async def UpdateModel(self, request: Any, context: Context) -> Any:
        """As ``PATCH models/{id}``: one registry call (unarchive first, change, archive last)."""
        fields = {name: optional(request, name) for name in ("name", "description", "task", "owner", "archived")}
        doc = await self.call(self.registry.update_model, request.model_id, actor=self.actor,
                              if_revision=optional(request, "if_revision"), **fields)
        return fill(pb.UpdateModelResponse(), {"model": doc})

    @unary
    async def DeleteModel(self, request: Any, context: Context) -> Any:
        await self.call(self.registry.delete_model, request.model_id, cascade=request.cascade, actor=self.actor,
                        if_revision=optional(request, "if_revision"))
        return pb.DeleteModelResponse()

    # -- versions and tags ---------------------------------------------------------------------

    @unary
    async def CreateModelVersion(self, request: Any, context: Context) -> Any:
        doc = await self.call(
            self.registry.create_version, request.model, version=request.version or None,
            name=request.name or None, description=request.description, artifacts=_tracked(request),
            metadata=_metadata(request), unique_tags=list(request.unique_tags) or None,
            framework=framework_name(request.framework_name, request.framework),
            checkpoint_uuid=request.checkpoint_uuid or None,
            lineage=_struct(request, "lineage"), actor=self.actor,
        )
        return _created(pb.CreateModelVersionResponse(), "model_version", doc, "version")

    @unary
    async def RegisterVersion(self, request: Any, context: Context) -> Any:
        doc = await self.call(self.registry.create_version, request.model_id,
                              checkpoint_uuid=required(request.checkpoint_uuid, "checkpoint_uuid"),
                              lineage=_struct(request, "lineage"), actor=self.actor)
        return fill(pb.RegisterVersionResponse(), {"version": doc})

    @unary
    async def ListModelVersions(self, request: Any, context: Context) -> Any:
        offset, limit = page(request.offset, optional(request, "limit"))
        if request.model:
            versions, total = await self.call(self.registry.list_versions, request.model, offset, limit,
                                              request.q or None)
        else:
            versions, total = await self.call(self.registry.search_versions,
                                              required(request.q, "model or q"), offset, limit)
        # the seed's singular `models` gets the newest of the page (see the proto)
        return fill(pb.ListModelVersionsResponse(), {"model_versions": versions, "total": total,
                                                     "models": versions[0] if versions else None})

    @unary
    async def GetModelVersion(self, request: Any, context: Context) -> Any:
        if request.version_id and (request.model_id or request.ref):
            raise InvalidArgumentError("GetModelVersion takes a version_id, or a model_id and ref, not both")
        if request.version_id:
            doc = await self.call(self.registry.get_version_by_id, request.version_id)
        else:
            doc = await self.call(self.registry.get_version, required(request.model_id, "version_id or model_id"),
                                  request.ref or None)
        return fill(pb.GetModelVersionResponse(), {"version": doc})

    @unary
    async def UpdateModelVersion(self, request: Any, context: Context) -> Any:
        fields = {name: optional(request, name) for name in ("version", "name", "description", "framework")}
        doc = await self.call(self.registry.update_version, request.version_id, actor=self.actor,
                              if_revision=optional(request, "if_revision"), **fields)
        return fill(pb.UpdateModelVersionResponse(), {"version": doc})

    @unary
    async def DeleteModelVersion(self, request: Any, context: Context) -> Any:
        await self.call(self.registry.delete_version, request.version_id, actor=self.actor,
                        if_revision=optional(request, "if_revision"))
        return pb.DeleteModelVersionResponse()

    @unary
    async def AddTag(self, request: Any, context: Context) -> Any:
        doc = await self.call(self.registry.add_tag, request.version_id, request.tag, request.move, actor=self.actor,
                              if_revision=optional(request, "if_revision"))
        return fill(pb.AddTagResponse(), {"version": doc})

    @unary
    async def RemoveTag(self, request: Any, context: Context) -> Any:
        doc = await self.call(self.registry.remove_tag, request.version_id, request.tag, actor=self.actor,
                              if_revision=optional(request, "if_revision"))
        return fill(pb.RemoveTagResponse(), {"version": doc})

    @unary
    async def GetTagHistory(self, request: Any, context: Context) -> Any:
        history = await self.call(self.registry.tag_history, request.model_id, optional(request, "tag"))
        return fill(pb.GetTagHistoryResponse(), {"history": history})

    @unary
    async def GetTagHolder(self, request: Any, context: Context) -> Any:
        doc = await self.call(self.registry.tag_holder, request.model_id, request.tag, request.at or None)
        return fill(pb.GetTagHolderResponse(), {"version": doc})

    # -- checkpoints ---------------------------------------------------------------------------

    @unary
    async def CreateCheckpoint(self, request: Any, context: Context) -> Any:
        files = []
        for index, spec in enumerate(request.files):
            if spec.id or spec.parent_id or spec.tracked or spec.HasField("location"):
                raise InvalidArgumentError(
                    f"checkpoint file {index} ({spec.path!r}): give path, checksum, size and file_type only"
                )
            files.append({"path": spec.path, "checksum": spec.checksum, "size": optional(spec, "size"),
                          "mime_type": mime_of(spec.file_type, detect=True)})
        doc = await self.call(
            self.registry.create_checkpoint, files, metadata=_metadata(request), metrics=checkpoint_metrics(request),
            framework=optional(request, "framework"), format=optional(request, "format"),
            lineage=_struct(request, "lineage"), experiment_id=request.experiment_id or None,
            epoch=None if request.no_epoch else request.epoch, batch_number=optional(request, "batch_number"),
            trial_id=optional(request, "trial_id"), hparams=_struct(request, "hparams"), actor=self.actor,
        )
        return _created(pb.CreateCheckpointResponse(), "checkpoint_id", doc, "checkpoint")

    @unary
    async def GetCheckpoint(self, request: Any, context: Context) -> Any:
        if request.uuid and request.experiment_id:
            raise InvalidArgumentError("GetCheckpoint takes a uuid, or an experiment_id and epoch, not both")
        if request.uuid:
            doc = await self.call(self.registry.get_checkpoint, request.uuid)
        else:
            experiment = required(request.experiment_id, "uuid or experiment_id")
            found, _ = await self.call(self.registry.list_checkpoints, experiment, request.epoch, 0, 1)
            if not found:
                raise NotFoundError(f"experiment {experiment!r} has no checkpoint of epoch {request.epoch}")
            doc = found[0]
        return fill(pb.GetCheckpointResponse(), {"checkpoint": doc})

    # -- metadata ------------------------------------------------------------------------------

    def _metadata_reply(self, doc: Doc, written: int) -> Any:
        reply = fill(pb.UpdateMetadataResponse(), {"num_keys_written": written, "updated_at": doc["updated_at"]})
        reply.object.CopyFrom(registry_object(doc))
        return reply

    @unary
    async def UpdateMetadata(self, request: Any, context: Context) -> Any:
        patch = from_map(request.metadata.metadata)
        doc = await self.call(self.registry.merge_metadata, request.parent_id, patch, actor=self.actor,
                              if_revision=optional(request, "if_revision"))
        return self._metadata_reply(doc, len(patch))

    @unary
    async def SetMetadata(self, request: Any, context: Context) -> Any:
        if not request.HasField("value"):
            raise InvalidArgumentError("SetMetadata needs a value (null is google.protobuf.NullValue)")
        doc = await self.call(self.registry.set_metadata, request.parent_id, request.key, from_value(request.value),
                              actor=self.actor, if_revision=optional(request, "if_revision"))
        return self._metadata_reply(doc, 1)

    @unary
    async def RemoveMetadata(self, request: Any, context: Context) -> Any:
        doc = await self.call(self.registry.remove_metadata, request.parent_id, list(request.keys), actor=self.actor,
                              if_revision=optional(request, "if_revision"))
        return self._metadata_reply(doc, 0)

    @unary
    async def ListMetadata(self, request: Any, context: Context) -> Any:
        doc = await self.call(self.registry.object_doc, request.parent_id)
        return pb.ListMetadataResponse(metadata=to_metadata(doc["metadata"], pb.Metadata()).metadata)
