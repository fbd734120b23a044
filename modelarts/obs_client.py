"""``session.obs_client``: an ``obs.ObsClient`` (esdk-obs-python) configured from a Session.

The documented SDK hands out the official OBS client; so does this one.  Its
credentials come from the Session, fetched on every request through
ObsClient's ``security_providers`` hook, so they stay fresh:

* AK/SK sessions use the session's current key (a notebook's temporary
  AK/SK + security token is re-read when its credentials file changes);
* password sessions exchange their IAM token for temporary AK/SK + security
  token (``POST /v3.0/OS-CREDENTIAL/securitytokens``, IAM API reference
  "Obtaining a Temporary Access Key and Security Token Through a Token"),
  renewed five minutes before they expire.

The server is the session's OBS endpoint (``Session.set_endpoint(obs_endpoint=)``,
``$S3_ENDPOINT`` or ``https://obs.<region>.myhuaweicloud.com``).
esdk-obs-python is the ``obs`` extra: ``pip install 'modelarts[obs]'``.
"""

from __future__ import annotations

import datetime as _dt
import threading
import warnings
from typing import TYPE_CHECKING, Any, Dict, Optional

from modelarts.credentials import utcnow
from modelarts.exceptions import ConfigurationError, ModelArtsError, error_from_response
from modelarts.transport import dumps

if TYPE_CHECKING:  # pragma: no cover
    from modelarts.session import Session

__all__ = ["ObsExtraMissing", "SessionKeys", "build_obs_client", "import_obs", "TEMPORARY_DURATION"]

#: Lifetime asked for temporary keys (seconds; IAM accepts 900-86400).
TEMPORARY_DURATION = 3600
_RENEW_MARGIN = _dt.timedelta(minutes=5)


class ObsExtraMissing(ModelArtsError, ImportError):
    """esdk-obs-python is not installed."""


def import_obs() -> Any:
    """The ``obs`` module of esdk-obs-python, or :class:`ObsExtraMissing` saying which extra to install."""
    try:
        import obs
    except ImportError:
        raise ObsExtraMissing(
            "session.obs needs esdk-obs-python: pip install 'modelarts[obs]' "
            "(the 'notebook' and 'test' extras include it)"
        ) from None
    return obs


class SessionKeys:
    """ObsClient security provider answering with the session's current keys."""

    def __init__(self, session: "Session") -> None:
        self.__name__ = "ModelArtsSession"
        self._session = session
        self._lock = threading.Lock()
        self._temporary: Optional[Dict[str, str]] = None
        self._expires: Optional[_dt.datetime] = None

    @staticmethod
    def search() -> Dict[str, Any]:  # ObsClient checks that providers have one; get_credentials is used
        raise RuntimeError("use get_credentials()")

    def get_credentials(self) -> Dict[str, Optional[str]]:
        provider = self._session._provider
        if provider is not None:
            key = provider()
            return {"accessKey": key.access_key, "secretKey": key.secret_key, "securityToken": key.security_token}
        with self._lock:
            if self._temporary is None or self._expires is None or utcnow() + _RENEW_MARGIN >= self._expires:
                self._fetch_temporary()
            assert self._temporary is not None
            return dict(self._temporary)

    def _fetch_temporary(self) -> None:
        session = self._session
        body = {"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": TEMPORARY_DURATION}}}}
        url = session.endpoints.iam + "/v3.0/OS-CREDENTIAL/securitytokens"
        headers = {"Content-Type": "application/json;charset=utf8", "X-Auth-Token": session._token.token()}
        response = session._http_once.post(url, data=dumps(body), headers=headers, timeout=session.timeout)
        if response.status_code not in (200, 201):
            raise error_from_response(response.status_code, response.text, response.headers)
        credential = response.json()["credential"]
        self._temporary = {
            "accessKey": credential["access"],
            "secretKey": credential["secret"],
            "securityToken": credential["securitytoken"],
        }
        expires = str(credential.get("expires_at", ""))
        try:
            self._expires = _dt.datetime.fromisoformat(expires.replace("Z", "+00:00"))
        except ValueError:
            self._expires = utcnow() + _dt.timedelta(seconds=TEMPORARY_DURATION)


def build_obs_client(session: "Session") -> Any:
    """A new ``obs.ObsClient`` for ``session`` (close it with ``.close()`` when done)."""
    obs = import_obs()
    server = session.obs_server
    if not server:
        raise ConfigurationError(
            "no OBS endpoint: pass Session.set_endpoint(obs_endpoint=...) or set $S3_ENDPOINT"
        )
    keys = SessionKeys(session)
    connect, read = session.timeout if isinstance(session.timeout, tuple) else (session.timeout, session.timeout)
    with warnings.catch_warnings():  # esdk-obs-python builds its TLS context with a deprecated constant
        warnings.simplefilter("ignore", DeprecationWarning)
        return obs.ObsClient(
            server=server,
            security_providers=[keys],
            security_provider_policy=keys.__name__,
            timeout=int(max(connect or 60, read or 60)),
            max_retry_count=3,
        )
