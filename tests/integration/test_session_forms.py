"""Every documented Session form, over real HTTP, against the local service."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator, Type

import pytest

from modelarts.exceptions import APIError, AuthenticationError, ConfigurationError, PermissionDeniedError
from modelarts.local import LocalService
from modelarts.session import Session
from signing import temporary_credentials

JOBS = "/v1/{}/training-jobs"


@pytest.fixture
def endpoint(local_service: LocalService) -> Iterator[str]:
    """Point new sessions at the service for one test, then forget it."""
    creds = local_service.credentials
    saved = dict(Session._overrides)
    Session.set_endpoint(iam_endpoint=local_service.endpoint, modelarts_endpoint=local_service.endpoint,
                         obs_endpoint=local_service.endpoint, region_name=creds.region_name)
    yield local_service.endpoint
    Session._overrides = saved


def list_jobs(session: Session) -> dict:
    return session.request("GET", JOBS.format(session.project_id), params={"per_page": 1})


def refusal(session: Session, error: Type[APIError]) -> APIError:
    """The ``error`` listing jobs with ``session`` raises."""
    with pytest.raises(error) as info:
        list_jobs(session)
    return info.value


def test_aksk(local_service: LocalService, endpoint: str) -> None:
    c = local_service.credentials
    session = Session(access_key=c.access_key, secret_key=c.secret_key, project_id=c.project_id,
                      region_name=c.region_name)
    assert list_jobs(session)["is_success"] is True
    assert session.auth == session.auth_method == "aksk"


def test_account_password(local_service: LocalService, endpoint: str) -> None:
    c = local_service.credentials
    session = Session(username=c.account, password=c.password, region_name=c.region_name, project_id=c.project_id)
    assert list_jobs(session)["is_success"] is True
    assert session.auth == session.auth_method == "account" and session._token.issued == 1


def test_iam_user_under_account_finds_its_project_by_region(local_service: LocalService, endpoint: str) -> None:
    c = local_service.credentials
    user = local_service.add_user("alice-forms", password="alice-pw-1")
    session = Session(account=c.account, username="alice-forms", password="alice-pw-1", region_name=c.region_name)
    assert session.project_id == c.project_id == user.project_id
    assert list_jobs(session)["is_success"] is True
    assert session.auth == session.auth_method == "account"


def test_wrong_password_is_refused(local_service: LocalService, endpoint: str) -> None:
    c = local_service.credentials
    session = Session(username=c.account, password="not-it", region_name=c.region_name, project_id=c.project_id)
    assert "not-it" not in str(refusal(session, AuthenticationError))


def test_bare_session_inside_a_notebook(local_service: LocalService, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in local_service.env().items():
        monkeypatch.setenv(name, value)
    session = Session()
    assert session.credential_source == f"notebook credentials file {local_service.credentials_file}"
    assert session.project_id == local_service.credentials.project_id
    assert list_jobs(session)["is_success"] is True


def test_temporary_keys_need_their_security_token(local_service: LocalService, endpoint: str) -> None:
    c = local_service.credentials
    account = Session(username=c.account, password=c.password, region_name=c.region_name, project_id=c.project_id)
    temp = temporary_credentials(endpoint, c, token=account._token.token())  # the SDK session's own token
    good = Session(access_key=temp.access_key, secret_key=temp.secret_key, security_token=temp.security_token,
                   project_id=c.project_id, region_name=c.region_name)
    assert list_jobs(good)["is_success"] is True
    bare = Session(access_key=temp.access_key, secret_key=temp.secret_key, project_id=c.project_id,
                   region_name=c.region_name)
    assert refusal(bare, AuthenticationError).error_code == "APIGW.0301"


def test_expired_token_is_renewed_and_the_call_retried(tmp_path: Path) -> None:
    with LocalService(tmp_path / "svc", token_ttl=60.0) as service:
        c = service.credentials
        Session.set_endpoint(iam_endpoint=service.endpoint, modelarts_endpoint=service.endpoint,
                             region_name=c.region_name)
        try:
            session = Session(username=c.account, password=c.password, region_name=c.region_name,
                              project_id=c.project_id)
            assert list_jobs(session)["is_success"] is True
            assert session._token.issued == 1
            # The client believes its token is good for a day; the service knows better.
            session._token.expires_at = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
            service.advance(61)
            assert list_jobs(session)["is_success"] is True  # refused as expired, renewed, resent
            assert session._token.issued == 2
        finally:
            Session.clear_endpoint()


def test_project_of_someone_else_is_refused(local_service: LocalService, endpoint: str) -> None:
    c = local_service.credentials
    other = local_service.add_account("forms-other-account")
    session = Session(access_key=c.access_key, secret_key=c.secret_key, project_id=other.project_id,
                      region_name=c.region_name)
    assert refusal(session, PermissionDeniedError).error_code == "ModelArts.0210"


def test_nothing_configured_names_the_places_it_looked(endpoint: str) -> None:
    with pytest.raises(ConfigurationError, match="Looked at"):
        Session(project_id="p", environ={})
