"""Artifact bytes in S3 or an S3-compatible object store (``blob_url=s3://bucket/prefix``); boto3 is
imported only when such a store is opened."""

from .location import S3Location, S3Options

__all__ = ["S3Location", "S3Options"]
