"""OBS paths, mapped onto a directory of the data dir.

v1 OBS paths are ``/bucket/dir/file`` (``obs://`` and ``s3://`` prefixes are
accepted too).  Locally ``/bucket/src/boot.py`` is
``<data-dir>/obs/bucket/src/boot.py``.  Paths with ``..``, empty buckets or
NUL bytes are refused, and the resolved path must stay under the OBS root.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

__all__ = ["ObsPathError", "local_path", "split_obs_url"]

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
