"""How tests authenticate to the local service: one signer, one client, one check, one login.

Everything signs with :func:`modelarts.signer.sign` (the SDK's own signer), so a
test changes only the part under test: the clock (``now``), the secret, the
signed header list, or what is sent after signing.

* :func:`sign_headers`: the headers of one signed request, for tests that send
  it themselves (raw sockets, a tampered body) or hand it to the gateway object.
* :class:`GatewayClient`: signed (or IAM-token) requests over one keep-alive
  ``requests.Session``, plus the v1 calls many tests need.
* :func:`signed_by`: which access key signed a request a fake server received.
* :func:`login_body`, :func:`login`, :func:`token_for`, :func:`request_temporary`,
  :func:`temporary_credentials`: IAM's password login (a token) and temporary
  AK/SK with a security token, over HTTP or as bodies for the IAM object.

OBS requests are signed another way (``AWS ak:sig`` / ``OBS ak:sig``, by
esdk-obs-python's signer): see ``tests/integration/obs_helpers.py``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, Mapping, Optional, Protocol, Sequence, Union
from urllib.parse import urlsplit

import attrs
import requests

from modelarts import signer
from modelarts.local import Credentials

__all__ = [
    "GatewayClient", "base_headers", "login", "login_body", "request_temporary", "sign_headers", "signed_by",
    "temporary_credentials", "token_for",
]

Moment = Union[_dt.datetime, float, None]


def base_headers(creds: Credentials, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """What a request of ``creds`` carries before it is signed: JSON, the project id, a temporary key's token."""
    headers = {"Content-Type": "application/json", "X-Project-Id": creds.project_id}
    if creds.security_token:
        headers["X-Security-Token"] = creds.security_token
    headers.update(extra or {})
    return headers


def sign_headers(
    method: str,
    url: str,
    access_key: str,
    secret_key: str,
    *,
    headers: Optional[Mapping[str, str]] = None,
    body: Optional[bytes] = b"",
    now: Moment = None,
    signed: Optional[Sequence[str]] = None,
    lower: bool = False,
) -> Dict[str, str]:
    """``headers`` plus the signature of ``method url`` with ``body`` (``Host``, ``X-Sdk-Date``, ``Authorization``).

    ``now`` (a datetime or epoch seconds) signs at another time; ``signed``
    names the headers to sign (default: all); ``lower`` gives every name in
    lower case, as :meth:`modelarts.local.gateway.Gateway.authenticate` takes them.
    """
    if isinstance(now, (int, float)):
        now = _dt.datetime.fromtimestamp(now, _dt.timezone.utc)
    result = dict(headers or {})
    result.update(signer.sign(method, url, result, body or b"", access_key, secret_key, now=now, signed=signed))
    return {name.lower(): value for name, value in result.items()} if lower else result


class GatewayClient:
    """Requests to one local service, signed with AK/SK or carrying an IAM token.

    ``path`` may contain ``{project_id}``: :attr:`project_id`, the credentials'
    project unless a test sets another (it goes in ``X-Project-Id`` too).  Per
    request: ``sign=False`` (and no token) sends it unauthenticated, ``now``
    signs with another clock, ``access_key``/``secret_key`` sign with other
    keys, ``signed`` picks the signed headers.  Only loopback is called, so
    proxies from the environment are ignored.
    """

    def __init__(self, endpoint: str, credentials: Credentials, token: Optional[str] = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.credentials = credentials
        self.project_id = credentials.project_id
        self.token = token
        self.http = requests.Session()
        self.http.trust_env = False

    def url(self, path: str) -> str:
        return self.endpoint + path.replace("{project_id}", self.project_id)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Optional[bytes] = None,
        headers: Optional[Mapping[str, str]] = None,
        sign: bool = True,
        now: Moment = None,
        access_key: Optional[str] = None,
        secret_key: Optional[str] = None,
        signed: Optional[Sequence[str]] = None,
    ) -> requests.Response:
        prepared = requests.Request(method, self.url(path), params=params, json=json, data=data).prepare()
        base = base_headers(self.credentials, {"X-Project-Id": self.project_id, **(headers or {})})
        if self.token is not None:
            base["X-Auth-Token"] = self.token
        elif sign:
            body = prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode()
            base = sign_headers(method, prepared.url or "", access_key or self.credentials.access_key,
                                secret_key or self.credentials.secret_key, headers=base, body=body, now=now,
                                signed=signed)  # fmt: skip
        prepared.headers.update(base)
        return self.http.send(prepared, timeout=30)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    # -- the v1 calls many tests make -----------------------------------------------------------
    def ok(self, response: requests.Response) -> Dict[str, Any]:
        """The JSON body of a 2xx answer (assert otherwise)."""
        assert response.status_code < 300, (response.status_code, response.text)
        return response.json()

    def detail(self, job_id: int, version_id: int) -> Dict[str, Any]:
        return self.ok(self.get(f"/v1/{{project_id}}/training-jobs/{job_id}/versions/{version_id}"))

    def log(self, job_id: int, version_id: int, log_file: str, **params: Any) -> Dict[str, Any]:
        params["log_file"] = log_file
        return self.ok(self.get(f"/v1/{{project_id}}/training-jobs/{job_id}/versions/{version_id}/aom-log",
                                params=params))

    def stop(self, job_id: int, version_id: int) -> requests.Response:
        return self.post(f"/v1/{{project_id}}/training-jobs/{job_id}/versions/{version_id}/stop")


