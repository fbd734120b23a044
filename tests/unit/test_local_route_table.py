"""The URL tables lead straight to code: one named, module-level handler per route."""

from __future__ import annotations

import inspect
import sys
from typing import Any, Dict, List

import pytest

from modelarts.local import routes, v2_routes
from modelarts.local.messages import Request, Response
from modelarts.local.routes import ROUTES


def test_every_route_has_a_handler_of_its_own_found_by_its_name() -> None:
    handlers = [handler for _, _, handler, _ in ROUTES]
    assert len(set(handlers)) == len(handlers), "one handler per route"
    for handler in handlers:
        module = sys.modules[handler.__module__]
        assert module in (routes, v2_routes)
        assert handler.__qualname__ == handler.__name__, f"{handler.__qualname__} is not a module-level function"
        assert getattr(module, handler.__name__) is handler
        assert handler.__name__ in module.__all__
        assert "getattr" not in inspect.getsource(handler)


class _Recorder:
    """Records which backend method a handler calls, and with what."""

    def __init__(self) -> None:
        self.calls: List[Any] = []

    def __getattr__(self, name: str) -> Any:
        def method(*args: Any) -> Dict[str, Any]:
            self.calls.append((name, args))
            return {"called": name}

        return method


class _App:
    def __init__(self) -> None:
        self.jobs = _Recorder()


@pytest.mark.parametrize(
    "handler, method",
    [
        (routes.version_detail, "version_detail"),
        (routes.delete_version, "delete_version"),
        (routes.stop_version, "stop"),
        (routes.log_file_names, "log_files"),
    ],
)
def test_version_handlers_call_their_backend_method(handler: Any, method: str) -> None:
    app = _App()
    req = Request("GET", "/", "", {}, b"", "r", params={"project_id": "p", "job_id": "1", "version_id": "2"})
    answer = handler(app, req)
    assert answer == {"called": method}
    assert app.jobs.calls == [(method, ("p", "1", "2"))]
    assert not isinstance(answer, Response)
