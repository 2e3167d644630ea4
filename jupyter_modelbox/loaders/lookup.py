"""Finding loaders (plugins first, then the built-ins), and saving an object into files.

Loaders know files and objects, not the registry: ``find_loader(...).load(folder, files, trusted)``
is "files in, object out" and ``save_object`` "object in, files out"; the client downloads and
uploads (``client/frameworks.py``).

Plugins come from the entry point group ``jupyter_modelbox.loaders``. They are asked before the
built-ins so a plugin can claim objects a built-in would also accept (an ``xgboost.XGBClassifier``
is a scikit-learn estimator, but its native format beats a pickle), and a plugin with a built-in's
name replaces it. The built-ins are a list in code, not entry points of this package, so they are
there in a source checkout or a stale editable install too, and the catch-all pickle comes last.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, entry_points, version
from pathlib import Path
from typing import Any

from ..registry.errors import InvalidArgumentError
from .base import GROUP, Loader, NoLoaderError, class_path, family
from .onnx import OnnxLoader
from .sklearn import PickleLoader, SklearnLoader
from .torch import TorchLoader

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


@dataclass(frozen=True)
class SavedObject:
    """What ``save_object`` wrote: the files (relative to its folder) and how to name and load them again."""

    framework: str
    format: str | None
    files: list[str]
    details: dict[str, Any]  # loader, python_class, package_version: the checkpoint's metadata


def save_object(obj: Any, folder: Path, framework: str | None = None) -> SavedObject:
    """Object in, files out: the loader for ``obj``'s type (or named ``framework``) writes it into ``folder``."""
    saver = find_saver(obj, framework)
    details: dict[str, Any] = {"loader": saver.name, "python_class": class_path(obj)}
    package = getattr(saver, "package", None)
    if package:
        with contextlib.suppress(PackageNotFoundError):
            details["package_version"] = {package: version(package)}
    framework, format, files = saver.save(obj, folder)  # type: ignore[attr-defined]
    return SavedObject(framework, format, list(files), details)
