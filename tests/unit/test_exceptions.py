"""Error bodies of every documented shape map to the right typed exception."""

from __future__ import annotations

import json

import pytest

from modelarts import exceptions as exc


def make(status: int, body: object, headers: dict | None = None) -> exc.APIError:
    text = body if isinstance(body, str) else json.dumps(body)
    return exc.error_from_response(status, text, headers or {})


def test_v1_body_with_error_message() -> None:
    err = make(400, {"is_success": False, "error_message": "Training job (ID: 12) not found.",
                     "error_code": "ModelArts.2775"}, {"X-Request-Id": "9f00aa"})
    assert type(err) is exc.BadRequestError
    assert str(err) == "ModelArts.2775: Training job (ID: 12) not found. (HTTP 400, request 9f00aa)"
    assert err.to_dict() == {"is_success": False, "error_msg": "Training job (ID: 12) not found.",
                             "error_code": "ModelArts.2775"}


def test_v1_body_with_error_msg_spelling() -> None:
    err = make(409, {"is_success": False, "error_msg": "The job cannot be terminated.", "error_code": "ModelArts.2796"})
    assert isinstance(err, exc.ConflictError) and err.error_msg == "The job cannot be terminated."


def test_gateway_body_takes_request_id_from_body_when_no_header() -> None:
    err = make(401, {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information",
                     "request_id": "abc"})
    assert isinstance(err, exc.AuthenticationError) and err.request_id == "abc"


def test_keystone_body() -> None:
    err = make(401, {"error": {"code": 401, "message": "The username or password is wrong.", "title": "Unauthorized"}})
    assert isinstance(err, exc.AuthenticationError)
    assert err.error_code == "IAM.401" and "password is wrong" in err.error_msg


@pytest.mark.parametrize("status, cls", [(400, exc.BadRequestError), (401, exc.AuthenticationError),
                                         (403, exc.PermissionDeniedError), (404, exc.NotFoundError),
                                         (409, exc.ConflictError), (413, exc.PayloadTooLargeError),
                                         (429, exc.ThrottledError), (500, exc.ServerError), (503, exc.ServerError),
                                         (418, exc.APIError)])
def test_status_classes(status: int, cls: type) -> None:
    err = make(status, {"error_code": "X.1", "error_msg": "m"})
    assert type(err) is cls and isinstance(err, exc.ModelArtsError)


def test_html_from_a_proxy_becomes_a_readable_server_error() -> None:
    err = make(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
    assert isinstance(err, exc.ServerError)
    assert err.error_code == "HTTP.502" and "502 Bad Gateway" in err.error_msg


def test_throttled_keeps_retry_after() -> None:
    err = make(429, {"error_code": "APIGW.0308", "error_msg": "throttled"}, {"retry-after": "7"})
    assert isinstance(err, exc.ThrottledError) and err.retry_after == 7.0
    assert make(429, "", {"Retry-After": "soon"}).retry_after is None


def test_configuration_error_is_a_value_error_and_timeouts_are_timeouts() -> None:
    assert issubclass(exc.ConfigurationError, ValueError)
    assert issubclass(exc.TimeoutError, TimeoutError) and issubclass(exc.WaitTimeoutError, TimeoutError)
    assert issubclass(exc.InvalidResponseError, exc.TransportError)


def test_parse_error_body_ignores_success_bodies() -> None:
    assert exc.parse_error_body({"is_success": True}) is None
    assert exc.parse_error_body(["x"]) is None


class TestJobFailedReason:
    def test_reason_names_exit_code_and_last_real_line(self) -> None:
        from modelarts.exceptions import JobFailedError

        tail = ["epoch 1", "Traceback ...", "ValueError: bad data", "[ModelArts Service Log]x Training end with return code: 3"]
        err = JobFailedError("job x ended FAILED", status="FAILED", exit_code=3, log_tail=tail)
        assert err.reason == "exit code 3; last log line: ValueError: bad data"
        assert err.log_tail == tuple(tail)

    def test_reason_without_anything(self) -> None:
        from modelarts.exceptions import JobFailedError

        assert JobFailedError("x").reason == "no log lines were available"

    def test_exit_code_in_log(self) -> None:
        from modelarts._logs import exit_code_in

        assert exit_code_in(["a", "b"]) is None
        assert exit_code_in(["[ModelArts Service Log]2026 Training end with return code: 0"]) == 0
        two = ["Training end with return code: 0", "Training end with return code: -9"]
        assert exit_code_in(two) == -9
