"""OBS path rules of the documented SDK calls, checked before any request.

``session.obs`` calls name OBS locations as ``obs://bucket/dir/object``
(ModelArts SDK reference, "OBS Management"): the ``obs://`` prefix is
mandatory, and a parameter documented as a folder (``dst_obs_dir``,
``src_obs_dir``) must end with ``/``.  The SDK 1.1.1 calls
(``session.upload_data(bucket_path=...)``) and v1 job configs write
``/bucket/dir/`` without a scheme.  Bucket names follow OBS: 3-63 of
``a-z``, ``0-9``, ``.`` and ``-``, starting and ending with a letter or
digit.  Keys are at most 1,024 bytes of UTF-8 and may not hold empty, ``.``
or ``..`` segments (they could not round-trip through a local folder).
Every violation is a :class:`ValueError` naming the rule.
"""

from __future__ import annotations

from typing import Any

import attrs

from modelarts import rules

__all__ = ["OBS_SCHEME", "ObsPath", "is_obs_path", "parse_bucket_path", "parse_obs_path", "check_bucket", "check_key"]

OBS_SCHEME = "obs://"


@attrs.frozen
class ObsPath:
    """A bucket and a key (``""`` for the bucket itself; ending in ``/`` for a folder)."""

    bucket: str
    key: str = ""

    @property
    def is_dir(self) -> bool:
        return self.key == "" or self.key.endswith("/")

    @property
    def url(self) -> str:
        return f"{OBS_SCHEME}{self.bucket}/{self.key}"

    @property
    def name(self) -> str:
        """The last segment of the key (``""`` for a bucket)."""
        return self.key.rstrip("/").rpartition("/")[2]

    def child(self, relative: str) -> "ObsPath":
        base = self.key if self.is_dir else self.key + "/"
        return ObsPath(self.bucket, check_key(base + relative, self.url + relative))

    def as_dir(self) -> "ObsPath":
        return self if self.is_dir else ObsPath(self.bucket, self.key + "/")


def is_obs_path(value: Any) -> bool:
    """``value`` is a string starting with ``obs://`` (any case)."""
    return isinstance(value, str) and value[: len(OBS_SCHEME)].lower() == OBS_SCHEME


def check_bucket(bucket: str, what: str) -> str:
    if not isinstance(bucket, str):
        raise TypeError(f"{what} must be a bucket name (str), not {type(bucket).__name__}")
    if not rules.OBS_BUCKET.fullmatch(bucket) or ".." in bucket or ".-" in bucket or "-." in bucket:
        raise ValueError(
            f"{what}: bucket name {bucket!r} is invalid; OBS bucket names are 3-63 characters of a-z, 0-9, "
            "'.' and '-', starting and ending with a letter or digit"
        )
    return bucket


def check_key(key: str, what: str) -> str:
    if "\x00" in key:
        raise ValueError(f"{what}: an OBS object name may not contain NUL")
    if len(key.encode("utf-8", "surrogatepass")) > rules.OBS_KEY_MAX_BYTES:
        raise ValueError(f"{what}: an OBS object name is at most {rules.OBS_KEY_MAX_BYTES} bytes of UTF-8")
    segments = (key[:-1] if key.endswith("/") else key).split("/")
    if key and any(segment in ("", ".", "..") for segment in segments):
        raise ValueError(f"{what}: empty, '.' or '..' path segments are not allowed in an OBS path")
    return key


def parse_obs_path(value: Any, what: str = "OBS path", *, folder: bool = False) -> ObsPath:
    """Parse ``obs://bucket/key``; ``folder=True`` requires the trailing ``/`` the docs require."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str like 'obs://bucket/dir/', not {type(value).__name__}")
    if not is_obs_path(value):
        raise ValueError(f"{what} must start with 'obs://' (e.g. 'obs://bucket-name/dir1/'), got {value!r}")
    rest = value[len(OBS_SCHEME):]
    bucket, _, key = rest.partition("/")
    check_bucket(bucket, what)
    if folder and not (key == "" or key.endswith("/")) or folder and not rest.endswith("/"):
        raise ValueError(f"{what} must be an OBS folder ending with '/' (e.g. 'obs://{bucket}/dir1/'), got {value!r}")
    return ObsPath(bucket, check_key(key, what))


def parse_bucket_path(value: Any, what: str = "bucket_path") -> ObsPath:
    """Parse the SDK 1.1.1 form ``/bucket/dir/file`` (``bucket/dir``, ``obs://bucket/dir`` accepted too)."""
    if not isinstance(value, str) or not value.strip("/"):
        raise ValueError(f"{what} must name a bucket, like '/bucket_name/dir1/', got {value!r}")
    if is_obs_path(value):
        return parse_obs_path(value, what)
    return parse_obs_path(OBS_SCHEME + value.lstrip("/"), what)