class Received(Protocol):
    """A request as a fake server recorded it."""

    method: str
    path: str  # with its query
    headers: Mapping[str, str]
    body: bytes


def signed_by(request: Received, secrets: Mapping[str, str]) -> str:
    """The access key whose secret (from ``secrets``) signed ``request``, or ``""`` if none did."""
    try:
        auth = signer.parse_authorization(request.headers.get("Authorization", ""))
    except ValueError:
        return ""
    secret = secrets.get(auth.access_key)
    if secret is None:
        return ""
    parts = urlsplit(request.path)
    try:
        creq = signer.canonical_request(request.method, parts.path, parts.query, request.headers, auth.signed_headers,
                                        request.body)
    except KeyError:  # a signed header that was not sent
        return ""
    to_sign = signer.string_to_sign(creq, request.headers.get("X-Sdk-Date", ""))
    return auth.access_key if signer.signature(secret, to_sign) == auth.signature else ""


# -- IAM: tokens and temporary keys ------------------------------------------------------------------
def login_body(name: str, password: str, domain: Optional[str] = None, project: Optional[Mapping[str, str]] = None,
               ) -> Dict[str, Any]:
    """The body of a password login (``POST /v3/auth/tokens``); ``project`` (``{"id": …}`` or ``{"name": …}``) scopes it."""
    user: Dict[str, Any] = {"name": name, "password": password}
    if domain is not None:
        user["domain"] = {"name": domain}
    body: Dict[str, Any] = {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}}}
    if project is not None:
        body["auth"]["scope"] = {"project": dict(project)}
    return body


def login(endpoint: str, name: str, domain: str, password: str,
          project: Optional[Mapping[str, str]] = None) -> requests.Response:
    """IAM's answer to a password login."""
    return requests.post(endpoint + "/v3/auth/tokens", json=login_body(name, password, domain, project), timeout=30)


def token_for(endpoint: str, creds: Credentials, project: Optional[Mapping[str, str]] = None) -> str:
    """The ``X-Subject-Token`` of ``creds``' password login, scoped to their project (or ``project``)."""
    response = login(endpoint, creds.username, creds.account, creds.password, project or {"id": creds.project_id})
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


def request_temporary(endpoint: str, token: str, duration: int = 900) -> requests.Response:
    """IAM's answer to a request for temporary AK/SK (``securitytokens``) with ``token``."""
    body = {"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": duration}}}}
    return requests.post(endpoint + "/v3.0/OS-CREDENTIAL/securitytokens", json=body,
                         headers={"X-Auth-Token": token}, timeout=30)


def temporary_credentials(endpoint: str, creds: Credentials, token: Optional[str] = None) -> Credentials:
    """``creds`` with a temporary AK/SK and security token in place of their keys (``token``: a login of theirs)."""
    answer = request_temporary(endpoint, token or token_for(endpoint, creds))
    assert answer.status_code == 201, answer.text
    cred = answer.json()["credential"]
    return attrs.evolve(creds, access_key=cred["access"], secret_key=cred["secret"],
                        security_token=cred["securitytoken"])
