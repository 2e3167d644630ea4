"""The Jupyter server extension and its REST API. Imports the registry, never the client."""

from .app import ModelboxApp

__all__ = ["ModelboxApp"]
