"""``session.obs``: the documented OBS helpers, built on ``session.obs_client``.

Every form of the ModelArts SDK reference ("OBS Management") works as
written, keyword or positional::

    session.obs.copy(src_path="/home/ma-user/work/train.py", dst_path="obs://bucket/src/")   # recommended
    session.obs.upload_file(src_local_file="file1.txt", dst_obs_dir="obs://bucket/dir1/")
    session.obs.upload_dir(src_local_dir="/home/ma-user/data/", dst_obs_dir="obs://bucket/dir1/")
    session.obs.download_file(src_obs_file="obs://bucket/dir1/file1.txt", dst_local_dir="/tmp/")
    session.obs.download_dir(src_obs_dir="obs://bucket/dir1/", dst_local_dir="/tmp/")

plus :meth:`OBS.exists`, :meth:`OBS.list`, :meth:`OBS.remove` and the
bucket helpers, with the same path rules (:mod:`modelarts.obs_paths`,
checked before any request).  Failures raise
:class:`~modelarts.obs_errors.ObsError` (``error_code``/``error_msg``), or
return ``{"error_code", "error_msg"}`` with ``Session(errors="return")``.
``progress`` (``None`` = automatic) controls the progress bar.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple, TypeVar

from modelarts.obs_errors import ObsError, ObsNotFoundError, error_from_result
from modelarts.obs_paths import ObsPath, check_bucket, is_obs_path, parse_obs_path
from modelarts.obs_progress import make_progress
from modelarts.obs_transfer import Transfer, walk_local

if TYPE_CHECKING:  # pragma: no cover
    from modelarts.session import Session

__all__ = ["OBS"]

F = TypeVar("F", bound=Callable[..., Any])


def _documented(method: F) -> F:
    """Raise :class:`ObsError`, or return its dict when the session says ``errors="return"``."""

    @functools.wraps(method)
    def wrapper(self: "OBS", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except ObsError as error:
            if self.session.errors == "return":
                return error.to_dict()
            raise

    return wrapper  # type: ignore[return-value]


def _local(value: Any, what: str) -> Path:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value:
        raise TypeError(f"{what} must be a local path (str or os.PathLike), got {value!r}")
    if is_obs_path(value):
        raise ValueError(f"{what} must be a local path, not an OBS path: {value!r}")
    return Path(value).expanduser()


class OBS:
    """The OBS helpers of one :class:`~modelarts.session.Session` (``session.obs``)."""

    def __init__(self, session: "Session", client: Any) -> None:
        self.session = session
        self.client = client
        self.transfer = Transfer(client)

    def __repr__(self) -> str:
        return f"OBS(server={self.session.obs_server!r})"

    # -- the documented calls ---------------------------------------------------------

    @_documented
    def copy(self, src_path: Any, dst_path: Any, keep_last_dir: bool = True, *, progress: Optional[bool] = None) -> Any:
        """Copy a file or folder between this machine and OBS, either way.

        Local → OBS: a file goes to ``dst_path`` itself, or into it when it
        ends with ``/``; a folder goes into ``dst_path`` (as its last
        directory level when ``keep_last_dir``).  OBS → local: an object
        (``obs://b/k``) goes to the file ``dst_path``, or into it when it is
        a folder or ends with ``/``; an OBS folder (``obs://b/dir/``) goes
        into ``dst_path``, as ``dir/`` when ``keep_last_dir``.  Returns the
        destination (an ``obs://`` URL or a local path).
        """
        if is_obs_path(src_path) == is_obs_path(dst_path):
            raise ValueError("copy needs exactly one obs:// path: local → obs://… or obs://… → local")
        if is_obs_path(dst_path):
            source = _local(src_path, "src_path")
            target = parse_obs_path(dst_path, "dst_path")
            if source.is_dir():
                folder = target.as_dir()
                return self._upload_tree(source, folder.child(source.name + "/") if keep_last_dir else folder, progress)
            if not source.is_file():
                raise FileNotFoundError(f"src_path {source} does not exist")
            key = target.child(source.name) if target.is_dir else target
            return self._upload_files([(source, key)], "upload", progress)[0]
        origin = parse_obs_path(src_path, "src_path")
        destination = _local(dst_path, "dst_path")
        if origin.is_dir:
            base = destination / origin.name if keep_last_dir and origin.key else destination
            return self._download_tree(origin, base, progress)
        into = destination.is_dir() or str(dst_path).endswith(("/", os.sep))
        return self._download_files([(origin, destination / origin.name if into else destination, None, None)], progress)[0]

    @_documented
    def upload_file(self, src_local_file: Any, dst_obs_dir: Any, *, progress: Optional[bool] = None) -> str:
        """Upload one file into the OBS folder ``dst_obs_dir`` (``obs://…/``); the object's URL."""
        folder = parse_obs_path(dst_obs_dir, "dst_obs_dir", folder=True)
        source = _local(src_local_file, "src_local_file")
        if not source.is_file():
            raise FileNotFoundError(f"src_local_file {source} is not a file")
        return self._upload_files([(source, folder.child(source.name))], "upload", progress)[0]

    @_documented
    def upload_dir(self, src_local_dir: Any, dst_obs_dir: Any, *, progress: Optional[bool] = None) -> str:
        """Upload a folder into ``dst_obs_dir`` as ``dst_obs_dir/<folder name>/`` (empty folders are skipped)."""
        folder = parse_obs_path(dst_obs_dir, "dst_obs_dir", folder=True)
        source = _local(src_local_dir, "src_local_dir")
        if not source.is_dir():
            raise NotADirectoryError(f"src_local_dir {source} is not a folder")
        return self._upload_tree(source, folder.child(source.resolve().name + "/"), progress)

    @_documented
    def download_file(self, src_obs_file: Any, dst_local_dir: Any, *, progress: Optional[bool] = None) -> str:
        """Download one object into the local folder ``dst_local_dir`` (ending with ``/``); the local path."""
        origin = parse_obs_path(src_obs_file, "src_obs_file")
        if origin.is_dir:
            raise ValueError(f"src_obs_file must name an object, not a folder ending with '/': {src_obs_file!r}")
        if not str(dst_local_dir).endswith(("/", os.sep)):
            raise ValueError(f"dst_local_dir must be a local folder ending with '/', got {dst_local_dir!r}")
        folder = _local(dst_local_dir, "dst_local_dir")
        return self._download_files([(origin, folder / origin.name, None, None)], progress)[0]

    @_documented
    def download_dir(self, src_obs_dir: Any, dst_local_dir: Any, *, progress: Optional[bool] = None) -> str:
        """Download ``obs://b/dir1/`` into ``dst_local_dir/dir1/`` (empty OBS folders are not created)."""
        origin = parse_obs_path(src_obs_dir, "src_obs_dir", folder=True)
        folder = _local(dst_local_dir, "dst_local_dir")
        return self._download_tree(origin, folder / origin.name if origin.key else folder / origin.bucket, progress)

    # -- beyond the docs ----------------------------------------------------------------

    @_documented
    def exists(self, obs_path: Any) -> bool:
        """Whether the object, folder (``…/``: anything under it) or bucket (``obs://b/``) exists."""
        return self._exists(parse_obs_path(obs_path, "obs_path"))

    def _exists(self, path: ObsPath) -> bool:
        if not path.key:
            head = self.client.headBucket(path.bucket)
            if head.status not in (200, 404):
                raise error_from_result(head, f"head {path.url}")
            return bool(head.status == 200)
        if path.is_dir:
            result = self.client.listObjects(path.bucket, prefix=path.key, max_keys=1)
            if result.status == 404:
                return False
            return bool(self.transfer._check(result, f"list {path.url}").body.contents)
        result = self.client.headObject(path.bucket, path.key)
        if result.status == 404:
            return False
        self.transfer._check(result, f"head {path.url}")
        return True

    @_documented
    def list(self, obs_path: Any, recursive: bool = True) -> List[str]:
        """The ``obs://`` URLs under a folder or bucket (sorted); ``recursive=False``: one level,
        sub-folders as ``…/``."""
        path = parse_obs_path(obs_path, "obs_path", folder=True)
        entries = self.transfer.list_objects(path.bucket, path.key, None if recursive else "/")
        return sorted(f"obs://{path.bucket}/{key}" for key, _, _ in entries if key != path.key)

    @_documented
    def remove(self, obs_path: Any) -> int:
        """Delete an object, or everything under a folder ending with ``/``; how many objects went."""
        path = parse_obs_path(obs_path, "obs_path")
        if not path.key:
            raise ValueError("remove takes an object or a folder; delete a bucket with delete_bucket()")
        keys = [key for key, _, _ in self.transfer.list_objects(path.bucket, path.key)] if path.is_dir else [path.key]
        if not path.is_dir and not self._exists(path):
            raise ObsNotFoundError("NoSuchKey", f"{path.url} does not exist", 404)

        def delete(key: str) -> None:
            self.transfer._check(self.client.deleteObject(path.bucket, key), f"delete obs://{path.bucket}/{key}")

        self.transfer.run_all(keys, delete)
        return len(keys)

    @_documented
    def create_bucket(self, bucket: str) -> str:
        """Create ``bucket`` (creating your own bucket again is fine); its name."""
        check_bucket(bucket, "bucket")
        self.transfer._check(self.client.createBucket(bucket, location=self._location()), f"create bucket {bucket}")
        return bucket

    @_documented
    def delete_bucket(self, bucket: str) -> None:
        """Delete an empty bucket."""
        check_bucket(bucket, "bucket")
        self.transfer._check(self.client.deleteBucket(bucket), f"delete bucket {bucket}")

    @_documented
    def create_folder(self, obs_dir: Any) -> str:
        """Create the (empty) folder ``obs://b/dir/``; its URL."""
        path = parse_obs_path(obs_dir, "obs_dir", folder=True)
        if not path.key:
            raise ValueError("obs_dir must name a folder inside the bucket, like obs://bucket/dir1/")
        self.transfer._check(self.client.putContent(path.bucket, path.key, ""), f"create {path.url}")
        return path.url

    # -- the work ---------------------------------------------------------------------------

    def _location(self) -> Optional[str]:
        server = self.session.obs_server or ""
        return self.session.region_name if "myhuaweicloud" in server else None

    def _upload_files(self, pairs: List[Tuple[Path, ObsPath]], label: str, progress: Optional[bool]) -> List[str]:
        sizes = sum(source.stat().st_size for source, _ in pairs)
        bar = make_progress(label, sizes, len(pairs), progress)
        try:
            self.transfer.run_all(pairs, lambda pair: self.transfer.upload_file(pair[0], pair[1], bar))
        finally:
            bar.close()
        return [target.url for _, target in pairs]

    def _upload_tree(self, source: Path, folder: ObsPath, progress: Optional[bool]) -> str:
        pairs = [(path, folder.child(relative)) for path, relative in walk_local(source)]
        self._upload_files(pairs, "upload", progress)
        return folder.url

    def _download_files(self, jobs: List[Tuple[ObsPath, Path, Optional[int], Optional[str]]], progress: Optional[bool]) -> List[str]:
        for index, (origin, target, size, etag) in enumerate(jobs):
            if size is None:
                meta = self.transfer._check(self.client.getObjectMetadata(origin.bucket, origin.key), f"download {origin.url}")
                jobs[index] = (origin, target, int(meta.body.contentLength or 0), str(meta.body.etag or ""))
        total = sum(size or 0 for _, _, size, _ in jobs)
        bar = make_progress("download", total, len(jobs), progress)
        try:
            self.transfer.run_all(jobs, lambda job: self.transfer.download_file(job[0], job[1], bar, job[2], job[3]))
        finally:
            bar.close()
        return [str(target) for _, target, _, _ in jobs]

    def _download_tree(self, origin: ObsPath, base: Path, progress: Optional[bool]) -> str:
        jobs: List[Tuple[ObsPath, Path, Optional[int], Optional[str]]] = []
        for key, size, etag in self.transfer.list_objects(origin.bucket, origin.key):
            relative = key[len(origin.key):]
            if not relative or relative.endswith("/"):
                continue  # folder markers: empty OBS folders are not created locally
            parse_obs_path(f"obs://{origin.bucket}/{key}", "object key")  # refuses '..' segments before writing
            jobs.append((ObsPath(origin.bucket, key), base.joinpath(*relative.split("/")), size, etag))
        if not jobs and not self._exists(origin):
            raise ObsNotFoundError("NoSuchKey", f"nothing under {origin.url}", 404)
        self._download_files(jobs, progress)
        return str(base)
