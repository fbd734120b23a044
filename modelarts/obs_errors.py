"""Typed failures of the ``session.obs`` helpers.

The documented calls report failures as ``error_code`` / ``error_msg``
(ModelArts SDK reference, "OBS Management").  Raised, they are
:class:`ObsError` carrying both; with ``Session(errors="return")`` the
helpers return :meth:`ObsError.to_dict` instead.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from modelarts.exceptions import ModelArtsError

__all__ = ["ObsError", "ObsIntegrityError", "ObsNotFoundError", "error_from_result"]


class ObsError(ModelArtsError):
    """OBS answered with a failure (or a transfer could not be completed)."""

    def __init__(
        self, error_code: str, error_msg: str, status: Optional[int] = None, request_id: Optional[str] = None
    ) -> None:
        super().__init__(f"{error_code}: {error_msg}")
        self.error_code = error_code
        self.error_msg = error_msg
        self.status = status
        self.request_id = request_id

    def to_dict(self) -> Dict[str, Any]:
        """The documented failure answer: ``{"error_code": …, "error_msg": …}``."""
        return {"error_code": self.error_code, "error_msg": self.error_msg}


class ObsNotFoundError(ObsError):
    """No such bucket, object or folder (HTTP 404, or nothing under an OBS folder)."""


class ObsIntegrityError(ObsError):
    """What arrived differs from what was sent (size or MD5/ETag)."""


def error_from_result(result: Any, what: str) -> ObsError:
    """The typed error of a failed ObsClient result (``status >= 300``)."""
    status = getattr(result, "status", None)
    fallback = {403: "AccessDenied", 404: "NoSuchKey"}.get(status or 0, f"HTTP{status}")  # HEAD answers carry no body
    code = getattr(result, "errorCode", None) or fallback
    message = getattr(result, "errorMessage", None) or getattr(result, "reason", None) or "request failed"
    kind = ObsNotFoundError if status == 404 else ObsError
    return kind(str(code), f"{what}: {message}", status, getattr(result, "requestId", None))
