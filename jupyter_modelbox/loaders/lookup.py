"""Finding loaders (plugins first, then the built-ins) and the two round trips: load and log.

Plugins come from the entry point group ``jupyter_modelbox.loaders``. They are asked before the
built-ins so a plugin can claim objects a built-in would also accept (an ``xgboost.XGBClassifier``
is a scikit-learn estimator, but its native format beats a pickle), and a plugin with a built-in's
name replaces it. The built-ins are a list in code, not entry points of this package, so they are
there in a source checkout or a stale editable install too, and the catch-all pickle comes last.
"""

from __future__ import annotations

import contextlib
import tempfile
import warnings
from importlib.metadata import PackageNotFoundError, entry_points, version
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..registry.errors import InvalidArgumentError, ModelBoxError, NotFoundError
from .base import GROUP, Loader, NoLoaderError, class_path, family
from .onnx import OnnxLoader
from .sklearn import PickleLoader, SklearnLoader
from .torch import TorchLoader

if TYPE_CHECKING:
    from ..client.models import Checkpoint, Model, ModelVersion

BUILTINS: tuple[type, ...] = (OnnxLoader, TorchLoader, SklearnLoader, PickleLoader)
PLUGIN_HINT = f"a plugin can add one through the {GROUP!r} entry point group"


def _plugins() -> tuple[list[Loader], list[str]]:
    """Loaders from entry points, and a note for each that could not be loaded (they are skipped)."""
    found: list[Loader] = []
    broken: list[str] = []
    for point in entry_points(group=GROUP):
        try:
            loader = point.load()
            if isinstance(loader, type):
                loader = loader()
            if not isinstance(loader, Loader):
                raise TypeError("it has no name, can_load and load")
        except Exception as exc:
            note = f"{point.name} = {point.value} ({type(exc).__name__}: {exc})"
            warnings.warn(f"jupyter_modelbox: skipping the loader plugin {note}", RuntimeWarning, stacklevel=3)
            broken.append(note)
        else:
            found.append(loader)
    return found, broken


def available_loaders() -> list[Loader]:
    """Every loader, in the order they are asked: plugins, then the built-ins they do not replace."""
    return _discover()[0]


def _discover() -> tuple[list[Loader], list[str]]:
    plugins, broken = _plugins()
    names = {loader.name for loader in plugins}
    return [*plugins, *(kind() for kind in BUILTINS if kind.name not in names)], broken


def _broken_note(broken: list[str]) -> str:
    return f"; plugins that failed to load: {'; '.join(broken)}" if broken else ""


def find_loader(framework: str | None, format: str | None, files: list[str]) -> Loader:
    loaders, broken = _discover()
    framework, format = family(framework), family(format)
    for loader in loaders:
        if loader.can_load(framework, format, files):
            return loader
    raise NoLoaderError(
        f"no loader reads framework {framework!r}, format {format!r}, files {files} "
        f"(installed: {', '.join(loader.name for loader in loaders)}); {PLUGIN_HINT}{_broken_note(broken)}"
    )


def find_saver(obj: Any, framework: str | None = None) -> Loader:
    loaders, broken = _discover()
    savers = [loader for loader in loaders if callable(getattr(loader, "save", None))]
    if framework is not None:
        wanted = family(framework)
        named = [saver for saver in savers if saver.name == wanted]
        if not named:
            raise NoLoaderError(f"no loader named {wanted!r} can save objects (those that can: "
                                f"{', '.join(s.name for s in savers)}); {PLUGIN_HINT}{_broken_note(broken)}")
        if not named[0].can_save(obj):  # type: ignore[attr-defined]
            raise InvalidArgumentError(f"the {wanted!r} loader cannot save a {class_path(obj)}")
        return named[0]
    for saver in savers:
        if not getattr(saver, "explicit_only", False) and saver.can_save(obj):  # type: ignore[attr-defined]
            return saver
    raise NoLoaderError(
        f"no loader recognizes a {class_path(obj)}; pass framework='pickle' to pickle it (loading it back then "
        f"needs trusted=True), or install a loader for its framework: {PLUGIN_HINT}{_broken_note(broken)}"
    )


def _source(obj: ModelVersion | Checkpoint) -> tuple[Any, str | None, str | None, str]:
    """(object holding the files, framework, format, how to name it in errors)."""
    from ..client.models import ModelVersion

    if isinstance(obj, ModelVersion):
        checkpoint = obj.checkpoint
        what = f"model {obj.name!r} version {obj.number}"
        if checkpoint is None:
            return obj, obj.framework, None, what
        return checkpoint, checkpoint.framework or obj.framework, checkpoint.format, what
    return obj, obj.framework, obj.format, f"checkpoint {obj.uuid}"


def load_object(obj: ModelVersion | Checkpoint, trusted: bool = False) -> Any:
    """The framework object in ``obj``'s files: chosen by the recorded framework/format and the
    file names, downloaded to a temporary folder with their checksums verified, then deserialized."""
    holder, framework, format, what = _source(obj)
    artifacts = holder.artifacts()
    files = [PurePosixPath(a.path).name if a.tracked else a.path for a in artifacts]
    if not files:
        raise NotFoundError(f"{what} has no files to load")
    try:
        loader = find_loader(framework, format, files)
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


def log_object(model: Model, obj: Any, framework: str | None = None, metadata: dict[str, Any] | None = None,
               ) -> ModelVersion:
    """Serialize ``obj`` with the loader for its type, upload it as a checkpoint, register the next version."""
    saver = find_saver(obj, framework)
    details: dict[str, Any] = {"loader": saver.name, "python_class": class_path(obj)}
    package = getattr(saver, "package", None)
    if package:
        with contextlib.suppress(PackageNotFoundError):
            details["package_version"] = {package: version(package)}
    with tempfile.TemporaryDirectory(prefix="modelbox-save-") as tmp:
        folder = Path(tmp)
        framework, format, files = saver.save(obj, folder)  # type: ignore[attr-defined]
        tops = sorted({PurePosixPath(f).parts[0] for f in files})  # folders upload recursively, keeping paths
        checkpoint = model.box.new_checkpoint([folder / top for top in tops], metadata=details,
                                              framework=framework, format=format)
    return model.register_version(checkpoint.uuid, metadata=metadata or None)
