"""Errors the local service answers with, as data.

Each class carries its HTTP ``status``, its ``code`` and a ``message``
template (``str.format`` fields filled from keyword arguments).  Three body
shapes exist, one per family::

    ServiceError
    ├── V1Error        ModelArts v1:  {"is_success": false, "error_message", "error_code"}
    ├── GatewayError   API gateway:   {"error_code", "error_msg", "request_id"}
    └── KeystoneError  IAM:           {"error": {"code", "message", "title"}}

Choices where the documentation (the ModelArts error-code page, modelarts_03_0095)
is ambiguous:

* ``ModelArts.0101`` (invalid argument) for a malformed body, a missing
  required field or a value of the wrong type; ``ModelArts.0104`` (parameter
  error) for a well-typed value outside its documented range or enum.
* A duplicate job name is ``ModelArts.0103`` "Job name:%s is existed" — the
  v1 create page's own sample; ``ModelArts.2751`` belongs to the newer service.
* Deleting a job (or version) that is still running is 409
  ``ModelArts.2878`` (JobStatusChanged: "retry later", i.e. once it stopped).
* An unknown version of a known job reuses ``ModelArts.2775``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict

__all__ = [
    "ApiMethodNotFound",
    "ApiNotFound",
    "BodyTooLarge",
    "DuplicateJobName",
    "GatewayError",
    "IAMAuthenticationFailed",
    "InternalError",
    "InvalidArgument",
    "JobNotFound",
    "JobStillRunning",
    "KeystoneBadRequest",
    "KeystoneError",
    "KeystoneUnauthorized",
    "LogNotFound",
    "NotTerminable",
    "ParameterError",
    "ProjectMismatch",
    "QuotaExceeded",
    "ServiceError",
    "TokenMustBeUpdated",
    "V1Error",
    "VersionNotFound",
]


class ServiceError(Exception):
    """Base: an HTTP error answer; ``message`` is a template for ``fields``."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "ModelArts.0010"
    message: ClassVar[str] = "Internal error."

    def __init__(self, detail: str = "", **fields: Any) -> None:
        text = self.message.format(**fields) if fields else self.message
        if detail:
            text = f"{text}: {detail}" if text else detail
        super().__init__(text)
        self.text = text

    def body(self, request_id: str) -> Dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError


class V1Error(ServiceError):
    """A ModelArts v1 failure: ``is_success`` false plus ``error_message``/``error_code``."""

    def body(self, request_id: str) -> Dict[str, Any]:
        return {"is_success": False, "error_message": self.text, "error_code": self.code}


class InternalError(V1Error):
    """Something broke inside the service."""


class InvalidArgument(V1Error):
    """Missing, malformed or wrongly typed argument."""

    status, code, message = 400, "ModelArts.0101", "Invalid argument"


class ParameterError(V1Error):
    """A well-formed value outside its documented range or set."""

    status, code, message = 400, "ModelArts.0104", "Parameter error"


class DuplicateJobName(V1Error):
    """The project already has a job with that name."""

    status, code, message = 400, "ModelArts.0103", "Job name:{name} is existed"


class JobNotFound(V1Error):
    """No such training job in this project."""

    status, code, message = 400, "ModelArts.2775", "Training job (ID: {job_id}) not found."


class VersionNotFound(V1Error):
    """The job exists but has no such version."""

    status, code, message = 400, "ModelArts.2775", "Training job version (ID: {version_id}) not found."


class LogNotFound(V1Error):
    """The version has no log file of that name."""

    status, code, message = 400, "ModelArts.2820", "The log path is not found: {log_file}"


class NotTerminable(V1Error):
    """Stop asked for a version that is not queued or running."""

    status, code, message = 409, "ModelArts.2796", "The job cannot be terminated."


class JobStillRunning(V1Error):
    """Delete asked for a job or version that has not ended."""

    status, code = 409, "ModelArts.2878"
    message = "Training job (ID: {job_id}) is {state}; stop it and wait until it has stopped before deleting it."


class QuotaExceeded(V1Error):
    """Creating this would exceed a quota (ModelArts error code table: ``ModelArts.0116``)."""

    status, code, message = 400, "ModelArts.0116", "The expected {resource} exceeds the quota limit."


class ProjectMismatch(V1Error):
    """The project in the URL is not one the credentials may use."""

    status, code = 403, "ModelArts.0210"
    message = "The project ID in the URL ({project_id}) does not match the project of the credentials."


class GatewayError(ServiceError):
    """An API-gateway failure: ``error_code``, ``error_msg``, ``request_id``."""

    def body(self, request_id: str) -> Dict[str, Any]:
        return {"error_code": self.code, "error_msg": self.text, "request_id": request_id}


class ApiNotFound(GatewayError):
    """No API at that path (or not with that method)."""

    status, code = 404, "APIGW.0101"
    message = "The API does not exist or has not been published in the environment."


class ApiMethodNotFound(ApiNotFound):
    """The path exists, but not with that method."""

    message = "The API does not exist."


class BodyTooLarge(GatewayError):
    """The request body is over the gateway's 12 MB limit."""

    status, code, message = 413, "APIGW.0201", "Request entity too large."


class IAMAuthenticationFailed(GatewayError):
    """Signature, AK, token or security token refused."""

    status, code, message = 401, "APIGW.0301", "Incorrect IAM authentication information"


class TokenMustBeUpdated(GatewayError):
    """The IAM token (or temporary AK/SK) has expired."""

    status, code, message = 401, "APIGW.0307", "The token must be updated."


class KeystoneError(ServiceError):
    """An IAM (Keystone-style) failure: ``{"error": {"code", "message", "title"}}``."""

    title: ClassVar[str] = "Internal Server Error"

    def body(self, request_id: str) -> Dict[str, Any]:
        return {"error": {"code": self.status, "message": self.text, "title": self.title}}


class KeystoneBadRequest(KeystoneError):
    """The IAM request body is malformed."""

    status, code, title, message = 400, "400", "Bad Request", "The request body is invalid"


class KeystoneUnauthorized(KeystoneError):
    """Wrong user, password, domain or token."""

    status, code, title = 401, "401", "Unauthorized"
    message = "The request you have made requires authentication."
