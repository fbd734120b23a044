"""The HTTP servers compared for the local service, each serving the same application.

    python -m benchmarks.candidates NAME DATA_DIR    # prints "serving on http://127.0.0.1:PORT"

* ``waitress-N``: :class:`modelarts.local.server.WSGIServer` (waitress, N worker threads);
* ``uvicorn``: uvicorn with httptools and a bare ASGI adapter that answers each
  request inline on the event loop (the service's handling is synchronous, a
  few hundred µs of CPU; a thread hand-off would only add GIL switches);
* ``uvicorn-h11``: the same with the pure-Python h11 parser (bounded header size);
* ``main``: the service as it was before this change (``http.server`` + the
  hand-written pool), run from a checkout given as ``MODELARTS_MAIN`` — see
  :func:`command`.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List

CANDIDATES = ["waitress-1", "waitress-2", "waitress-4", "uvicorn", "uvicorn-h11", "main"]


def missing(name: str) -> str:
    """Why ``name`` cannot run here ("" when it can): uvicorn is the ``bench`` extra, ``main`` needs the old checkout."""
    import importlib.util

    if name.startswith("uvicorn"):
        needed = ["uvicorn"] + (["httptools"] if name == "uvicorn" else ["h11"])
        absent = [module for module in needed if importlib.util.find_spec(module) is None]
        return f"{', '.join(absent)} not installed (pip install -e '.[bench]')" if absent else ""
    if name == "main":
        root = Path(os.environ.get("MODELARTS_MAIN", ""))
        if not os.environ.get("MODELARTS_MAIN") or not (root / "modelarts" / "local" / "workers.py").is_file():
            return "no checkout of the hand-written pool (set MODELARTS_MAIN to one, e.g. a worktree of f3ab1fe)"
    return ""


def command(name: str, data_dir: Path) -> List[str]:
    if name == "main":
        return [sys.executable, "-m", "modelarts.local", "serve", "--data-dir", str(data_dir), "--kill-jobs-on-exit"]
    return [sys.executable, "-m", "benchmarks.candidates", name, str(data_dir)]


def environment(name: str) -> Dict[str, str]:
    env = dict(os.environ)
    repo = str(Path(__file__).resolve().parents[1])
    root = os.environ.get("MODELARTS_MAIN", "") if name == "main" else repo
    env["PYTHONPATH"] = os.pathsep.join([root, repo] if name != "main" else [root])
    return env


def asgi_app(service: Any) -> Any:
    """A bare ASGI application around :meth:`ServiceApp.handle` (answers inline, no thread)."""
    limit = service.app.config.max_body_bytes

    async def app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                break
        raw = scope.get("raw_path") or scope["path"].encode()
        environ: Dict[str, Any] = {
            "REQUEST_METHOD": scope["method"],
            "REQUEST_URI": (raw + (b"?" + scope["query_string"] if scope["query_string"] else b"")).decode("latin-1"),
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        for name, value in scope["headers"]:
            key = name.decode("latin-1").upper().replace("-", "_")
            if key not in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
                environ["HTTP_" + key] = value.decode("latin-1")
        status, headers, data = service.handle(environ)
        await send({"type": "http.response.start", "status": int(status[:3]),
                    "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]})
        await send({"type": "http.response.body", "body": data})

    return app


def main(name: str, data_dir: str) -> None:
    from modelarts.local.app import App, ServiceConfig
    from modelarts.local.wsgi import ServiceApp

    app = App(ServiceConfig(data_dir))
    app.start()
    service = ServiceApp(app)
    try:
        if name.startswith("waitress-"):
            from modelarts.local.server import WSGIServer

            server = WSGIServer(service, threads=int(name.split("-")[1])).start()
            print(f"modelarts-local serving on {server.endpoint}", flush=True)
            done = threading.Event()
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: done.set())
            done.wait()
            server.close()
        else:
            import socket

            import uvicorn

            sock = socket.create_server(("127.0.0.1", 0), backlog=1024)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets (Linux)
            print(f"modelarts-local serving on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
            config = uvicorn.Config(asgi_app(service), http="h11" if name.endswith("h11") else "httptools",
                                    loop="asyncio", log_level="warning", access_log=False, lifespan="off")
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        app.close(kill_jobs=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
