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
    "TooManyBuckets",
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


class AccessDenied(ObsError):
    """Anonymous request, or a bucket of another account."""

    status, code = 403, "AccessDenied"


class SignatureDoesNotMatch(ObsError):
    """The signature does not match the request."""

    status, code = 403, "SignatureDoesNotMatch"


class InvalidAccessKeyId(ObsError):
    """The access key does not exist."""

    status, code = 403, "InvalidAccessKeyId"


class RequestTimeTooSkewed(ObsError):
    """The request time is more than 15 minutes off."""

    status, code = 403, "RequestTimeTooSkewed"


class InvalidToken(ObsError):
    """The security token of a temporary access key is missing or wrong."""

    status, code = 400, "InvalidToken"


class ExpiredToken(ObsError):
    """The temporary access key has expired."""

    status, code = 400, "ExpiredToken"


class NoSuchBucket(ObsError):
    """The bucket does not exist."""

    status, code = 404, "NoSuchBucket"


class NoSuchKey(ObsError):
    """The object does not exist."""

    status, code = 404, "NoSuchKey"


class NoSuchUpload(ObsError):
    """The multipart upload does not exist."""

    status, code = 404, "NoSuchUpload"


class BucketAlreadyExists(ObsError):
    """The bucket name is taken by another account."""

    status, code = 409, "BucketAlreadyExists"


class TooManyBuckets(ObsError):
    """The account already owns the most buckets OBS allows (100)."""

    status, code = 400, "TooManyBuckets"


class BucketNotEmpty(ObsError):
    """Only an empty bucket can be deleted."""

    status, code = 409, "BucketNotEmpty"


class InvalidBucketName(ObsError):
    """Bucket names are 3-63 of a-z, 0-9, '.' and '-'."""

    status, code = 400, "InvalidBucketName"


class KeyTooLong(ObsError):
    """Object keys are at most 1,024 bytes of UTF-8."""

    status, code = 400, "KeyTooLongError"


class InvalidArgument(ObsError):
    """A malformed or unsupported argument."""

    status, code = 400, "InvalidArgument"


class MalformedXML(ObsError):
    """The XML body is not well formed or not the expected document."""

    status, code = 400, "MalformedXML"


class EntityTooLarge(ObsError):
    """The body is larger than the operation allows."""

    status, code = 400, "EntityTooLarge"


class EntityTooSmall(ObsError):
    """A part other than the last is smaller than 100 KB."""

    status, code = 400, "EntityTooSmall"


class InvalidPart(ObsError):
    """A listed part was not uploaded or its ETag differs."""

    status, code = 400, "InvalidPart"


class InvalidPartOrder(ObsError):
    """Parts must be listed in ascending part number order."""

    status, code = 400, "InvalidPartOrder"


class InvalidRange(ObsError):
    """The requested range cannot be satisfied."""

    status, code = 416, "InvalidRange"


class BadDigest(ObsError):
    """The Content-MD5 does not match the body received."""

    status, code = 400, "BadDigest"


class IncompleteBody(ObsError):
    """Fewer bytes arrived than Content-Length announced."""

    status, code = 400, "IncompleteBody"


class MissingContentLength(ObsError):
    """A PUT needs a Content-Length header."""

    status, code = 411, "MissingContentLength"


class MethodNotAllowed(ObsError):
    """The method is not allowed on this resource."""

    status, code = 405, "MethodNotAllowed"


def error_xml(error: ObsError, request_id: str, host_id: str = "modelarts-local") -> bytes:
    """The XML body of ``error``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
        f"<RequestId>{escape(request_id)}</RequestId><HostId>{escape(host_id)}</HostId>"
        f"<Resource>{escape(error.resource)}</Resource></Error>"
    ).encode("utf-8")
