"""Session construction, credential resolution and the request() choke point (no network)."""

from __future__ import annotations

import json
import logging
import os
import pathlib

import pytest
import responses

from modelarts import exceptions as exc
from modelarts.session import Session

MA = "https://modelarts.cn-north-4.myhuaweicloud.com"
IAM = "https://iam.myhuaweicloud.com"
TOKEN_BODY = {"token": {"expires_at": "2099-01-01T00:00:00.000000Z", "project": {"id": "proj-from-iam"}}}


def aksk(**kw: object) -> Session:
    args = dict(access_key="AKEXAMPLE", secret_key="SKSECRET123", project_id="p1", region_name="cn-north-4")
    args.update(kw)
    return Session(**args)  # type: ignore[arg-type]


def test_aksk_form_resolves_region_table_and_hides_secret() -> None:
    session = aksk()
    assert session.auth == "aksk" and session.host == MA and session.iam_server == IAM
    assert session.credential_source == "arguments"
    assert "SKSECRET123" not in repr(session) and "SKSECRET123" not in repr(session._http_auth)


@responses.activate
def test_account_form_gets_a_project_scoped_token_and_sends_it() -> None:
    tokens = responses.post(f"{IAM}/v3/auth/tokens", json=TOKEN_BODY, status=201, headers={"X-Subject-Token": "TKN"})
    jobs = responses.get(f"{MA}/v1/p1/training-jobs", json={"is_success": True, "jobs": []})
    session = Session(username="acct", password="pw-secret", region_name="cn-north-4", project_id="p1")
    assert session.auth == "account"
    assert session.request("GET", "/v1/p1/training-jobs") == {"is_success": True, "jobs": []}
    sent = json.loads(tokens.calls[0].request.body)
    user = sent["auth"]["identity"]["password"]["user"]
    assert user == {"name": "acct", "password": "pw-secret", "domain": {"name": "acct"}}
    assert sent["auth"]["scope"] == {"project": {"id": "p1"}}
    assert jobs.calls[0].request.headers["X-Auth-Token"] == "TKN"
    assert "pw-secret" not in repr(session) and "TKN" not in repr(session._http_auth)


@responses.activate
def test_iam_user_form_uses_account_as_domain_and_finds_project_by_region() -> None:
    tokens = responses.post(f"{IAM}/v3/auth/tokens", json=TOKEN_BODY, status=201, headers={"X-Subject-Token": "T"})
    session = Session(account="acct", username="alice", password="pw", region_name="cn-north-4")
    sent = json.loads(tokens.calls[0].request.body)["auth"]
    assert sent["identity"]["password"]["user"]["domain"] == {"name": "acct"}
    assert sent["identity"]["password"]["user"]["name"] == "alice"
    assert sent["scope"] == {"project": {"name": "cn-north-4"}}
    assert session.project_id == "proj-from-iam"


