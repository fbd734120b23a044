"""OBS paths, mapped onto a directory of the data dir.

v1 OBS paths are ``/bucket/dir/file`` (``obs://`` and ``s3://`` prefixes are
accepted too).  Locally ``/bucket/src/boot.py`` is
``<data-dir>/obs/bucket/src/boot.py``.  Paths with ``..``, empty buckets or
NUL bytes are refused, and the resolved path must stay under the OBS root.

Buckets belong to accounts (:mod:`modelarts.local.obs_buckets`): creating a
job that names another account's bucket is refused with ``ModelArts.0105``
("The operation is not allowed", HTTP 403); buckets a job names that do not
exist yet become its account's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, List, Mapping

from modelarts.local.errors import V1Error
from modelarts.local.obs_errors import ObsError

if TYPE_CHECKING:  # pragma: no cover
    from modelarts.local.obs_buckets import Buckets

__all__ = [
    "BucketOfAnotherAccount",
    "ObsPathError",
    "buckets_named",
    "check_job_buckets",
    "claim_job_buckets",
    "local_path",
    "split_obs_url",
    "v1_job_urls",
]

_PREFIXES = ("obs://", "s3://")


class ObsPathError(ValueError):
    """An OBS path that cannot be mapped safely."""


def split_obs_url(url: str) -> List[str]:
    """The bucket and key segments of an OBS path, e.g. ``["bucket", "src", "boot.py"]``."""
    if not isinstance(url, str) or not url or "\x00" in url or "\\" in url:
        raise ObsPathError(f"not an OBS path: {url!r}")
    text = url
    for prefix in _PREFIXES:
        if text.lower().startswith(prefix):
            text = "/" + text[len(prefix):]
            break
    if not text.startswith("/"):
        raise ObsPathError(f"OBS path must look like /bucket/dir/: {url!r}")
    segments = [segment for segment in text.split("/") if segment not in ("", ".")]
    if not segments:
        raise ObsPathError(f"OBS path has no bucket: {url!r}")
    if ".." in segments:
        raise ObsPathError(f"OBS path may not contain '..': {url!r}")
    return segments


def local_path(root: "str | Path", url: str) -> Path:
    """Where ``url`` lives under the OBS root ``root``; raises :class:`ObsPathError`."""
    base = Path(root)
    path = base.joinpath(*split_obs_url(url))
    real_base, real_path = os.path.realpath(base), os.path.realpath(path)
    if os.path.commonpath([real_base, real_path]) != real_base:
        raise ObsPathError(f"OBS path leaves the OBS root: {url!r}")
    return path


class BucketOfAnotherAccount(V1Error):
    """A job names an OBS bucket another account owns (the operation is not allowed)."""

    status, code, message = 403, "ModelArts.0105", "OBS bucket {bucket} belongs to another account (AccessDenied)"


def v1_job_urls(body: Any) -> List[Any]:
    """The OBS paths a v1 job (or version) request body names; malformed parts are skipped
    (the body's own validation reports them)."""
    config = body.get("config") if isinstance(body, Mapping) else None
    if not isinstance(config, Mapping):
        return []
    urls = [config.get(name) for name in ("boot_file_url", "app_url", "train_url", "log_url", "data_url")]
    sources = config.get("data_source")
    if isinstance(sources, list):
        urls += [item.get("data_url") for item in sources if isinstance(item, Mapping)]
    return urls


def buckets_named(urls: Iterable[Any]) -> List[str]:
    """The distinct bucket names of ``urls``, in order; anything that is not an OBS path is skipped."""
    found: List[str] = []
    for url in urls:
        try:
            bucket = split_obs_url(url)[0] if isinstance(url, str) and url else None
        except ObsPathError:
            continue
        if bucket and bucket not in found:
            found.append(bucket)
    return found


def check_job_buckets(buckets: "Buckets", domain_id: str, urls: Iterable[Any]) -> List[str]:
    """Refuse (:class:`BucketOfAnotherAccount`) a job naming another account's bucket; the buckets named."""
    names = buckets_named(urls)
    for name in names:
        owner = buckets.owner(name)
        if owner is not None and owner != domain_id:
            raise BucketOfAnotherAccount(bucket=name)
    return names


def claim_job_buckets(buckets: "Buckets", domain_id: str, names: List[str]) -> None:
    """Record the account of a created job as the owner of the buckets it named that did not exist yet."""
    for name in names:
        try:
            buckets.claim(name, domain_id)
        except ObsError:  # a name OBS would not accept (the job's paths stay usable locally), or taken meanwhile
            continue
