"""The local OBS endpoint: a WSGI application speaking what ``obs.ObsClient`` sends.

Path-style addressing (``/<bucket>/<key>``): list buckets (``GET /``),
create / head / delete / list a bucket (``PUT``/``HEAD``/``DELETE``/``GET
/<bucket>`` with ``prefix``, ``marker``, ``delimiter``, ``max-keys``), put /
get (with ``Range``) / head / delete an object, and multipart uploads.  Every
request except the signature-negotiation probe ``HEAD /?apiversion`` must be
signed (:mod:`modelarts.local.obs_auth`); a bucket of another account answers
``AccessDenied``.  Errors are OBS XML with a request id.

>>> app = ObsApp(service_app)                                    # doctest: +SKIP
>>> waitress.create_server(app, host="127.0.0.1", port=0)         # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import http
import mimetypes
import re
import secrets
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import parse_qsl, quote, unquote
from xml.sax.saxutils import escape

from modelarts.local.obs_auth import Caller, ObsAuth
from modelarts.local.obs_buckets import Buckets, check_bucket_name
from modelarts.local.obs_errors import (
    EntityTooLarge,
    InvalidArgument,
    InvalidRange,
    MethodNotAllowed,
    MissingContentLength,
    ObsError,
    error_xml,
)
from modelarts.local.obs_multipart import Multipart
from modelarts.local.obs_objects import ObjectInfo, Objects

if TYPE_CHECKING:  # pragma: no cover
    from modelarts.local.app import App

__all__ = ["MAX_PUT_BYTES", "ObsApp", "StartResponse"]

MAX_PUT_BYTES = 5 * 1024**3
_MAX_XML = 2 * 1024 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'
_NS = ' xmlns="http://obs.myhwclouds.com/doc/2015-06-30/"'
StartResponse = Callable[..., Any]


def _http_date(epoch: float) -> str:
    return email.utils.formatdate(epoch, usegmt=True)


def _iso(epoch: float) -> str:
    return _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class _Answer:
    def __init__(self, status: int, body: Any = b"", headers: Optional[Dict[str, str]] = None) -> None:
        self.status, self.body, self.headers = status, body, dict(headers or {})


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class ObsApp:
    """WSGI application of the local OBS over a service :class:`~modelarts.local.app.App`."""

    def __init__(self, app: "App") -> None:
        self.buckets: Buckets = app.buckets
        self.objects = Objects(app.db, app.data_dir / "obs-tmp")
        self.multipart = Multipart(app.data_dir / "obs-uploads", self.objects, clock=app.clock)
        self.auth = ObsAuth(app.directory, clock=app.clock)

    # -- WSGI -------------------------------------------------------------------------

    def __call__(self, environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = secrets.token_hex(8).upper()
        method = environ["REQUEST_METHOD"].upper()
        raw = environ.get("REQUEST_URI") or quote(environ.get("PATH_INFO", "/"))
        raw_path, _, query = raw.partition("?")
        if not query:
            query = environ.get("QUERY_STRING", "")
        headers = {
            name[5:].replace("_", "-").lower(): value for name, value in environ.items() if name.startswith("HTTP_")
        }
        for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(name):
                headers[name.replace("_", "-").lower()] = environ[name]
        try:
            answer = self._handle(method, raw_path, query, headers, environ)
        except ObsError as error:
            body = b"" if method == "HEAD" else error_xml(error, request_id)
            answer = _Answer(error.status, body, {"Content-Type": "application/xml"})
        answer.headers.update({"x-obs-request-id": request_id, "x-amz-request-id": request_id})
        answer.headers.setdefault("x-obs-id-2", request_id)
        body = answer.body
        if isinstance(body, bytes):
            answer.headers.setdefault("Content-Length", str(len(body)))
            body = [b""] if method == "HEAD" else [body]  # type: ignore[assignment]
        reason = _reason(answer.status)
        start_response(f"{answer.status} {reason}", list(answer.headers.items()))
        return body

    def _handle(
        self, method: str, raw_path: str, query: str, headers: Dict[str, str], environ: Dict[str, Any]
    ) -> _Answer:
        args = dict(parse_qsl(query, keep_blank_values=True))
        if "apiversion" in args and method == "HEAD":
            return _Answer(200, b"", {"x-obs-api": "3.0"})
        caller = self.auth.authenticate(method, raw_path, query, headers)
        bucket, _, raw_key = raw_path.lstrip("/").partition("/")
        try:
            bucket, key = unquote(bucket, errors="strict"), unquote(raw_key, errors="strict")
        except UnicodeDecodeError:
            raise InvalidArgument("The URI is not valid UTF-8") from None
        if not bucket:
            if method != "GET":
                raise MethodNotAllowed("Only GET is allowed on the service")
            return self._list_buckets(caller)
        check_bucket_name(bucket)
        if not key:
            return self._bucket(method, bucket, args, caller)
        bucket_dir = self.buckets.check(bucket, caller.domain_id)
        body = environ["wsgi.input"]
        if method == "PUT":
            length = self._length(headers, environ)
            if "uploadId" in args:
                number = _int(args.get("partNumber", ""), "partNumber")
                etag = self.multipart.put_part(
                    args["uploadId"], bucket, key, caller.domain_id, number, body, length, headers.get("content-md5", "")
                )
                return _Answer(200, b"", {"ETag": f'"{etag}"'})
            if key.endswith("/"):
                if length:
                    raise InvalidArgument("A folder key (ending in '/') cannot have content")
                return self._stored(self.objects.make_folder(bucket_dir, key))
            temp, etag = self.objects.receive(body, length, headers.get("content-md5", ""))
            return self._stored(self.objects.commit(bucket_dir, key, temp, etag))
        if method in ("GET", "HEAD"):
            if "uploadId" in args and method == "GET":
                return self._list_parts(bucket, key, args["uploadId"], caller)
            return self._get(method, self.objects.info(bucket_dir, key), headers)
        if method == "DELETE":
            if "uploadId" in args:
                self.multipart.abort(args["uploadId"], bucket, key, caller.domain_id)
            else:
                self.objects.delete(bucket_dir, key)
            return _Answer(204)
        if method == "POST":
            if "uploads" in args:
                upload_id = self.multipart.initiate(bucket, key, caller.domain_id)
                xml = f"<InitiateMultipartUploadResult{_NS}><Bucket>{escape(bucket)}</Bucket><Key>{escape(key)}</Key>"
                return _xml(xml + f"<UploadId>{upload_id}</UploadId></InitiateMultipartUploadResult>")
            if "uploadId" in args:
                info = self.multipart.complete(args["uploadId"], bucket_dir, key, caller.domain_id, _xml_body(environ))
                xml = f"<CompleteMultipartUploadResult{_NS}><Location>/{escape(bucket)}/{escape(key)}</Location>"
                xml += f"<Bucket>{escape(bucket)}</Bucket><Key>{escape(key)}</Key><ETag>\"{info.etag}\"</ETag>"
                return _xml(xml + "</CompleteMultipartUploadResult>")
        raise MethodNotAllowed(f"{method} is not allowed on an object here")

    @staticmethod
    def _length(headers: Dict[str, str], environ: Dict[str, Any]) -> int:
        text = headers.get("content-length", "")
        if not text.isdigit():
            raise MissingContentLength("You must provide the Content-Length HTTP header.")
        length = int(text)
        if length > MAX_PUT_BYTES:
            raise EntityTooLarge("A single upload is at most 5 GB; use a multipart upload")
        return length

    # -- buckets ----------------------------------------------------------------------

    def _list_buckets(self, caller: Caller) -> _Answer:
        items = "".join(
            f"<Bucket><Name>{escape(name)}</Name><CreationDate>{_iso(created)}</CreationDate></Bucket>"
            for name, created in self.buckets.of(caller.domain_id)
        )
        owner = f"<Owner><ID>{caller.domain_id}</ID></Owner>"
        return _xml(f"<ListAllMyBucketsResult{_NS}>{owner}<Buckets>{items}</Buckets></ListAllMyBucketsResult>")

    def _bucket(self, method: str, bucket: str, args: Dict[str, str], caller: Caller) -> _Answer:
        if method == "PUT":
            self.buckets.create(bucket, caller.domain_id)
            return _Answer(200, b"", {"Location": f"/{bucket}"})
        if method == "DELETE":
            self.buckets.delete(bucket, caller.domain_id)
            return _Answer(204)
        bucket_dir = self.buckets.check(bucket, caller.domain_id)
        if method == "HEAD":
            return _Answer(200, b"", {"x-obs-bucket-location": "local-1", "x-amz-bucket-region": "local-1"})
        if method != "GET":
            raise MethodNotAllowed(f"{method} is not allowed on a bucket here")
        if "location" in args:
            return _xml(f"<CreateBucketConfiguration{_NS}><Location>local-1</Location></CreateBucketConfiguration>")
        max_keys = _int(args.get("max-keys", "1000"), "max-keys", 0)
        prefix, marker, delimiter = args.get("prefix", ""), args.get("marker", ""), args.get("delimiter", "")
        objects, prefixes, truncated, next_marker = self.objects.listing(
            bucket_dir, prefix, marker, delimiter, min(max_keys, 1000)
        )
        parts: List[str] = [
            f"<ListBucketResult{_NS}><Name>{escape(bucket)}</Name><Prefix>{escape(prefix)}</Prefix>",
            f"<Marker>{escape(marker)}</Marker><MaxKeys>{max_keys}</MaxKeys>",
            f"<Delimiter>{escape(delimiter)}</Delimiter>" if delimiter else "",
            f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>",
            f"<NextMarker>{escape(next_marker)}</NextMarker>" if truncated and next_marker else "",
        ]
        owner = f"<Owner><ID>{caller.domain_id}</ID></Owner>"
        for info in objects:
            parts.append(
                f"<Contents><Key>{escape(info.key)}</Key><LastModified>{_iso(info.mtime)}</LastModified>"
                f"<ETag>\"{info.etag}\"</ETag><Size>{info.size}</Size>{owner}"
                "<StorageClass>STANDARD</StorageClass></Contents>"
            )
        parts.extend(f"<CommonPrefixes><Prefix>{escape(p)}</Prefix></CommonPrefixes>" for p in prefixes)
        return _xml("".join(parts) + "</ListBucketResult>")

    def _list_parts(self, bucket: str, key: str, upload_id: str, caller: Caller) -> _Answer:
        items = "".join(
            f"<Part><PartNumber>{number}</PartNumber><ETag>\"{etag}\"</ETag><Size>{size}</Size></Part>"
            for number, etag, size in self.multipart.parts(upload_id, bucket, key, caller.domain_id)
        )
        head = f"<ListPartsResult{_NS}><Bucket>{escape(bucket)}</Bucket><Key>{escape(key)}</Key>"
        return _xml(f"{head}<UploadId>{upload_id}</UploadId><IsTruncated>false</IsTruncated>{items}</ListPartsResult>")

    # -- objects ----------------------------------------------------------------------

    @staticmethod
    def _stored(info: ObjectInfo) -> _Answer:
        return _Answer(200, b"", {"ETag": f'"{info.etag}"'})

    @staticmethod
    def _get(method: str, info: ObjectInfo, headers: Dict[str, str]) -> _Answer:
        content_type = mimetypes.guess_type(info.key)[0] or "binary/octet-stream"
        answer_headers = {
            "ETag": f'"{info.etag}"',
            "Last-Modified": _http_date(info.mtime),
            "Content-Type": content_type,
            "Accept-Ranges": "bytes",
        }
        ranged = bool(info.size) and _RANGE.match(headers.get("range", "").strip()) is not None
        start, end = _range(headers.get("range", ""), info.size) if ranged else (0, info.size - 1)
        status = 206 if ranged else 200
        if ranged:
            answer_headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
        answer_headers["Content-Length"] = str(end - start + 1)
        if method == "HEAD" or info.size == 0:
            return _Answer(status, b"", answer_headers)
        handle = open(info.path, "rb")
        handle.seek(start)
        return _Answer(status, _FileBody(handle, end - start + 1), answer_headers)


class _FileBody:
    """The bytes ``[offset, offset + length)`` of an open file, in chunks."""

    def __init__(self, handle: Any, length: int) -> None:
        self.handle, self.left = handle, length

    def __iter__(self) -> "_FileBody":
        return self

    def __next__(self) -> bytes:
        if self.left <= 0:
            raise StopIteration
        block = self.handle.read(min(1024 * 1024, self.left))
        if not block:
            raise StopIteration
        self.left -= len(block)
        return block

    def close(self) -> None:
        self.handle.close()


def _range(header: str, size: int) -> Tuple[int, int]:
    """``(first, last)`` byte of a ``Range`` header (the whole object if absent or unparseable)."""
    match = _RANGE.match(header.strip()) if header else None
    if match is None or match.groups() == ("", ""):
        return 0, size - 1
    first, last = match.groups()
    if first == "":
        count = int(last)
        if count == 0:
            raise InvalidRange("The requested range is not satisfiable")
        return max(0, size - count), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise InvalidRange("The requested range is not satisfiable")
    return start, end


def _int(text: str, name: str, low: int = 1) -> int:
    if not text.isdigit() or int(text) < low:
        raise InvalidArgument(f"{name} must be an integer >= {low}, got {text!r}")
    return int(text)


def _xml(text: str) -> _Answer:
    return _Answer(200, (_XML + text).encode("utf-8"), {"Content-Type": "application/xml"})


def _xml_body(environ: Dict[str, Any]) -> bytes:
    text = environ.get("CONTENT_LENGTH") or "0"
    length = int(text) if text.isdigit() else 0
    if length > _MAX_XML:
        raise EntityTooLarge("The XML document is too large")
    return bytes(environ["wsgi.input"].read(length))
