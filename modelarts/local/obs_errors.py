"""The errors of the local OBS endpoint, answered as OBS/S3 XML.

Each class carries the HTTP ``status`` and the ``code`` real OBS uses (see
the OBS API reference, "Error Codes").  The body is
``<Error><Code/><Message/><RequestId/><HostId/><Resource/></Error>`` and the
request id also travels in ``x-obs-request-id`` / ``x-amz-request-id``, which
is what ``obs.ObsClient`` reads into ``errorCode``/``errorMessage``.
"""

from __future__ import annotations

from typing import ClassVar
from xml.sax.saxutils import escape

__all__ = [
    "AccessDenied",
    "BadDigest",
    "BucketAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "BucketNotEmpty",
    "EntityTooLarge",
    "EntityTooSmall",
    "ExpiredToken",
    "IncompleteBody",
    "InvalidAccessKeyId",
    "InvalidArgument",
    "InvalidBucketName",
    "InvalidPart",
    "InvalidPartOrder",
    "InvalidRange",
    "InvalidToken",
    "KeyTooLong",
    "MalformedXML",
    "MethodNotAllowed",
    "MissingContentLength",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchUpload",
    "ObsError",
    "RequestTimeTooSkewed",
    "SignatureDoesNotMatch",
    "error_xml",
]


class ObsError(Exception):
    """An OBS error answer: ``status``, ``code`` and a human ``message``."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "InternalError"

    def __init__(self, message: str, resource: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.resource = resource


def _error(name: str, status: int, doc: str) -> type:
    return type(name, (ObsError,), {"status": status, "code": name, "__doc__": doc, "__module__": __name__})


AccessDenied = _error("AccessDenied", 403, "Anonymous request, or a bucket of another account.")
SignatureDoesNotMatch = _error("SignatureDoesNotMatch", 403, "The signature does not match the request.")
InvalidAccessKeyId = _error("InvalidAccessKeyId", 403, "The access key does not exist.")
RequestTimeTooSkewed = _error("RequestTimeTooSkewed", 403, "The request time is more than 15 minutes off.")
InvalidToken = _error("InvalidToken", 400, "The security token of a temporary access key is missing or wrong.")
ExpiredToken = _error("ExpiredToken", 400, "The temporary access key has expired.")
NoSuchBucket = _error("NoSuchBucket", 404, "The bucket does not exist.")
NoSuchKey = _error("NoSuchKey", 404, "The object does not exist.")
NoSuchUpload = _error("NoSuchUpload", 404, "The multipart upload does not exist.")
BucketAlreadyExists = _error("BucketAlreadyExists", 409, "The bucket name is taken by another account.")
BucketAlreadyOwnedByYou = _error("BucketAlreadyOwnedByYou", 409, "You already own this bucket.")
BucketNotEmpty = _error("BucketNotEmpty", 409, "Only an empty bucket can be deleted.")
InvalidBucketName = _error("InvalidBucketName", 400, "Bucket names are 3-63 of a-z, 0-9, '.' and '-'.")
KeyTooLong = _error("KeyTooLongError", 400, "Object keys are at most 1,024 bytes of UTF-8.")
InvalidArgument = _error("InvalidArgument", 400, "A malformed or unsupported argument.")
MalformedXML = _error("MalformedXML", 400, "The XML body is not well formed or not the expected document.")
EntityTooLarge = _error("EntityTooLarge", 400, "The body is larger than the operation allows.")
EntityTooSmall = _error("EntityTooSmall", 400, "A part other than the last is smaller than 100 KB.")
InvalidPart = _error("InvalidPart", 400, "A listed part was not uploaded or its ETag differs.")
InvalidPartOrder = _error("InvalidPartOrder", 400, "Parts must be listed in ascending part number order.")
InvalidRange = _error("InvalidRange", 416, "The requested range cannot be satisfied.")
BadDigest = _error("BadDigest", 400, "The Content-MD5 does not match the body received.")
IncompleteBody = _error("IncompleteBody", 400, "Fewer bytes arrived than Content-Length announced.")
MissingContentLength = _error("MissingContentLength", 411, "A PUT needs a Content-Length header.")
MethodNotAllowed = _error("MethodNotAllowed", 405, "The method is not allowed on this resource.")


def error_xml(error: ObsError, request_id: str, host_id: str = "modelarts-local") -> bytes:
    """The XML body of ``error``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
        f"<RequestId>{escape(request_id)}</RequestId><HostId>{escape(host_id)}</HostId>"
        f"<Resource>{escape(error.resource)}</Resource></Error>"
    ).encode("utf-8")
