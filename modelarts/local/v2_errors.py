"""Errors of the v2 training API, as data.

The v2 API answers a failure with ``{"error_code", "error_msg",
"error_solution"}`` (the body shown on the ModelArts API pages "Creating a
Training Job" and "Deleting a Training Job"), which is also what
``huaweicloudsdkcore`` reads into ``ClientRequestException``.  Codes come from
the ModelArts error-code page (modelarts_03_0095):

* ``ModelArts.0101`` invalid argument (malformed body, missing field, wrong type),
  ``ModelArts.0104`` parameter error (a value outside its range or set);
* ``ModelArts.0105`` an OBS bucket of another account (403);
* ``ModelArts.2751`` duplicate training job name;
* ``ModelArts.2775`` training job not found;
* ``ModelArts.2796`` the job cannot be terminated (409);
* ``ModelArts.2878`` the job's status changed / still running: retry later (409);
* ``ModelArts.2820`` the log was not found.

A v1 error raised by shared validation is re-issued in this shape by
:func:`from_v1`, keeping its status and code.
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict

from modelarts.local.errors import ServiceError, V1Error

__all__ = [
    "V2DuplicateName",
    "V2Error",
    "V2ForeignBucket",
    "V2InvalidArgument",
    "V2JobNotFound",
    "V2JobStillRunning",
    "V2LogNotFound",
    "V2NotTerminable",
    "V2ParameterError",
    "from_v1",
]


class V2Error(ServiceError):
    """A v2 failure: ``error_code``, ``error_msg`` and ``error_solution``."""

    solution: ClassVar[str] = "Contact technical support."

    def body(self, request_id: str) -> Dict[str, Any]:
        return {"error_code": self.code, "error_msg": self.text, "error_solution": self.solution}


class V2InvalidArgument(V2Error):
    """Missing, malformed or wrongly typed argument."""

    status, code, message = 400, "ModelArts.0101", "Invalid argument"
    solution = "Check the request body against the API reference."


class V2ParameterError(V2Error):
    """A well-formed value outside its documented range or set."""

    status, code, message = 400, "ModelArts.0104", "Parameter error"
    solution = "Check the parameter settings."


class V2DuplicateName(V2Error):
    """The project already has a training job with that name."""

    status, code, message = 400, "ModelArts.2751", "Training job name {name} already exists."
    solution = "Use another job name."


class V2JobNotFound(V2Error):
    """No such training job in this project."""

    status, code, message = 400, "ModelArts.2775", "Training job (ID: {job_id}) not found."
    solution = "Check the training job ID."


class V2NotTerminable(V2Error):
    """Terminate asked for a job that is not creating, pending or running."""

    status, code = 409, "ModelArts.2796"
    message = "The job cannot be terminated: it is {phase}."
    solution = "Only Creating, Pending and Running jobs can be terminated."


class V2JobStillRunning(V2Error):
    """Delete asked for a job that has not ended."""

    status, code = 409, "ModelArts.2878"
    message = "Training job (ID: {job_id}) is {phase}."
    solution = "Terminate the job and wait until it is Terminated before deleting it."


class V2LogNotFound(V2Error):
    """The job has no such task, or no log for it yet."""

    status, code, message = 400, "ModelArts.2820", "The log of task {task_id} is not found."
    solution = "Check the task ID (worker-0, worker-1, ...)."


class V2ForeignBucket(V2Error):
    """A job names an OBS bucket that another account owns."""

    status, code, message = 403, "ModelArts.0105", "Access denied to an OBS bucket of another account"
    solution = "Use OBS buckets that belong to your own account."


_BY_CODE = {
    cls.code: cls for cls in (V2InvalidArgument, V2ParameterError, V2JobNotFound, V2NotTerminable, V2ForeignBucket)
}


def from_v1(err: V1Error) -> V2Error:
    """The same failure in the v2 body shape (status and code kept)."""
    cls = _BY_CODE.get(err.code, V2ParameterError if err.status == 400 else V2Error)
    found = cls.__new__(cls)
    ServiceError.__init__(found, "")
    found.text = err.text
    found.args = (err.text,)
    return found
