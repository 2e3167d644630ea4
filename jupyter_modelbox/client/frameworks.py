"""The registry part of framework round trips: ``version.load()`` / ``checkpoint.load()`` download the
files (checksums verified) for a loader to read, ``model.log_model()`` uploads what a loader wrote.

Loaders (``jupyter_modelbox.loaders``) turn files into objects and back and know nothing of the
registry; frameworks are imported only when something is loaded or saved.
"""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..loaders import find_loader, save_object
from ..registry.errors import InvalidArgumentError, ModelBoxError, NotFoundError

if TYPE_CHECKING:
    from .models import Checkpoint, Model, ModelVersion
    from .registry_object import RegistryObject


def _source(obj: ModelVersion | Checkpoint) -> tuple[RegistryObject, str | None, str | None, str]:
    """(object holding the files, framework, format, how to name it in errors)."""
    from .models import ModelVersion

    if isinstance(obj, ModelVersion):
        checkpoint = obj.checkpoint
        what = f"model {obj.name!r} version {obj.number}"
        if checkpoint is None:
            return obj, obj.framework, None, what
        return checkpoint, checkpoint.framework or obj.framework, checkpoint.format, what
    return obj, obj.framework, obj.format, f"checkpoint {obj.uuid}"


def load(obj: ModelVersion | Checkpoint, trusted: bool = False) -> Any:
    """The framework object in ``obj``'s files: the loader is chosen by the recorded framework/format
    and the file names first, then the files are downloaded to a temporary folder (sha256 verified)."""
    holder, framework, format, what = _source(obj)
    artifacts = holder.artifacts()
    files = [PurePosixPath(a.path).name if a.tracked else a.path for a in artifacts]
    if not files:
        raise NotFoundError(f"{what} has no files to load")
    try:
        loader = find_loader(framework, format, files)  # before downloading: a missing loader fails fast
        with tempfile.TemporaryDirectory(prefix="modelbox-load-") as tmp:
            folder = Path(tmp)
            for artifact, relative in zip(artifacts, files, strict=True):
                if PurePosixPath(relative).is_absolute() or ".." in PurePosixPath(relative).parts:
                    raise InvalidArgumentError(f"refusing to write the file {relative!r} outside the download folder")
                artifact.download(folder / relative)  # raises IntegrityError on damaged bytes
            return loader.load(folder, files, trusted)
    except ModelBoxError as exc:
        if not type(exc).__module__.startswith("jupyter_modelbox."):
            raise  # a plugin's own error type: its constructor may differ
        raise type(exc)(f"cannot load {what}: {exc.message}") from exc


def log_model(model: Model, obj: Any, framework: str | None = None, metadata: dict[str, Any] | None = None,
              ) -> ModelVersion:
    """Save ``obj`` with the loader for its type, upload the files as a checkpoint, register the next version."""
    with tempfile.TemporaryDirectory(prefix="modelbox-save-") as tmp:
        folder = Path(tmp)
        saved = save_object(obj, folder, framework)
        tops = sorted({PurePosixPath(f).parts[0] for f in saved.files})  # folders upload recursively, keeping paths
        checkpoint = model.box.new_checkpoint([folder / top for top in tops], metadata=saved.details,
                                              framework=saved.framework, format=saved.format)
    return model.register_version(checkpoint.uuid, metadata=metadata or None)
