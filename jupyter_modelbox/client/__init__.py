"""The Python API: ``ModelBox`` and the objects it returns, over a ``Transport``."""

from ..paths import default_root
from .entities import Checkpoint, Model, ModelVersion
from .modelbox import ModelBox
from .objects import Artifact
from .transport import Transport

__all__ = ["Artifact", "Checkpoint", "Model", "ModelBox", "ModelVersion", "Transport", "default_root"]
