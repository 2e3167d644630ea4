"""Where artifact bytes live in an object store, and how to talk to it (boto3, the standard AWS chain).

Credentials are never configured here: boto3 finds them (environment, shared config and
credentials files, instance roles), so only the server that owns the registry needs them.
Every error says which bucket at which endpoint failed, never a key or a secret.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidArgumentError, NotFoundError, ObjectStoreUnavailableError

ADDRESSING_STYLES = ("auto", "path", "virtual")
REFUSED_CODES = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
                 "InvalidToken", "AuthorizationHeaderMalformed"}
UNAVAILABLE_CODES = {"500", "502", "503", "504", "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"}


@dataclass(frozen=True)
class S3Options:
    """How to reach the store: for AWS nothing is needed; an S3-compatible store names its endpoint."""

    endpoint_url: str | None = None
    region: str | None = None
    addressing_style: str | None = None
    timeout_seconds: float = 10.0
    part_bytes: int = 8 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.addressing_style and self.addressing_style not in ADDRESSING_STYLES:
            raise InvalidArgumentError(
                f"s3 addressing style must be one of {', '.join(ADDRESSING_STYLES)}, not {self.addressing_style!r}")
        if self.part_bytes < 5 * 1024 * 1024:
            raise InvalidArgumentError("s3 part size must be at least 5 MiB (the smallest part S3 accepts)")

    @classmethod
    def from_env(cls, endpoint_url: str | None = None, region: str | None = None,
                 addressing_style: str | None = None, **rest: Any) -> S3Options:
        """Options given here, else ``$MODELBOX_S3_ENDPOINT_URL``, ``$MODELBOX_S3_REGION`` and
        ``$MODELBOX_S3_ADDRESSING_STYLE``, else what boto3 finds itself (``$AWS_ENDPOINT_URL_S3``,
        ``$AWS_DEFAULT_REGION``, ``~/.aws/config``)."""
        env = os.environ.get
        return cls(endpoint_url=endpoint_url or env("MODELBOX_S3_ENDPOINT_URL") or None,
                   region=region or env("MODELBOX_S3_REGION") or None,
                   addressing_style=addressing_style or env("MODELBOX_S3_ADDRESSING_STYLE") or None,
                   **{name: value for name, value in rest.items() if value})


@dataclass(frozen=True)
class S3Location:
    """``s3://bucket/prefix``: blobs under ``prefix/sha256/``, upload staging under ``prefix/uploads/``."""

    bucket: str
    prefix: str
    options: S3Options

    @classmethod
    def parse(cls, url: str, options: S3Options | None = None) -> S3Location:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise InvalidArgumentError(f"blob_url must look like s3://bucket/prefix, not {url!r}")
        return cls(parts.netloc, parts.path.strip("/"), options or S3Options())

    def key(self, *names: str) -> str:
        return "/".join(filter(None, (self.prefix, *names)))

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def __str__(self) -> str:
        where = f" at {self.options.endpoint_url}" if self.options.endpoint_url else ""
        return f"{self.url}{where}"

    # -- the client ----------------------------------------------------------------------------

    def client(self, pool: int = 16) -> Any:
        import boto3  # only a registry with bytes in S3 needs it (pip install 'jupyter_modelbox[s3]')
        from botocore.config import Config

        options = self.options
        # a signed payload is one more sha256 of every byte sent (botocore skips it on https only): parts
        # carry a CRC32 instead, and the registry verifies the sha256 of every upload itself
        s3: dict[str, Any] = {"payload_signing_enabled": False}
        if options.addressing_style:
            s3["addressing_style"] = options.addressing_style
        config = Config(
            connect_timeout=options.timeout_seconds, read_timeout=options.timeout_seconds,
            retries={"total_max_attempts": 2, "mode": "standard"}, max_pool_connections=pool,
            signature_version="s3v4", s3=s3,
        )
        return boto3.session.Session().client("s3", endpoint_url=options.endpoint_url or None,
                                              region_name=options.region or None, config=config)

    @contextlib.contextmanager
    def errors(self, doing: str, key: str | None = None) -> Iterator[None]:
        """Turn botocore's errors into ours: unreachable or refusing stores are 503s naming the bucket."""
        from botocore.exceptions import ClientError, HTTPClientError, NoCredentialsError

        try:
            yield
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            raise self.client_error(doing, key, code, status) from None
        except NoCredentialsError:
            raise ObjectStoreUnavailableError(
                f"this server has no AWS credentials for bucket {self.bucket!r}{self._at()} (while {doing}); give "
                "them to the server (environment, ~/.aws/credentials or an instance role)") from None
        except (HTTPClientError, OSError):  # refused, reset, timed out: HTTPClientError covers botocore's kinds
            raise ObjectStoreUnavailableError(
                f"the object store holding bucket {self.bucket!r}{self._at()} cannot be reached or did not "
                f"answer in {self.options.timeout_seconds:g} s (while {doing}); try again later") from None

    def client_error(self, doing: str, key: str | None, code: str, status: int | None) -> Exception:
        if code in {"NoSuchBucket"} or (code == "404" and key is None):
            return ObjectStoreUnavailableError(f"bucket {self.bucket!r} does not exist{self._at()} (while {doing})")
        if code in {"NoSuchKey", "404", "NotFound"}:
            return NotFoundError(f"{self.bucket}/{key} does not exist{self._at()}")
        if code in REFUSED_CODES:
            return ObjectStoreUnavailableError(
                f"the object store{self._at()} refused this server's credentials for bucket {self.bucket!r} "
                f"({code}, while {doing}); check the server's AWS credentials and the bucket's policy")
        if code in UNAVAILABLE_CODES or (status or 0) >= 500:
            return ObjectStoreUnavailableError(
                f"the object store holding bucket {self.bucket!r}{self._at()} failed ({code}, while {doing}); "
                "try again later")
        return ObjectStoreUnavailableError(
            f"the object store{self._at()} answered {code} for bucket {self.bucket!r} (while {doing})")

    def _at(self) -> str:
        return f" at {self.options.endpoint_url}" if self.options.endpoint_url else ""