def _notebook_session(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> Session:
    profile = tmp_path / "credential"
    write_profile(profile, "TMPAK1", "TMPSK1", "SEC1")
    monkeypatch.setenv("CREDENTIAL_PROFILES_FILE", str(profile))
    monkeypatch.setenv("REGION_NAME", "cn-north-4")
    monkeypatch.setenv("PROJECT_ID", "p1")
    return Session()


#: Each documented login, and the ``auth`` string it reports (``auth_method`` is the same value).
LOGINS = {
    "ak/sk": (lambda tmp, mp: aksk(), "aksk", "SignerAuth"),
    "account": (lambda tmp, mp: Session(username="acct", password="pw", region_name="cn-north-4", project_id="p1"),
                "account", "TokenAuth"),
    "iam user": (lambda tmp, mp: Session(account="acct", username="alice", password="pw", region_name="cn-north-4"),
                 "account", "TokenAuth"),
    "notebook": (_notebook_session, "aksk", "SignerAuth"),
}


@responses.activate
@pytest.mark.parametrize("login", sorted(LOGINS))
def test_auth_names_the_login_kind_under_both_names(login: str, tmp_path: pathlib.Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    responses.post(f"{IAM}/v3/auth/tokens", json=TOKEN_BODY, status=201, headers={"X-Subject-Token": "T"})
    make, method, auth_class = LOGINS[login]
    session = make(tmp_path, monkeypatch)
    assert session.auth == session.auth_method == method
    assert type(session.auth) is str and f"Session(auth={method!r}," in repr(session)
    assert type(session._http_auth).__name__ == auth_class  # the requests AuthBase each call carries
    with pytest.raises(AttributeError):
        session.auth = "other"  # type: ignore[misc]  # the documented name reads the login, it does not change it


@responses.activate
def test_wrong_password_is_an_authentication_error() -> None:
    responses.post(f"{IAM}/v3/auth/tokens", status=401,
                   json={"error": {"code": 401, "message": "The username or password is wrong.", "title": "Unauthorized"}})
    session = Session(username="acct", password="bad", region_name="cn-north-4", project_id="p1")
    with pytest.raises(exc.AuthenticationError) as info:
        session.request("GET", "/v1/p1/training-jobs")
    assert "bad" not in str(info.value)


@responses.activate
def test_expired_token_is_renewed_once_and_the_call_retried() -> None:
    responses.post(f"{IAM}/v3/auth/tokens", json=TOKEN_BODY, status=201, headers={"X-Subject-Token": "OLD"})
    responses.post(f"{IAM}/v3/auth/tokens", json=TOKEN_BODY, status=201, headers={"X-Subject-Token": "NEW"})
    responses.get(f"{MA}/v1/p1/x", status=401, json={"error_code": "APIGW.0307", "error_msg": "The token must be updated."})
    ok = responses.get(f"{MA}/v1/p1/x", json={"is_success": True})
    session = Session(username="acct", password="pw", region_name="cn-north-4", project_id="p1")
    assert session.request("GET", "/v1/p1/x") == {"is_success": True}
    assert ok.calls[0].request.headers["X-Auth-Token"] == "NEW"
    assert session._token.issued == 2


@responses.activate
def test_other_401s_are_not_retried() -> None:
    responses.post(f"{IAM}/v3/auth/tokens", json=TOKEN_BODY, status=201, headers={"X-Subject-Token": "T"})
    denied = responses.get(f"{MA}/v1/p1/x", status=401, json={"error_code": "APIGW.0301", "error_msg": "no"})
    session = Session(username="acct", password="pw", region_name="cn-north-4", project_id="p1")
    with pytest.raises(exc.AuthenticationError):
        session.request("GET", "/v1/p1/x")
    assert len(denied.calls) == 1


def write_profile(path: pathlib.Path, ak: str, sk: str, token: str = "") -> None:
    path.write_text(
        f"[default]\ndefault_access_key_id = {ak}\ndefault_secret_access_key = {sk}\n"
        f"default_security_token = {token}\ndefault_user_id = u1\n"
    )


@responses.activate
def test_bare_session_reads_notebook_credentials_and_rereads_on_change(tmp_path: pathlib.Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    session = _notebook_session(tmp_path, monkeypatch)
    profile = tmp_path / "credential"
    call = responses.get(f"{MA}/v1/p1/x", json={"is_success": True})
    assert session.credential_source == f"notebook credentials file {profile}"
    assert (session.access_key, session.security_token, session.user_id) == ("TMPAK1", "SEC1", "u1")
    session.request("GET", "/v1/p1/x")
    assert call.calls[0].request.headers["X-Security-Token"] == "SEC1"
    write_profile(profile, "TMPAK2", "TMPSK2", "SEC2")
    os.utime(profile, (1, 1))
    session.request("GET", "/v1/p1/x")
    assert call.calls[1].request.headers["X-Security-Token"] == "SEC2"
    assert "Access=TMPAK2" in call.calls[1].request.headers["Authorization"]


def test_bare_session_falls_back_to_sdk_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", "ENVAK")
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "ENVSK")
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", "p9")
    session = Session(region_name="cn-north-4")
    assert session.access_key == "ENVAK" and session.project_id == "p9"
    assert "HUAWEICLOUD_SDK_AK" in session.credential_source


def test_no_credentials_names_every_place_looked(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    monkeypatch.setenv("AWS_CREDENTIAL_PROFILES_FILE", str(tmp_path / "missing"))
    with pytest.raises(exc.ConfigurationError) as info:
        Session(region_name="cn-north-4", project_id="p1")
    text = str(info.value)
    assert "$CREDENTIAL_PROFILES_FILE (not set)" in text and "no such file" in text and "HUAWEICLOUD_SDK_AK" in text


@pytest.mark.parametrize("kwargs, match", [
    (dict(access_key="a"), "go together"),
    (dict(username="u"), "go together"),
    (dict(access_key="a", secret_key="s", username="u", password="p"), "either"),
    (dict(access_key="a", secret_key="s", errors="ignore"), "errors must be"),
    (dict(access_key="a", secret_key="s", retries=-1), "retries"),
    (dict(access_key=" ", secret_key="s"), "must not be empty"),
    (dict(account="acct"), "needs username"),
])
def test_bad_configuration_is_a_typed_value_error(kwargs: dict, match: str) -> None:
    kwargs.setdefault("region_name", "cn-north-4")
    kwargs.setdefault("project_id", "p1")
    with pytest.raises(exc.ConfigurationError, match=match):
        Session(**kwargs)


def test_type_errors_for_non_strings() -> None:
    with pytest.raises(TypeError):
        Session(access_key=123, secret_key="s", region_name="cn-north-4", project_id="p")  # type: ignore[arg-type]


def test_missing_region_and_project_are_configuration_errors() -> None:
    with pytest.raises(exc.ConfigurationError, match="no region"):
        Session(access_key="a", secret_key="s", project_id="p")
    with pytest.raises(exc.ConfigurationError, match="project_id is required"):
        Session(access_key="a", secret_key="s", region_name="cn-north-4")
    with pytest.raises(exc.ConfigurationError, match="unknown region"):
        Session(access_key="a", secret_key="s", region_name="mars-1", project_id="p")


def test_set_endpoint_applies_to_later_sessions_and_allows_loopback_http() -> None:
    Session.set_endpoint(iam_endpoint="http://127.0.0.1:8000/", modelarts_endpoint="127.0.0.1:8000",
                         region_name="local-1")
    session = Session(access_key="a", secret_key="s", project_id="p")
    assert session.host == "https://127.0.0.1:8000" and session.iam_server == "http://127.0.0.1:8000"
    assert session.region_name == "local-1" and session.obs_server is None
    with pytest.raises(exc.ConfigurationError, match="plain http"):
        Session.set_endpoint(modelarts_endpoint="http://example.com")


def test_environment_endpoints_like_a_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3_ENDPOINT", "https://obs.cn-north-4.myhuaweicloud.com")
    monkeypatch.setenv("IAM_ENDPOINT", "https://iam.cn-north-4.myhuaweicloud.com")
    session = Session(access_key="a", secret_key="s", project_id="p", region_name="cn-north-4")
    assert session.host == "https://modelarts.cn-north-4.myhuaweicloud.com"
    assert session.iam_server == "https://iam.cn-north-4.myhuaweicloud.com"


@responses.activate
def test_config_file_is_deprecated_but_works(tmp_path: pathlib.Path) -> None:
    responses.post(f"{IAM}/v3/auth/tokens", json=TOKEN_BODY, status=201, headers={"X-Subject-Token": "T"})
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"account": "acct", "username": "alice", "password": "pw",
                                  "region_name": "cn-north-4", "project_id": "p1"}))
    with pytest.warns(DeprecationWarning):
        session = Session(config_file=str(config))
    assert session.auth == "account" and session.project_id == "p1"
    with pytest.warns(DeprecationWarning), pytest.raises(exc.ConfigurationError, match="cannot read"):
        Session(config_file=str(tmp_path / "nope.json"))


