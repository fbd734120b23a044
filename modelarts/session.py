"""``Session``: who you are, where ModelArts is, and the one way to call it.

Every documented form works as written::

    Session()                                              # inside a ModelArts notebook
    Session(username=..., password=..., region_name=..., project_id=...)          # account
    Session(account=..., username=..., password=..., region_name=..., project_id=...)  # IAM user
    Session(access_key=..., secret_key=..., project_id=..., region_name=...)      # AK/SK
    Session(config_file="~/.modelarts/config.json")        # deprecated

Endpoints come from :meth:`Session.set_endpoint`, then the environment, then
the region table (:mod:`modelarts.endpoints`).  All calls go through
:meth:`Session.request`.
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, Mapping, Optional, Tuple

import requests

from modelarts._checks import (
    ERROR_MODES,
    IDEMPOTENT,
    SAFE,
    check_backoff,
    check_call,
    check_credential_text as _text,
    check_params,
    check_retries,
    check_timeout,
)
from modelarts.exceptions import ConfigurationError
from modelarts.obs_session import ObsSessionMixin
from modelarts.transport import DEFAULT_TIMEOUT, Timeout, build_http, post_raw, send

if TYPE_CHECKING:
    from modelarts.credentials import AccessKey, Password
    from modelarts.endpoints import Endpoints

#: Appended when a plain ``Session()`` finds no region or no credentials: outside a ModelArts
#: notebook the environment comes from the local service.
LOCAL_HINT = (
    'To use the local service from a terminal, a script or nbconvert, run eval "$(modelarts-local env)" first '
    "(JupyterLab started by `modelarts-local lab` has that environment already)."
)


def _with_local_hint(exc: ConfigurationError) -> ConfigurationError:
    if "no region" not in str(exc) and "no credentials" not in str(exc):
        return exc
    return ConfigurationError(f"{exc}. {LOCAL_HINT}")

__all__ = ["LOCAL_HINT", "Session"]

def _check_pairs(username: Any, password: Any, access_key: Any, secret_key: Any) -> None:
    if (username is None) != (password is None):
        raise ConfigurationError("username and password go together: pass both or neither")
    if (access_key is None) != (secret_key is None):
        raise ConfigurationError("access_key and secret_key go together: pass both or neither")
    if username and access_key:
        raise ConfigurationError("pass either username/password or access_key/secret_key, not both")


def _key_field(name: str, doc: str) -> Any:
    """A read-only attribute of the session's current keys (they may rotate)."""

    def get(self: "Session") -> Optional[str]:
        return getattr(self._provider(), name) if self._provider else None

    return property(get, doc=doc)


