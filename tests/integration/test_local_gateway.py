"""The gateway refuses what the real one refuses, with the documented codes and bodies."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import attrs
import pytest
import requests

from modelarts.local import LocalService

P = "/v1/{project_id}"
ENGINES = P + "/job/ai-engines"


def _refused(response: requests.Response, status: int, code: str, words: str = "") -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code
    if code.startswith("APIGW"):
        assert set(body) == {"error_code", "error_msg", "request_id"}
        assert body["request_id"] == response.headers["X-Request-Id"]
        assert words in body["error_msg"]
    else:
        assert body["is_success"] is False and words in body["error_message"]
    return body


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def test_signed_and_token_requests_pass(api: Any, token_api: Any) -> None:
    assert api.ok(api.get(ENGINES))["is_success"] is True
    assert token_api.ok(token_api.get(ENGINES))["is_success"] is True


def test_no_credentials(api: Any) -> None:
    _refused(api.get(ENGINES, sign=False), 401, "APIGW.0301", "x-auth-token not found")


def test_forged_signature(api: Any) -> None:
    response = api.get(ENGINES)  # a good request, then the same headers with another signature
    headers = dict(response.request.headers)
    auth = headers["Authorization"]
    headers["Authorization"] = auth[:-64] + ("0" if auth[-64] != "0" else "1") + auth[-63:]
    forged = api.http.get(response.request.url, headers=headers)
    _refused(forged, 401, "APIGW.0301", "verify aksk signature fail")


def test_tampered_query(api: Any) -> None:
    good = api.get(P + "/training-jobs", params={"per_page": 5})
    tampered = api.http.get(good.request.url.replace("per_page=5", "per_page=6"), headers=dict(good.request.headers))
    _refused(tampered, 401, "APIGW.0301", "verify aksk signature fail")


def test_wrong_secret_key(api: Any) -> None:
    _refused(api.get(ENGINES, secret_key="x" * 40), 401, "APIGW.0301", "verify aksk signature fail")


@pytest.mark.parametrize("minutes", [-16, 16])
def test_stale_and_future_dates(api: Any, minutes: int) -> None:
    response = api.get(ENGINES, now=_now() + _dt.timedelta(minutes=minutes))
    _refused(response, 401, "APIGW.0301", "signature expired")


def test_small_clock_skew_is_fine(api: Any) -> None:
    assert api.get(ENGINES, now=_now() - _dt.timedelta(minutes=14)).status_code == 200
    assert api.get(ENGINES, now=_now() + _dt.timedelta(minutes=14)).status_code == 200


def test_unknown_access_key(local_service: LocalService, helpers: Any) -> None:
    ghost = helpers.Api(local_service.endpoint, _with(local_service.credentials, access_key="NOSUCHKEY00000000000"))
    _refused(ghost.get(ENGINES), 401, "APIGW.0301", "ak NOSUCHKEY00000000000 not exist")


def test_host_and_date_must_be_signed(api: Any) -> None:
    _refused(api.get(ENGINES, signed=["x-sdk-date"]), 401, "APIGW.0301", "must be signed")
    _refused(api.get(ENGINES, signed=["host"]), 401, "APIGW.0301", "must be signed")


def test_bad_token(local_service: LocalService, helpers: Any) -> None:
    bogus = helpers.Api(local_service.endpoint, local_service.credentials, token="MIIbogus")
    _refused(bogus.get(ENGINES), 401, "APIGW.0301", "decrypt token fail")


def test_cross_project_requests_are_forbidden(local_service: LocalService, api: Any, token_api: Any, helpers: Any) -> None:
    other = local_service.add_account(helpers.unique("tenant"))
    theirs = helpers.Api(local_service.endpoint, other)
    assert theirs.get(ENGINES).status_code == 200
    for client in (api, token_api):
        client.project_id = other.project_id
        try:
            _refused(client.get(P + "/training-jobs"), 403, "ModelArts.0210", other.project_id)
        finally:
            client.project_id = local_service.credentials.project_id
    theirs.project_id = local_service.credentials.project_id
    _refused(theirs.get(P + "/training-jobs"), 403, "ModelArts.0210")


def test_token_is_scoped_to_one_project(local_service: LocalService, helpers: Any) -> None:
    creds = local_service.credentials
    extra = local_service.add_project(helpers.unique("local-1_dev"))
    token = helpers.token_for(local_service.endpoint, creds, {"id": extra})
    scoped = helpers.Api(local_service.endpoint, _with(creds, project_id=extra), token=token)
    assert scoped.ok(scoped.get(P + "/training-jobs"))["job_total_count"] == 0
    scoped.project_id = creds.project_id
    _refused(scoped.get(P + "/training-jobs"), 403, "ModelArts.0210")


def test_x_project_id_must_match_the_path(api: Any, local_service: LocalService, helpers: Any) -> None:
    extra = local_service.add_project(helpers.unique("local-1_x"))
    response = api.get(ENGINES, headers={"X-Project-Id": extra})
    _refused(response, 403, "ModelArts.0210")


def test_unknown_route_and_wrong_method(api: Any) -> None:
    _refused(api.get(P + "/no-such-api"), 404, "APIGW.0101", "The API does not exist or has not been published")
    _refused(api.get("/v2/whatever", sign=False), 404, "APIGW.0101")
    _refused(api.post(ENGINES), 404, "APIGW.0101", "The API does not exist.")
    _refused(api.http.request("BREW", api.url(ENGINES)), 404, "APIGW.0101", "The API does not exist.")


def test_body_over_12_mb_is_refused(api: Any) -> None:
    blob = b'{"job_name": "' + b"x" * (12 * 1024 * 1024) + b'"}'
    response = api.post(P + "/training-jobs", data=blob, sign=False)
    _refused(response, 413, "APIGW.0201")
    assert api.ok(api.get(ENGINES))["is_success"] is True  # the service is fine afterwards


def test_lockout_after_repeated_bad_signatures(local_service: LocalService, helpers: Any) -> None:
    user = local_service.add_user(helpers.unique("locked"))
    client = helpers.Api(local_service.endpoint, user)
    assert client.get(ENGINES).status_code == 200
    for _ in range(6):
        _refused(client.get(ENGINES, secret_key="wrong-secret"), 401, "APIGW.0301", "verify aksk signature fail")
    _refused(client.get(ENGINES), 401, "APIGW.0301", "AK access failed to reach the limit,forbidden")


def test_five_failures_do_not_lock(local_service: LocalService, helpers: Any) -> None:
    user = local_service.add_user(helpers.unique("careful"))
    client = helpers.Api(local_service.endpoint, user)
    for _ in range(5):
        client.get(ENGINES, secret_key="wrong-secret")
    assert client.get(ENGINES).status_code == 200


def _with(creds: Any, **changes: Any) -> Any:
    return attrs.evolve(creds, **changes)
