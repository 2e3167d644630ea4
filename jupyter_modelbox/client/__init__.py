"""The Python API: ``ModelBox`` and the objects it returns, over a ``Transport``."""

from ..paths import default_root
from .artifact import Artifact
from .experiments import Experiment
from .modelbox import ModelBox
from .models import Checkpoint, Model, ModelVersion
from .transport import Transport

__all__ = ["Artifact", "Checkpoint", "Experiment", "Model", "ModelBox", "ModelVersion", "Transport", "default_root"]