class Session(ObsSessionMixin):
    """An authenticated connection to ModelArts (and its IAM).

    Parameters
    ----------
    username, password, account:
        Password login.  ``username`` alone is the account name; with
        ``account`` it is an IAM user under that account.
    access_key, secret_key, security_token:
        AK/SK signing (``security_token`` for temporary keys).
    region_name, project_id:
        Default from ``$REGION_NAME`` and ``$PROJECT_ID``.  With a password and
        no project id, IAM is asked for the project named after the region.
    errors:
        ``"raise"`` (default): failures raise typed exceptions.  ``"return"``:
        SDK methods return the documented ``{"is_success": False, …}`` dict.
    timeout, retries, backoff_factor:
        ``(connect, read)`` seconds; retries of idempotent calls.

    Attributes
    ----------
    auth_method:
        How the session authenticates: ``"aksk"`` (AK/SK signing, also a
        notebook's plain ``Session()``) or ``"account"`` (a password login, of
        an account or of an IAM user under one).
    auth:
        The same string under the name the ModelArts SDK reference lists among
        a session's attributes (read-only).

    Examples
    --------
    >>> session = Session(access_key=ak, secret_key=sk, project_id=pid, region_name="cn-north-4")  # doctest: +SKIP
    >>> session.request("GET", f"/v1/{session.project_id}/training-jobs")  # doctest: +SKIP
    """

    _overrides: ClassVar[Dict[str, Optional[str]]] = {}
    #: ``"aksk"`` or ``"account"``: see the class docstring.
    auth_method: str

    @property
    def auth(self) -> str:
        """:attr:`auth_method` under its documented name (``"aksk"`` or ``"account"``)."""
        return self.auth_method

    def __init__(
        self,
        config_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        access_key: Optional[str] = None,
        secret_key: Optional[str] = None,
        region_name: Optional[str] = None,
        account: Optional[str] = None,
        project_id: Optional[str] = None,
        *,
        security_token: Optional[str] = None,
        errors: str = "raise",
        timeout: Timeout = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff_factor: float = 0.5,
        environ: Optional[Mapping[str, str]] = None,
    ) -> None:
        # Credentials, endpoints and signing load with the first session, not with the import
        # (a notebook's first cell stays quick).
        from modelarts.auth import SignerAuth
        from modelarts.credentials import Password, read_legacy_config
        from modelarts.endpoints import resolve_endpoints

        if errors not in ERROR_MODES:
            raise ConfigurationError(f"errors must be one of {ERROR_MODES}, got {errors!r}")
        retries, backoff_factor, timeout = check_retries(retries), check_backoff(backoff_factor), check_timeout(timeout)
        if environ is not None and not isinstance(environ, Mapping):
            raise TypeError(f"environ must be a mapping, not {type(environ).__name__}")
        env = os.environ if environ is None else environ
        username, password, account = _text("username", username), _text("password", password), _text("account", account)
        access_key, secret_key = _text("access_key", access_key), _text("secret_key", secret_key)
        security_token = _text("security_token", security_token)
        region_name, project_id = _text("region_name", region_name), _text("project_id", project_id)
        for name, value in (("access_key", access_key), ("security_token", security_token)):
            if value is not None and not SAFE[name].fullmatch(value):
                raise ConfigurationError(f"{name} has characters that cannot go into a request header")
        if config_file is not None:
            warnings.warn("Session(config_file=...) is deprecated; pass credentials explicitly", DeprecationWarning, 2)
            conf = read_legacy_config(config_file)
            username, password, account = username or conf["username"], password or conf["password"], account or conf["account"]
            region_name, project_id = region_name or conf["region_name"], project_id or conf["project_id"]
        self.errors = errors
        self.timeout = timeout
        try:
            self.endpoints: Endpoints = resolve_endpoints(region_name, self._overrides, env)
        except ConfigurationError as exc:
            raise _with_local_hint(exc) from None
        self.region_name = self.endpoints.region_name
        project_id = project_id or env.get("PROJECT_ID") or env.get("project_id") or env.get("HUAWEICLOUD_SDK_PROJECT_ID")
        self._http = build_http(retries, backoff_factor, idempotent=True)
        self._http_once = build_http(retries, backoff_factor, idempotent=False)
        self._closed = False
        # What each call carries: the AK/SK signature or the IAM token (a requests AuthBase).
        self._http_auth: requests.auth.AuthBase
        _check_pairs(username, password, access_key, secret_key)
        self._provider: Optional[Callable[[], AccessKey]] = None
        if username and password:
            source = "arguments" if config_file is None else f"config file {config_file}"
            login = Password(username=username, password=password, domain=account or username, source=source)
            project_id = self._use_password(login, project_id)
        elif account:
            raise ConfigurationError("account= needs username= and password= (an IAM user login)")
        else:
            self._use_access_key(access_key, secret_key, security_token, env)
        if not project_id:
            raise ConfigurationError("project_id is required: pass project_id=… or set $PROJECT_ID")
        if not SAFE["project_id"].fullmatch(project_id):
            raise ConfigurationError(f"project_id must be 1-64 of A-Z, a-z, 0-9, '_' and '-', got {project_id!r}")
        self.project_id: str = project_id
        if self._provider is not None:
            self._http_auth = SignerAuth(self._provider, project_id=project_id)

    def _use_password(self, login: Password, project_id: Optional[str]) -> Optional[str]:
        """Token auth; without a project id, IAM names the project after the region."""
        from modelarts.auth import TokenAuth, TokenManager

        self.auth_method = "account"
        self.credential_source = login.source
        region = None if project_id else self.region_name
        self._token = TokenManager(self.endpoints.iam, login, project_id, region, self._post_iam)
        self._http_auth = TokenAuth(self._token)
        if project_id:
            return project_id
        self._token.token()
        return self._token.project_id

    def _use_access_key(
        self, access_key: Optional[str], secret_key: Optional[str], token: Optional[str], env: Mapping[str, str]
    ) -> None:
        """AK/SK signing with the given keys, else the notebook/environment chain."""
        from modelarts.credentials import AccessKey, StaticProvider, find_access_key

        self.auth_method = "aksk"
        if access_key and secret_key:
            key = AccessKey(access_key, secret_key, security_token=token, source="arguments")
            self._provider, self.credential_source = StaticProvider(key), key.source
        else:
            try:
                self._provider, self.credential_source = find_access_key(env)
            except ConfigurationError as exc:
                if "no credentials" not in str(exc):
                    raise  # a credentials file that is there but wrong says so itself
                raise _with_local_hint(exc) from None

    # -- endpoints ---------------------------------------------------------------------------
    @classmethod
    def set_endpoint(
        cls,
        iam_endpoint: Optional[str] = None,
        obs_endpoint: Optional[str] = None,
        modelarts_endpoint: Optional[str] = None,
        region_name: Optional[str] = None,
    ) -> None:
        """Point every session created afterwards at these endpoints (documented, OTC page 0300)."""
        from modelarts.endpoints import normalize_endpoint

        given = {"iam": iam_endpoint, "obs": obs_endpoint, "modelarts": modelarts_endpoint}
        checked = {k: normalize_endpoint(v, f"{k}_endpoint") for k, v in given.items() if v is not None}
        cls._overrides = {**checked, "region_name": _text("region_name", region_name)}

    @classmethod
    def clear_endpoint(cls) -> None:
        """Forget :meth:`set_endpoint`; back to the environment and the region table."""
        cls._overrides = {}

    # -- credentials ---------------------------------------------------------------------------
    access_key = _key_field("access_key", "The access key calls are signed with (``None`` for a password login).")
    secret_key = _key_field("secret_key", "The secret key (never shown in ``repr`` or logs).")
    security_token = _key_field("security_token", "The security token of temporary keys, else ``None``.")
    user_id = _key_field("user_id", "The user id from a notebook credentials file, if it names one.")

    @property
    def host(self) -> str:
        return self.endpoints.modelarts

    @property
    def iam_server(self) -> str:
        return self.endpoints.iam

    @property
    def obs_server(self) -> Optional[str]:
        return self.endpoints.obs

    def __repr__(self) -> str:
        return (
            f"Session(auth={self.auth_method!r}, region_name={self.region_name!r}, project_id={self.project_id!r}, "
            f"endpoint={self.endpoints.modelarts!r}, credentials={self.credential_source!r})"
        )

    # -- calls ---------------------------------------------------------------------------------
    def _post_iam(self, url: str, body: Dict[str, Any]) -> requests.Response:
        return post_raw(self._http_once, url, body, self.timeout)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        json: Any = None,
        idempotent: Optional[bool] = None,
        timeout: Timeout = None,
    ) -> Any:
        """Call ModelArts and return the parsed JSON answer.

        ``path`` is relative to the ModelArts endpoint and starts with ``/``
        (e.g. ``f"/v1/{session.project_id}/training-jobs"``).  Failures raise
        the typed :class:`~modelarts.exceptions.APIError` subclasses whatever
        ``errors`` says (that mode belongs to the Estimator layer).
        ``idempotent`` (default: by method) decides whether the call may be retried.
        """
        if self._closed:
            raise ConfigurationError("this session is closed")
        method = check_call(method, path)
        check_params(params)
        if idempotent is not None and not isinstance(idempotent, bool):
            raise TypeError(f"idempotent must be None, True or False, got {idempotent!r}")
        timeout = check_timeout(timeout)
        retry = method in IDEMPOTENT if idempotent is None else idempotent
        http = self._http if retry else self._http_once
        url = self.endpoints.modelarts + path
        return send(http, method, url, params=params, json_body=json, timeout=timeout or self.timeout,
                    auth=self._http_auth)

    def close(self) -> None:
        """Release pooled connections; later calls raise."""
        self._closed = True
        self._close_obs()
        self._http.close()
        self._http_once.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def auth_headers_for(self, method: str, path: str) -> Tuple[str, Dict[str, str]]:
        """The URL and headers of a signed/tokened bodiless request (for benchmarks and debugging)."""
        from modelarts.auth import header_text

        prepared = requests.Request(check_call(method, path), self.endpoints.modelarts + path).prepare()
        prepared.prepare_headers({"Content-Type": "application/json"})
        self._http_auth(prepared)
        return prepared.url or "", header_text(prepared.headers)
