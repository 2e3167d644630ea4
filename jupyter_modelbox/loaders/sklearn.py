"""scikit-learn estimators (joblib files) and plain pickles: both run code when read, so both need trust."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from ..registry.errors import InvalidArgumentError
from .base import class_path, one_file, refuse_untrusted, require, suffixed, unpickling

JOBLIB_SUFFIXES = (".joblib", ".pkl", ".pickle")
PICKLE_SUFFIXES = (".pkl", ".pickle")


class SklearnLoader:
    """Any scikit-learn estimator or pipeline, saved with joblib (which stores numpy arrays efficiently)."""

    name = "sklearn"
    package = "scikit-learn"

    def can_save(self, obj: Any) -> bool:
        return any(kind.__module__.split(".")[0] == "sklearn" for kind in type(obj).__mro__)

    def save(self, obj: Any, folder: Path) -> tuple[str, str, list[str]]:
        joblib = require("joblib")
        joblib.dump(obj, folder / "model.joblib")
        return "sklearn", "joblib", ["model.joblib"]

    def can_load(self, framework: str | None, format: str | None, files: list[str]) -> bool:
        if format == "joblib" or (framework == "sklearn" and format in (None, "pickle", "pkl")):
            return bool(suffixed(files, JOBLIB_SUFFIXES))
        return framework is None and format is None and len(suffixed(files, (".joblib",))) == 1

    def load(self, folder: Path, files: list[str], trusted: bool) -> Any:
        refuse_untrusted(trusted, "joblib pickle")
        joblib = require("joblib")
        with unpickling():
            return joblib.load(folder / one_file(files, JOBLIB_SUFFIXES, "joblib"))


class PickleLoader:
    """Anything ``pickle`` can serialize; used for saving only when asked (``framework="pickle"``)."""

    name = "pickle"
    explicit_only = True

    def can_save(self, obj: Any) -> bool:
        return True

    def save(self, obj: Any, folder: Path) -> tuple[str, str, list[str]]:
        try:
            data = pickle.dumps(obj, protocol=5)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise InvalidArgumentError(f"cannot pickle the {class_path(obj)}: {exc}") from exc
        (folder / "model.pkl").write_bytes(data)
        return "pickle", "pickle", ["model.pkl"]

    def can_load(self, framework: str | None, format: str | None, files: list[str]) -> bool:
        if format == "pickle" or framework == "pickle":
            return bool(suffixed(files, PICKLE_SUFFIXES))
        return framework is None and format is None and len(suffixed(files, PICKLE_SUFFIXES)) == 1

    def load(self, folder: Path, files: list[str], trusted: bool) -> Any:
        refuse_untrusted(trusted, "Python pickle")
        with unpickling(), open(folder / one_file(files, PICKLE_SUFFIXES, "pickle"), "rb") as stream:
            return pickle.load(stream)

