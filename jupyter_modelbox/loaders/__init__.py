"""Framework objects to files and back, for ``version.load()``, ``checkpoint.load()`` and ``model.log_model()``
(the client moves the files in and out of the registry; loaders never see it).

A loader is any object with ``name``, ``can_load(framework, format, files)`` and
``load(folder, files, trusted)``, plus optionally ``can_save(obj)`` and
``save(obj, folder) -> (framework, format, files)`` (see ``base.Loader``). Built-ins: ``onnx``,
``torch``, ``sklearn`` and ``pickle``; other packages add loaders through the entry point group
``jupyter_modelbox.loaders`` (see ``lookup`` for the order they are asked in).

Trust: files that are read by unpickling (joblib, pickle, whole PyTorch modules) can run any code,
so they load only with ``trusted=True``; weights-only PyTorch files and ONNX load without it.
Bytes are always checked against their sha256 before a loader sees them.
"""

from __future__ import annotations

from .base import GROUP, Loader, MissingFrameworkError, NoLoaderError, UntrustedFileError, family, require
from .lookup import SavedObject, available_loaders, find_loader, find_saver, save_object

__all__ = [
    "GROUP",
    "Loader",
    "MissingFrameworkError",
    "NoLoaderError",
    "SavedObject",
    "UntrustedFileError",
    "available_loaders",
    "family",
    "find_loader",
    "find_saver",
    "require",
    "save_object",
]
