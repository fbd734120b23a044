"""Helpers for the local OBS tests: ObsClient factories and hand-signed requests.

Signing by hand uses esdk-obs-python's own signer (``obs.auth.Authentication``
with the OBS or V2 header adapter), so forged or re-dated requests differ from
what ObsClient sends only in the part under test.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, Optional

import obs
import requests
from obs import auth as obs_auth
from obs import convertor

from modelarts.local import Credentials

__all__ = ["client", "client_signing", "obs_mode_client", "signed"]


def client(endpoint: str, creds: Credentials, **kwargs: Any) -> obs.ObsClient:
    """ObsClient as a user builds it for an IP endpoint (path style, V2 signatures)."""
    token = creds.security_token or None
    return obs.ObsClient(access_key_id=creds.access_key, secret_access_key=creds.secret_key, security_token=token,
                         server=endpoint, max_retry_count=0, **kwargs)


def obs_mode_client(endpoint: str, creds: Credentials) -> obs.ObsClient:
    """ObsClient switched to OBS signing (``OBS ak:sig``, ``x-obs-*`` headers), as it is after a
    successful ``HEAD /?apiversion`` negotiation against a host-name endpoint."""
    result = client(endpoint, creds)
    result.signature = "obs"
    result.ha = convertor.Adapter("obs")
    result.convertor = convertor.Convertor("obs", result.ha)
    return result


def client_signing(mode: str, endpoint: str, creds: Credentials) -> obs.ObsClient:
    """ObsClient with V2 (``mode="v2"``) or OBS (``mode="obs"``) signatures."""
    if mode not in ("v2", "obs"):
        raise ValueError(f"mode must be 'v2' or 'obs', got {mode!r}")
    return client(endpoint, creds) if mode == "v2" else obs_mode_client(endpoint, creds)


def signed(
    method: str,
    url_path: str,
    creds: Credentials,
    endpoint: str,
    *,
    scheme: str = "v2",
    when: Optional[_dt.datetime] = None,
    headers: Optional[Dict[str, str]] = None,
    secret: Optional[str] = None,
    data: bytes = b"",
) -> requests.Response:
    """``method url_path`` signed with ObsClient's signer (``scheme`` ``v2`` or ``obs``) at ``when``."""
    adapter = convertor.Adapter(scheme)
    moment = when or _dt.datetime.now(_dt.timezone.utc)
    all_headers = {"Date": moment.strftime("%a, %d %b %Y %H:%M:%S GMT"), **(headers or {})}
    bucket, _, key = url_path.lstrip("/").partition("/")
    signer = obs_auth.Authentication(creds.access_key, secret or creds.secret_key, True, adapter, "127.0.0.1", False)
    all_headers["Authorization"] = signer.doAuth(method, bucket, key, {}, all_headers)["Authorization"]
    return requests.request(method, endpoint + url_path, headers=all_headers, data=data, timeout=30)
