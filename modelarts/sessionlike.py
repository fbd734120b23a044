"""``SessionLike``: what the API layer needs of a session.

:class:`modelarts.session.Session` provides it; so can a test double or a
wrapper (one that records calls, say).  The API functions of
:mod:`modelarts._api` (v1) and :mod:`modelarts._api_v2` take one; an
``errors`` attribute, when present, selects ``"raise"`` (the default) or
``"return"`` mode.

>>> from modelarts.sessionlike import SessionLike
>>> class Recorder:
...     project_id = "p1"
...     def request(self, method, path, *, params=None, json=None, idempotent=None, timeout=None):
...         return {"method": method, "path": path}
>>> isinstance(Recorder(), SessionLike)
True
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Protocol, runtime_checkable

__all__ = ["SessionLike"]


@runtime_checkable
class SessionLike(Protocol):
    """A project id and a ``request`` that returns the parsed JSON answer (or raises ``APIError``)."""

    project_id: str

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        json: Any = None,
        idempotent: Optional[bool] = None,
        timeout: Any = None,
    ) -> Any: ...
