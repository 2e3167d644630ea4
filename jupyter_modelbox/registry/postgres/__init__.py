"""The PostgreSQL backend: documents, metric series and events in one database shared by many
servers and jobs, artifact bytes in a folder they all reach (``blob_root``)."""

from .backend import PostgresBackend

__all__ = ["PostgresBackend"]
