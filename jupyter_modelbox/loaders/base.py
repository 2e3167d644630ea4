"""What a loader is, the errors loaders raise, and helpers that keep framework imports lazy.

A loader turns downloaded (already checksum-verified) files back into a framework object, and
optionally the other way round. Frameworks are imported inside ``load``/``save`` only, so that
``import jupyter_modelbox`` never pays for torch or scikit-learn.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

from ..registry.errors import InvalidArgumentError, ModelBoxError, NotFoundError

GROUP = "jupyter_modelbox.loaders"

# what people write for a framework -> the name loaders match on
ALIASES = {"scikit-learn": "sklearn", "scikit_learn": "sklearn", "pytorch": "torch", "pkl": "pickle"}
VERSION_SUFFIX = re.compile(r"[-_=\s]+v?\d[\w.+]*$")

# module that failed to import -> what to pip install
PIP_NAMES = {"sklearn": "scikit-learn", "PIL": "pillow", "cv2": "opencv-python", "yaml": "pyyaml"}


@runtime_checkable
class Loader(Protocol):
    """Reads files a checkpoint holds into a live object.

    ``framework`` and ``format`` come normalized (lower case, version suffix removed:
    ``"tensorflow-1.14.0"`` -> ``"tensorflow"``), or ``None`` when nothing was recorded.
    ``files`` are paths relative to ``folder``, with ``/`` separators.

    Optional members: ``package`` (the pip name of what ``load`` imports, recorded at save time),
    ``can_save(obj) -> bool`` and ``save(obj, folder) -> (framework, format, files)`` to support
    ``Model.log_model``, and ``explicit_only = True`` for a saver used only when
    ``log_model(framework=<its name>)`` asks for it.
    """

    name: str

    def can_load(self, framework: str | None, format: str | None, files: list[str]) -> bool: ...

    def load(self, folder: Path, files: list[str], trusted: bool) -> Any: ...


class MissingFrameworkError(ModelBoxError, ImportError):
    """The framework a checkpoint needs is not installed in this Python environment."""


class UntrustedFileError(ModelBoxError):
    """Loading would unpickle, which runs code from the file, and ``trusted=True`` was not given."""


class NoLoaderError(ModelBoxError, LookupError):
    """No installed loader knows the recorded framework/format (or how to save the object)."""


def family(name: str | None) -> str | None:
    """``"PyTorch-2.13.0"`` -> ``"torch"``; ``None`` or blank -> ``None``."""
    if not name or not name.strip():
        return None
    bare = VERSION_SUFFIX.sub("", name.strip().lower()) or name.strip().lower()
    return ALIASES.get(bare, bare)


def require(module: str, package: str | None = None) -> ModuleType:
    """Import ``module`` or raise ``MissingFrameworkError`` saying what to ``pip install``."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        package = package or PIP_NAMES.get(module, module)
        raise MissingFrameworkError(
            f"this needs the Python package {package!r}, which is not installed here "
            f"(import {module!r} failed: {exc}); install it with: pip install {package}"
        ) from exc


def loaded_instance(obj: Any, module: str, attribute: str) -> bool:
    """``isinstance(obj, module.attribute)``, without importing ``module``: unimported, it made no ``obj``."""
    target: Any = sys.modules.get(module)
    for part in attribute.split("."):
        target = getattr(target, part, None)
    return isinstance(target, type) and isinstance(obj, target)


def class_path(obj: Any) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def suffixed(files: list[str], suffixes: tuple[str, ...]) -> list[str]:
    return [f for f in files if f.lower().endswith(suffixes)]


def one_file(files: list[str], suffixes: tuple[str, ...], kind: str) -> str:
    """The single file with one of ``suffixes``; a clear error for none or several."""
    found = suffixed(files, suffixes)
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFoundError(f"no {kind} file ({', '.join(suffixes)}) among the checkpoint's files {files}")
    raise InvalidArgumentError(f"several {kind} files {found}: a checkpoint should hold one, so the loader knows which")


def refuse_untrusted(trusted: bool, kind: str) -> None:
    if not trusted:
        raise UntrustedFileError(
            f"it is a {kind}, and unpickling runs whatever code the file holds, so it is loaded only when you "
            "trust who registered it: call load(trusted=True)"
        )


@contextmanager
def unpickling() -> Iterator[None]:
    """Turn the usual unpickling failures into messages that say what to do."""
    try:
        yield
    except ModuleNotFoundError as exc:
        module = (exc.name or "?").split(".")[0]
        package = PIP_NAMES.get(module, module)
        raise MissingFrameworkError(
            f"the pickled object needs the module {exc.name!r}: pip install {package} (or make it importable)"
        ) from exc
    except AttributeError as exc:
        if "Can't get attribute" not in str(exc):
            raise
        raise InvalidArgumentError(
            f"the pickled object refers to a class this Python cannot find ({exc}); define or import that class "
            "before loading (classes defined in a notebook exist only in that notebook's kernel)"
        ) from exc
