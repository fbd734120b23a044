"""IAM: password tokens, temporary AK/SK with security tokens, and their expiry."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests

from modelarts.local import LocalService
from signing import login, request_temporary

ENGINES = "/v1/{project_id}/job/ai-engines"


def _parse(stamp: str) -> _dt.datetime:
    return _dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=_dt.timezone.utc)


def test_account_login_by_project_id(local_service: LocalService) -> None:
    creds = local_service.credentials
    response = login(local_service.endpoint, creds.account, creds.account, creds.password, {"id": creds.project_id})
    assert response.status_code == 201
    assert response.headers["X-Subject-Token"].startswith("MII")
    token = response.json()["token"]
    assert token["project"]["id"] == creds.project_id and token["user"]["id"] == creds.user_id
    assert token["methods"] == ["password"] and token["user"]["domain"]["name"] == creds.account
    lifetime = _parse(token["expires_at"]) - _parse(token["issued_at"])
    assert lifetime == _dt.timedelta(hours=24)


def test_login_by_project_name_and_iam_user(local_service: LocalService, helpers: Any) -> None:
    creds = local_service.credentials
    by_name = login(local_service.endpoint, creds.account, creds.account, creds.password, {"name": "local-1"})
    assert by_name.status_code == 201 and by_name.json()["token"]["project"]["id"] == creds.project_id
    user = local_service.add_user(helpers.unique("alice"), password="Secret-123")
    iam_user = login(local_service.endpoint, user.username, creds.account, "Secret-123", {"id": creds.project_id})
    assert iam_user.status_code == 201 and iam_user.json()["token"]["user"]["name"] == user.username
    client = helpers.Api(local_service.endpoint, user, token=iam_user.headers["X-Subject-Token"])
    assert client.ok(client.get(ENGINES))["is_success"] is True


def test_wrong_password_is_keystone_401(local_service: LocalService) -> None:
    creds = local_service.credentials
    response = login(local_service.endpoint, creds.account, creds.account, "not-it", {"id": creds.project_id})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 401 and error["title"] == "Unauthorized" and error["message"]
    assert "X-Subject-Token" not in response.headers


def test_foreign_project_scope_is_refused(local_service: LocalService, helpers: Any) -> None:
    other = local_service.add_account(helpers.unique("foreign"))
    creds = local_service.credentials
    response = login(local_service.endpoint, creds.account, creds.account, creds.password, {"id": other.project_id})
    assert response.status_code == 401


def test_malformed_login_is_400(local_service: LocalService) -> None:
    response = requests.post(local_service.endpoint + "/v3/auth/tokens", data=b"{not json", timeout=30)
    assert response.status_code == 400 and response.json()["error"]["code"] == 400


def test_temporary_credentials_need_their_security_token(local_service: LocalService, helpers: Any) -> None:
    creds = local_service.credentials
    token = helpers.token_for(local_service.endpoint, creds)
    response = request_temporary(local_service.endpoint, token)
    assert response.status_code == 201
    credential = response.json()["credential"]
    assert set(credential) == {"access", "secret", "securitytoken", "expires_at"}
    assert len(credential["access"]) == 20 and len(credential["secret"]) == 40
    temp = attrs.evolve(
        creds, access_key=credential["access"], secret_key=credential["secret"], security_token=credential["securitytoken"]
    )
    client = helpers.Api(local_service.endpoint, temp)
    assert client.ok(client.get(ENGINES))["is_success"] is True
    missing = helpers.Api(local_service.endpoint, attrs.evolve(temp, security_token=""))
    refused = missing.get(ENGINES)
    assert refused.status_code == 401 and refused.json()["error_code"] == "APIGW.0301"
    assert "X-Security-Token" in refused.json()["error_msg"]
    wrong = helpers.Api(local_service.endpoint, attrs.evolve(temp, security_token="forged"))
    assert wrong.get(ENGINES).status_code == 401


def test_security_tokens_need_a_valid_token(local_service: LocalService) -> None:
    assert request_temporary(local_service.endpoint, "MIInope").status_code == 401
    response = requests.post(local_service.endpoint + "/v3.0/OS-CREDENTIAL/securitytokens", json={}, timeout=30)
    assert response.status_code == 401 and response.json()["error"]["title"] == "Unauthorized"


def test_duration_is_validated(local_service: LocalService, token_api: Any) -> None:
    assert request_temporary(local_service.endpoint, token_api.token, duration=10).status_code == 400


def test_projects_listing(api: Any, local_service: LocalService) -> None:
    projects = api.ok(api.get("/v3/projects", params={"name": "local-1"}))["projects"]
    assert [p["id"] for p in projects] == [local_service.credentials.project_id]


@pytest.fixture
def short_lived(tmp_path: Path) -> Any:
    with LocalService(tmp_path, token_ttl=60.0, temp_credential_ttl=60.0, stop_grace=0.5) as service:
        yield service


def test_expired_token_and_temporary_keys(short_lived: LocalService, helpers: Any) -> None:
    creds = short_lived.credentials
    token = helpers.token_for(short_lived.endpoint, creds)
    credential = request_temporary(short_lived.endpoint, token).json()["credential"]
    temp = attrs.evolve(
        creds, access_key=credential["access"], secret_key=credential["secret"], security_token=credential["securitytoken"]
    )
    by_token = helpers.Api(short_lived.endpoint, creds, token=token)
    by_temp = helpers.Api(short_lived.endpoint, temp)
    assert by_token.get(ENGINES).status_code == 200 and by_temp.get(ENGINES).status_code == 200
    short_lived.advance(55)  # 60 s lives, a few real seconds spent: still valid
    assert by_token.get(ENGINES).status_code == 200 and by_temp.get(ENGINES).status_code == 200
    short_lived.advance(6)
    for client in (by_token, by_temp):
        response = client.get(ENGINES)
        assert response.status_code == 401
        assert response.json()["error_code"] == "APIGW.0307"
        assert response.json()["error_msg"].startswith("The token must be updated.")
    assert request_temporary(short_lived.endpoint, token).status_code == 401
    assert helpers.Api(short_lived.endpoint, creds).get(ENGINES).status_code == 200  # permanent keys never expire
