"""Objects of the local OBS: plain files under ``<data-dir>/obs/<bucket>/``.

Key ``a/b/c.txt`` of bucket ``b`` is the file ``<data-dir>/obs/b/a/b/c.txt``,
so a training job reads exactly what was uploaded and its outputs are
objects.  A key ending in ``/`` is a folder (a directory).  Writes stream
into a temporary file outside the bucket tree, are flushed to disk and then
renamed into place, so a crash mid-upload never leaves a partial object
visible.  ETags (hex MD5) are cached in the ``obs_etags`` table, keyed by
size and modification time, and recomputed when a job rewrote the file.

Symbolic links (which a training job could leave in its outputs) are never
followed: they are not objects, and no write goes through one.  Deleting the last object under a prefix removes the folders left empty.
Key rules are OBS's (at most 1,024 bytes of UTF-8) plus what a file system
needs: no empty, ``.`` or ``..`` segments and no NUL; a key cannot be both an
object and a folder prefix of another object.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import IO, Iterator, List, Optional, Tuple

import attrs

from modelarts import rules
from modelarts.local.obs_errors import BadDigest, IncompleteBody, InvalidArgument, KeyTooLong, NoSuchKey
from modelarts.local.store import Database

__all__ = ["CHUNK", "ObjectInfo", "Objects", "check_key", "md5_file"]

CHUNK = 1024 * 1024
_ETAG_MEMO = 100_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS obs_etags (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    etag TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
)
"""


def check_key(key: str) -> str:
    """``key`` if it can be stored, else :class:`KeyTooLong` / :class:`InvalidArgument`."""
    encoded = key.encode("utf-8", "surrogatepass")
    if not key:
        raise InvalidArgument("The object key is empty")
    if len(encoded) > rules.OBS_KEY_MAX_BYTES:
        raise KeyTooLong(f"Your key is too long: {len(encoded)} bytes, at most {rules.OBS_KEY_MAX_BYTES}", resource=key)
    segments = key[:-1].split("/") if key.endswith("/") else key.split("/")
    if "\x00" in key or any(segment in ("", ".", "..") for segment in segments):
        raise InvalidArgument("Object keys may not hold NUL or empty, '.' or '..' path segments here", resource=key)
    if any(len(segment.encode("utf-8", "surrogatepass")) > 255 for segment in segments):
        raise KeyTooLong("A '/'-separated part of the key is longer than 255 bytes (a file name)", resource=key)
    return key