@responses.activate
def test_failures_in_success_bodies_and_non_json_answers() -> None:
    responses.get(f"{MA}/v1/p1/a", json={"is_success": False, "error_message": "bad", "error_code": "ModelArts.0104"})
    responses.get(f"{MA}/v1/p1/b", body="<html>oops</html>", status=200)
    responses.get(f"{MA}/v1/p1/c", body="", status=200)
    session = aksk()
    with pytest.raises(exc.APIError) as info:
        session.request("GET", "/v1/p1/a")
    assert info.value.to_dict() == {"is_success": False, "error_msg": "bad", "error_code": "ModelArts.0104"}
    with pytest.raises(exc.InvalidResponseError, match="not JSON"):
        session.request("GET", "/v1/p1/b")
    assert session.request("GET", "/v1/p1/c") == {}


def test_request_validates_its_arguments_before_sending() -> None:
    session = aksk()
    with pytest.raises(ValueError):
        session.request("GET", "v1/no-slash")
    with pytest.raises(ValueError):
        session.request("GE T", "/v1")
    with pytest.raises(ValueError):
        session.request("GET", "/v1\r\nX-Injected: 1")
    session.close()
    with pytest.raises(exc.ConfigurationError, match="closed"):
        session.request("GET", "/v1")


@responses.activate
def test_secrets_never_reach_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    responses.get(f"{MA}/v1/p1/x", json={"is_success": True})
    caplog.set_level(logging.DEBUG, logger="modelarts")
    with aksk(security_token="SECURITYTOKEN") as session:
        session.request("GET", "/v1/p1/x")
    text = caplog.text
    assert "canonical request" in text and "x-sdk-date" in text
    for secret in ("SKSECRET123", "SECURITYTOKEN"):
        assert secret not in text


def test_a_plain_session_outside_a_notebook_points_to_modelarts_local_env() -> None:
    """No region / no credentials in the environment: the error says how to get them locally."""
    with pytest.raises(exc.ConfigurationError, match="no region") as info:
        Session(environ={})
    assert 'eval "$(modelarts-local env)"' in str(info.value)
    with pytest.raises(exc.ConfigurationError, match="no credentials found") as info:
        Session(environ={"REGION_NAME": "cn-north-4", "PROJECT_ID": "p"})
    assert "modelarts-local env" in str(info.value)
    with pytest.raises(exc.ConfigurationError, match="unknown region") as info:
        Session(access_key="a", secret_key="s", region_name="mars-1", project_id="p")
    assert "modelarts-local" not in str(info.value)  # only where the environment is what is missing
