"""Multipart uploads of the local OBS (what ``ObsClient.uploadFile`` uses).

``POST /b/k?uploads`` starts an upload, ``PUT /b/k?partNumber=N&uploadId=U``
stores part N, ``POST /b/k?uploadId=U`` with a ``CompleteMultipartUpload``
document joins the listed parts into the object, ``DELETE ?uploadId=U``
aborts, ``GET ?uploadId=U`` lists the parts.  Parts live under
``<data-dir>/obs-uploads/<upload id>/`` until then, each written atomically,
so uploads survive a restart.  Limits as OBS: part numbers 1-10,000, parts
other than the last at least 100 KB.  The object's ETag is the MD5 of the
part MD5s followed by ``-<number of parts>``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import IO, Any, Callable, Dict, List, Tuple

from modelarts.local.obs_errors import (
    AccessDenied,
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    MalformedXML,
    NoSuchUpload,
)
from modelarts.local.obs_objects import CHUNK, ObjectInfo, Objects, check_key

__all__ = ["MAX_PARTS", "MIN_PART_SIZE", "Multipart", "parse_complete"]

MAX_PARTS = 10_000
MIN_PART_SIZE = 100 * 1024


def _strip_ns(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_complete(body: bytes) -> List[Tuple[int, str]]:
    """``[(part_number, etag)]`` of a ``CompleteMultipartUpload`` document."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise MalformedXML("The XML you provided was not well-formed") from None
    if _strip_ns(root.tag) != "CompleteMultipartUpload":
        raise MalformedXML("Expected a CompleteMultipartUpload document")
    parts: List[Tuple[int, str]] = []
    for node in root:
        if _strip_ns(node.tag) != "Part":
            continue
        fields = {_strip_ns(child.tag): (child.text or "").strip() for child in node}
        try:
            parts.append((int(fields["PartNumber"]), fields["ETag"].strip('"')))
        except (KeyError, ValueError):
            raise MalformedXML("Each Part needs a PartNumber and an ETag") from None
    if not parts:
        raise MalformedXML("The CompleteMultipartUpload document lists no parts")
    return parts


def _append(part: IO[bytes], out: IO[bytes]) -> None:
    """Append the whole of ``part`` to ``out`` (in the kernel where it can: copy_file_range)."""
    out.flush()
    size = os.fstat(part.fileno()).st_size
    copy_range = getattr(os, "copy_file_range", None)
    done = 0
    if copy_range is not None:
        try:
            while done < size:
                sent = copy_range(part.fileno(), out.fileno(), size - done)
                if sent == 0:
                    break
                done += sent
        except OSError:
            pass
    if done < size:
        part.seek(done)
        out.seek(0, os.SEEK_END)
        shutil.copyfileobj(part, out, CHUNK)


class Multipart:
    """Upload state on disk under ``uploads_dir``; ``clock`` (epoch seconds) stamps initiation."""

    def __init__(self, uploads_dir: Path, objects: Objects, clock: Callable[[], float] = time.time) -> None:
        self.dir = uploads_dir
        self.clock = clock
        self.objects = objects
        self.dir.mkdir(parents=True, exist_ok=True)

    def _upload(self, upload_id: str, bucket: str, key: str, domain_id: str) -> Tuple[Path, Dict[str, Any]]:
        folder = self.dir / upload_id
        if not upload_id.isalnum() or not (folder / "upload.json").is_file():
            raise NoSuchUpload("The specified upload does not exist.", resource=upload_id)
        info = json.loads((folder / "upload.json").read_text(encoding="utf-8"))
        if (info["bucket"], info["key"]) != (bucket, key):
            raise NoSuchUpload("The upload id belongs to another object.", resource=upload_id)
        if info["domain_id"] != domain_id:
            raise AccessDenied("Access Denied: the upload belongs to another account", resource=upload_id)
        return folder, info

    def initiate(self, bucket: str, key: str, domain_id: str) -> str:
        """A new upload id for ``bucket``/``key``."""
        check_key(key)
        upload_id = secrets.token_hex(16)
        folder = self.dir / upload_id
        folder.mkdir()
        info = {"bucket": bucket, "key": key, "domain_id": domain_id, "initiated": self.clock()}
        (folder / "upload.json").write_text(json.dumps(info), encoding="utf-8")
        return upload_id

    def put_part(
        self, upload_id: str, bucket: str, key: str, domain_id: str, number: int, body: IO[bytes], length: int, md5: str
    ) -> str:
        """Store part ``number``; its ETag (hex MD5)."""
        folder, _ = self._upload(upload_id, bucket, key, domain_id)
        if not 1 <= number <= MAX_PARTS:
            raise InvalidArgument(f"Part number must be an integer between 1 and {MAX_PARTS}, inclusive")
        temp, etag = self.objects.receive(body, length, md5, durable=False)  # the joined object is synced
        os.replace(temp, folder / f"{number:05d}.{etag}")
        for old in folder.glob(f"{number:05d}.*"):
            if old.name != f"{number:05d}.{etag}":
                old.unlink(missing_ok=True)
        return etag

    def parts(self, upload_id: str, bucket: str, key: str, domain_id: str) -> List[Tuple[int, str, int]]:
        """``(number, etag, size)`` of every stored part, by number."""
        folder, _ = self._upload(upload_id, bucket, key, domain_id)
        found = []
        for entry in os.scandir(folder):
            number, _, etag = entry.name.partition(".")
            if number.isdigit() and etag:
                found.append((int(number), etag, entry.stat().st_size))
        return sorted(found)

    def complete(self, upload_id: str, bucket_dir: Path, key: str, domain_id: str, body: bytes) -> ObjectInfo:
        """Join the listed parts into the object and forget the upload."""
        folder, _ = self._upload(upload_id, bucket_dir.name, key, domain_id)
        wanted = parse_complete(body)
        numbers = [number for number, _ in wanted]
        if numbers != sorted(set(numbers)):
            raise InvalidPartOrder("The list of parts was not in ascending order.")
        stored = {number: (etag, size) for number, etag, size in self.parts(upload_id, bucket_dir.name, key, domain_id)}
        for number, etag in wanted:
            if stored.get(number, ("", 0))[0] != etag:
                raise InvalidPart(f"Part {number} was not uploaded or its ETag differs.")
        for index, (number, _) in enumerate(wanted):
            if index < len(wanted) - 1 and stored[number][1] < MIN_PART_SIZE:
                raise EntityTooSmall(f"Part {number} is smaller than the minimum of {MIN_PART_SIZE} bytes.")
        fd, name = tempfile.mkstemp(dir=self.objects.tmp_dir, prefix="mpu-")
        digests = hashlib.md5()
        try:
            with os.fdopen(fd, "wb") as out:
                for number, etag in wanted:
                    with open(folder / f"{number:05d}.{etag}", "rb") as part:
                        _append(part, out)
                    digests.update(bytes.fromhex(etag))
                out.flush()
                os.fdatasync(out.fileno())
        except BaseException:
            os.unlink(name)
            raise
        info = self.objects.commit(bucket_dir, key, Path(name), f"{digests.hexdigest()}-{len(wanted)}")
        shutil.rmtree(folder, ignore_errors=True)
        return info

    def abort(self, upload_id: str, bucket: str, key: str, domain_id: str) -> None:
        folder, _ = self._upload(upload_id, bucket, key, domain_id)
        shutil.rmtree(folder, ignore_errors=True)