def md5_file(path: "str | Path") -> str:
    """Hex MD5 of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _inside(bucket_dir: Path, path: Path) -> bool:
    """``path`` resolves (links followed) to ``bucket_dir`` or below it."""
    base, real = os.path.realpath(bucket_dir), os.path.realpath(path)
    return real == base or real.startswith(base + os.sep)


@attrs.frozen
class ObjectInfo:
    """What HEAD and list say about an object."""

    key: str
    path: Path
    size: int
    mtime: float
    etag: str


class Objects:
    """Object files with atomic writes and cached ETags."""

    def __init__(self, db: Database, tmp_dir: Path) -> None:
        self.db = db
        self.tmp_dir = tmp_dir
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.db.execute(_SCHEMA)
        self._lock = threading.Lock()
        self._etags: "OrderedDict[Tuple[str, str, int, int], str]" = OrderedDict()  # in front of obs_etags

    def _remember(self, bucket: str, key: str, size: int, mtime_ns: int, etag: str) -> None:
        with self._lock:
            self._etags[(bucket, key, size, mtime_ns)] = etag
            if len(self._etags) > _ETAG_MEMO:
                self._etags.popitem(last=False)

    # -- writing ----------------------------------------------------------------------

    def receive(self, body: IO[bytes], length: int, content_md5: str = "", durable: bool = True) -> Tuple[Path, str]:
        """Stream ``length`` bytes of ``body`` into a temporary file; its path and hex MD5
        (``durable``: flushed to disk before it is used)."""
        fd, name = tempfile.mkstemp(dir=self.tmp_dir, prefix="put-")
        digest, left = hashlib.md5(), length
        try:
            with os.fdopen(fd, "wb") as out:
                while left > 0:
                    block = body.read(min(CHUNK, left))
                    if not block:
                        raise IncompleteBody(f"The body ended {left} bytes before its Content-Length")
                    digest.update(block)
                    out.write(block)
                    left -= len(block)
                out.flush()
                if durable:
                    os.fdatasync(out.fileno())
            if content_md5:
                try:
                    wanted = base64.b64decode(content_md5, validate=True)
                except (binascii.Error, ValueError):
                    raise InvalidArgument("Content-MD5 is not base64") from None
                if wanted != digest.digest():
                    raise BadDigest("The Content-MD5 you specified did not match what we received.")
        except BaseException:
            os.unlink(name)
            raise
        return Path(name), digest.hexdigest()

    def commit(self, bucket_dir: Path, key: str, temp: Path, etag: str) -> ObjectInfo:
        """Rename ``temp`` into place as ``key`` (atomic) and record its ETag."""
        try:
            target = self._target(bucket_dir, key)
            if target.is_dir():
                raise InvalidArgument(f"{key!r} is a folder holding other objects", resource=key)
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        stat = target.stat()
        self.db.execute(
            "INSERT OR REPLACE INTO obs_etags(bucket, key, size, mtime_ns, etag) VALUES (?, ?, ?, ?, ?)",
            (bucket_dir.name, key, stat.st_size, stat.st_mtime_ns, etag),
        )
        self._remember(bucket_dir.name, key, stat.st_size, stat.st_mtime_ns, etag)
        return ObjectInfo(key, target, stat.st_size, stat.st_mtime, etag)

    def make_folder(self, bucket_dir: Path, key: str) -> ObjectInfo:
        """Create the folder ``key`` (ending in ``/``)."""
        target = self._target(bucket_dir, key)
        if target.is_file():
            raise InvalidArgument(f"{key!r} names an object; it cannot also be a folder", resource=key)
        target.mkdir(exist_ok=True)
        return ObjectInfo(key, target, 0, target.stat().st_mtime, hashlib.md5(b"").hexdigest())

    def _target(self, bucket_dir: Path, key: str) -> Path:
        check_key(key)
        target = bucket_dir.joinpath(*key.rstrip("/").split("/"))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InvalidArgument(f"A prefix of {key!r} is an object, so it cannot be a folder", resource=key) from None
        if not _inside(bucket_dir, target.parent) or target.is_symlink():
            raise InvalidArgument(f"{key!r} goes through a symbolic link, which the local OBS refuses", resource=key)
        return target

    # -- reading ----------------------------------------------------------------------

    def info(self, bucket_dir: Path, key: str) -> ObjectInfo:
        """HEAD of ``key``; :class:`NoSuchKey` if absent."""
        check_key(key)
        path = bucket_dir.joinpath(*key.rstrip("/").split("/"))
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise NoSuchKey("The specified key does not exist.", resource=key) from None
        if path.is_symlink() or not _inside(bucket_dir, path):
            # a link a training job left in its output: never followed (it could point at anything)
            raise NoSuchKey("The specified key does not exist.", resource=key)
        if key.endswith("/") != path.is_dir():
            raise NoSuchKey("The specified key does not exist.", resource=key)
        if path.is_dir():
            return ObjectInfo(key, path, 0, stat.st_mtime, hashlib.md5(b"").hexdigest())
        return ObjectInfo(key, path, stat.st_size, stat.st_mtime, self._etag(bucket_dir.name, key, path, stat))

    def _etag(self, bucket: str, key: str, path: Path, stat: os.stat_result) -> str:
        with self._lock:
            memo = self._etags.get((bucket, key, stat.st_size, stat.st_mtime_ns))
        if memo is not None:
            return memo
        row = self.db.one("SELECT size, mtime_ns, etag FROM obs_etags WHERE bucket = ? AND key = ?", (bucket, key))
        if row is not None and row["size"] == stat.st_size and row["mtime_ns"] == stat.st_mtime_ns:
            etag = str(row["etag"])
        else:
            etag = md5_file(path)
            self.db.execute(
                "INSERT OR REPLACE INTO obs_etags(bucket, key, size, mtime_ns, etag) VALUES (?, ?, ?, ?, ?)",
                (bucket, key, stat.st_size, stat.st_mtime_ns, etag),
            )
        self._remember(bucket, key, stat.st_size, stat.st_mtime_ns, etag)
        return etag

    def delete(self, bucket_dir: Path, key: str) -> None:
        """Remove ``key`` (absent keys are fine) and the folders it leaves empty."""
        check_key(key)
        path = bucket_dir.joinpath(*key.rstrip("/").split("/"))
        try:
            if key.endswith("/"):
                path.rmdir()
            elif path.is_file():
                path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError:
            return  # a folder that still holds objects: OBS keeps the other objects too
        self.db.execute("DELETE FROM obs_etags WHERE bucket = ? AND key = ?", (bucket_dir.name, key))
        parent = path.parent
        while parent != bucket_dir and bucket_dir in parent.parents:
            try:
                parent.rmdir()  # OBS has no folders of its own: a prefix with no objects left is gone
            except OSError:
                break
            parent = parent.parent

    def keys(self, bucket_dir: Path, prefix: str) -> Iterator[str]:
        """Every key under ``prefix`` in sorted order (empty folders as ``dir/``)."""
        folder = prefix.rpartition("/")[0]
        start = bucket_dir.joinpath(*folder.split("/")) if folder else bucket_dir
        if not start.is_dir():
            return iter(())
        found: List[str] = []
        base = len(str(bucket_dir)) + 1
        for dirpath, dirnames, filenames in os.walk(start):
            relative = dirpath[base:].replace(os.sep, "/") if len(dirpath) >= base else ""
            head = relative + "/" if relative else ""
            if not dirnames and not filenames and relative:
                found.append(head)
            found.extend(head + name for name in filenames)
        return iter(sorted(key for key in found if key.startswith(prefix)))

    def listing(
        self, bucket_dir: Path, prefix: str, marker: str, delimiter: str, max_keys: int
    ) -> Tuple[List[ObjectInfo], List[str], bool, Optional[str]]:
        """One page: ``(objects, common_prefixes, is_truncated, next_marker)``."""
        objects: List[ObjectInfo] = []
        prefixes: List[str] = []
        last: Optional[str] = None
        for key in self.keys(bucket_dir, prefix):
            if marker and key <= marker:
                continue
            if delimiter:
                cut = key.find(delimiter, len(prefix))
                if cut >= 0:
                    common = key[: cut + len(delimiter)]
                    if common == last or (marker and common <= marker):
                        continue
                    if len(objects) + len(prefixes) >= max_keys:
                        return objects, prefixes, True, last
                    prefixes.append(common)
                    last = common
                    continue
            if len(objects) + len(prefixes) >= max_keys:
                return objects, prefixes, True, last
            try:
                objects.append(self.info(bucket_dir, key))
            except NoSuchKey:  # removed while listing
                continue
            last = key
        return objects, prefixes, False, None
