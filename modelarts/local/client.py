"""A tiny AK/SK-signed JSON client on the standard library (``http.client``).

Handy for scripts and tests that should not depend on the SDK.  It signs with
:func:`modelarts.signer.sign`, exactly as the gateway expects: ``host``,
``x-sdk-date``, ``content-type``, ``x-project-id`` (and ``x-security-token``
for temporary keys) are signed.
"""

from __future__ import annotations

import http.client
import json
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from modelarts import signer
from modelarts.local.accounts import Credentials

__all__ = ["SignedClient"]


class SignedClient:
    """Signed requests to one endpoint with one set of credentials.

    ``path`` arguments may contain ``{project_id}``; it is filled in.
    """

    def __init__(self, endpoint: str, credentials: Credentials, timeout: float = 30.0) -> None:
        parts = urlsplit(endpoint)
        self.endpoint = endpoint.rstrip("/")
        self.netloc = parts.netloc
        self.credentials = credentials
        self.timeout = timeout
        self._conn: Optional[http.client.HTTPConnection] = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.netloc, timeout=self.timeout)
        return self._conn

    def request(
        self, method: str, path: str, query: Optional[Mapping[str, Any]] = None, body: Any = None
    ) -> Tuple[int, Any]:
        """Send one request; return ``(status, parsed JSON body)``."""
        creds = self.credentials
        path = path.format(project_id=creds.project_id)
        query_text = signer.canonical_query(dict(query)) if query else ""
        target = path + (f"?{query_text}" if query_text else "")
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        headers: Dict[str, str] = {"Content-Type": "application/json", "X-Project-Id": creds.project_id}
        if creds.security_token:
            headers["X-Security-Token"] = creds.security_token
        headers.update(
            signer.sign(method, self.endpoint + target, headers, data, creds.access_key, creds.secret_key)
        )
        conn = self._connection()
        try:
            conn.request(method, target, body=data or None, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        return response.status, (json.loads(raw) if raw else None)

    def get(self, path: str, **query: Any) -> Any:
        return self._ok(*self.request("GET", path, query or None))

    def post(self, path: str, body: Any = None) -> Any:
        return self._ok(*self.request("POST", path, None, body))

    def delete(self, path: str) -> Any:
        return self._ok(*self.request("DELETE", path))

    @staticmethod
    def _ok(status: int, body: Any) -> Any:
        if status >= 300 or (isinstance(body, dict) and body.get("is_success") is False):
            raise RuntimeError(f"HTTP {status}: {body}")
        return body

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> "SignedClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
