"""Moving files between this machine and OBS with an ``obs.ObsClient``.

* Files of at least ``multipart_threshold`` bytes go through ObsClient's
  resumable ``uploadFile`` / ``downloadFile`` (multipart, parallel parts, a
  checkpoint file in the temporary directory so an interrupted transfer of
  the same file resumes); smaller ones through ``putFile`` (with
  ``Content-MD5``, checked by OBS) and ``getObject``.  Bodies are streamed,
  never read whole.
* Integrity: after an upload the object's size (and, for single PUTs, its
  ETag = MD5) must match the local file; a download lands in a temporary
  file beside the target, is checked the same way, then renamed into place.
* Folders are transferred file by file on a thread pool.
"""

from __future__ import annotations

import base64
import concurrent.futures as futures
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import attrs

from modelarts.obs_client import import_obs
from modelarts.obs_errors import ObsIntegrityError, error_from_result
from modelarts.obs_paths import ObsPath
from modelarts.obs_progress import Progress

__all__ = ["Transfer", "md5_of", "walk_local"]

_PLAIN_ETAG = re.compile(r"[0-9a-f]{32}")
_CHUNK = 1024 * 1024


def md5_of(path: "str | Path") -> Tuple[str, str]:
    """Hex and base64 MD5 of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest(), base64.b64encode(digest.digest()).decode("ascii")


def walk_local(root: Path) -> List[Tuple[Path, str]]:
    """``(file, relative posix path)`` of every regular file under ``root``, sorted."""
    found: List[Tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file():
                found.append((path, path.relative_to(root).as_posix()))
    return found


def _checkpoint(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return os.path.join(tempfile.gettempdir(), f"modelarts-obs-{kind}-{digest}.record")


@attrs.define
class Transfer:
    """File and folder transfers over one ObsClient."""

    client: Any
    multipart_threshold: int = 16 * 1024 * 1024
    part_size: int = 8 * 1024 * 1024
    part_tasks: int = 4
    file_workers: int = 8

    def _check(self, result: Any, what: str) -> Any:
        if getattr(result, "status", 999) >= 300:
            raise error_from_result(result, what)
        return result

    # -- one file ----------------------------------------------------------------------

    def upload_file(self, source: Path, target: ObsPath, progress: Progress) -> str:
        """Upload ``source`` as ``target`` (an object key); its ETag."""
        size = source.stat().st_size
        name = target.url

        def report(done: int, total: int, seconds: float) -> None:
            progress.advance(name, done)

        obs = import_obs()
        if size >= self.multipart_threshold:
            record = _checkpoint("upload", str(source.resolve()), target.url)
            result = self._check(
                self.client.uploadFile(
                    target.bucket, target.key, str(source), partSize=self.part_size, taskNum=self.part_tasks,
                    enableCheckpoint=True, checkpointFile=record, progressCallback=report,
                ),
                f"upload {source} to {name}",
            )  # fmt: skip
            etag = str(result.body.etag or "").strip('"')
            meta = self._check(self.client.getObjectMetadata(target.bucket, target.key), f"check {name}")
            if int(meta.body.contentLength or -1) != size:
                raise ObsIntegrityError(
                    "IntegrityCheckFailed", f"{name} holds {meta.body.contentLength} bytes, {source} has {size}"
                )
        else:
            hex_md5, b64_md5 = md5_of(source)
            result = self._check(
                self.client.putFile(
                    target.bucket, target.key, str(source), headers=obs.PutObjectHeader(md5=b64_md5),
                    progressCallback=report,
                ),
                f"upload {source} to {name}",
            )  # fmt: skip
            etag = str(result.body.etag or "").strip('"')
            if etag != hex_md5:
                raise ObsIntegrityError("IntegrityCheckFailed", f"{name}: ETag {etag} differs from the MD5 {hex_md5}")
        progress.file_done(name, size)
        return etag

    def download_file(
        self, source: ObsPath, target: Path, progress: Progress, size: Optional[int] = None, etag: Optional[str] = None
    ) -> Path:
        """Download object ``source`` to the file ``target`` (written atomically); ``target``."""
        name = source.url
        if size is None:
            meta = self._check(self.client.getObjectMetadata(source.bucket, source.key), f"download {name}")
            size, etag = int(meta.body.contentLength or 0), str(meta.body.etag or "")
        etag = (etag or "").strip('"')
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir():
            raise IsADirectoryError(f"cannot download {name} to {target}: it is a folder")
        temp = target.with_name(f".{target.name}.obs-download")

        def report(done: int, total: int, seconds: float) -> None:
            progress.advance(name, done)

        try:
            if size >= self.multipart_threshold:
                record = _checkpoint("download", name, str(target.resolve()))
                self._check(
                    self.client.downloadFile(
                        source.bucket, source.key, downloadFile=str(temp), partSize=self.part_size,
                        taskNum=self.part_tasks, enableCheckpoint=True, checkpointFile=record,
                        progressCallback=report,
                    ),
                    f"download {name}",
                )  # fmt: skip
            else:
                self._check(
                    self.client.getObject(source.bucket, source.key, downloadPath=str(temp), progressCallback=report),
                    f"download {name}",
                )
            if not temp.exists() and size == 0:
                temp.touch()
            got = temp.stat().st_size
            if got != size:
                raise ObsIntegrityError("IntegrityCheckFailed", f"{name}: got {got} bytes, OBS says {size}")
            if _PLAIN_ETAG.fullmatch(etag) and md5_of(temp)[0] != etag:
                raise ObsIntegrityError("IntegrityCheckFailed", f"{name}: the MD5 of the download differs from its ETag")
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
        progress.file_done(name, size)
        return target

    # -- listings and folders -----------------------------------------------------------

    def list_objects(self, bucket: str, prefix: str, delimiter: Optional[str] = None) -> Iterator[Tuple[str, int, str]]:
        """``(key, size, etag)`` of every object under ``prefix`` (and ``(prefix/, -1, "")`` for common prefixes)."""
        marker: Optional[str] = None
        while True:
            result = self._check(
                self.client.listObjects(bucket, prefix=prefix or None, marker=marker, max_keys=1000, delimiter=delimiter),
                f"list obs://{bucket}/{prefix}",
            )
            body = result.body
            for item in body.contents or []:
                yield item.key, int(item.size or 0), str(item.etag or "").strip('"')
            for common in body.commonPrefixs or []:
                yield common.prefix, -1, ""
            if not body.is_truncated:
                return
            last_key = body.contents[-1].key if body.contents else None
            last_prefix = body.commonPrefixs[-1].prefix if body.commonPrefixs else None
            marker = body.next_marker or max(filter(None, [last_key, last_prefix]))

    def run_all(self, jobs: Sequence[Any], action: Any) -> List[Any]:
        """``action(job)`` for every job on the file pool; the first failure is raised after the pool stops."""
        if len(jobs) <= 1:
            return [action(job) for job in jobs]
        results: List[Any] = []
        with futures.ThreadPoolExecutor(max_workers=self.file_workers, thread_name_prefix="obs-transfer") as pool:
            pending = [pool.submit(action, job) for job in jobs]
            error: Optional[BaseException] = None
            for future in pending:
                try:
                    results.append(future.result())
                except BaseException as exc:  # noqa: BLE001 - re-raised below
                    if error is None:
                        error = exc
                        for other in pending:
                            other.cancel()
            if error is not None:
                raise error
        return results
