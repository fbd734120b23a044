"""``python -m modelarts.local serve`` in a subprocess: :class:`LocalServiceProcess`,
for tests that crash the service (SIGKILL) and start it again on the same data dir.

It reads the served endpoints from the process's output, and :meth:`~LocalServiceProcess.env`
gives the same notebook environment as :meth:`modelarts.local.LocalService.env`.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import modelarts
from modelarts.local.accounts import Credentials, read_credentials_file
from modelarts.local.service import notebook_env

__all__ = ["LocalServiceProcess"]

_SERVING = re.compile(r"serving on (http://\S+)")
_OBS = re.compile(r"OBS endpoint:\s+(http://\S+)")


class LocalServiceProcess:
    """``python -m modelarts.local serve`` in a subprocess (for crash tests)."""

    def __init__(
        self,
        data_dir: "str | Path",
        host: str = "127.0.0.1",
        port: int = 0,
        stop_grace: float = 5.0,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 30.0,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.args: List[str] = [
            "serve", "--data-dir", str(self.data_dir), "--host", host, "--port", str(port),
            "--stop-grace", str(stop_grace), *extra_args,
        ]  # fmt: skip
        self.startup_timeout = startup_timeout
        self.process: Optional["subprocess.Popen[str]"] = None
        self._reader = threading.Thread()
        self.endpoint = ""
        self.obs_endpoint = ""
        self.output: List[str] = []

    def start(self) -> "LocalServiceProcess":
        env = dict(os.environ)
        root = str(Path(modelarts.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "modelarts.local", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        found = threading.Event()
        self._reader = threading.Thread(target=self._drain, args=(found,), daemon=True)
        self._reader.start()
        if not found.wait(self.startup_timeout) or not self.endpoint:
            self.kill()
            raise RuntimeError("local service did not start:\n" + "".join(self.output))
        return self

    def _drain(self, found: threading.Event) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            obs = _OBS.search(line)
            if obs:
                self.obs_endpoint = obs.group(1)
            match = _SERVING.search(line)
            if match and not found.is_set():
                self.endpoint = match.group(1)
                found.set()
        found.set()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def credentials_file(self) -> Path:
        return self.data_dir / "credentials.ini"

    @property
    def credentials(self) -> Credentials:
        return read_credentials_file(self.credentials_file)

    def env(self) -> Dict[str, str]:
        return notebook_env(self.endpoint, self.credentials, self.credentials_file, self.obs_endpoint or None)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` (default SIGKILL: a crash) and reap the process."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.wait()

    def wait(self, timeout: float = 30.0) -> int:
        """Wait for the process to end; then close its output pipe."""
        assert self.process is not None
        code = self.process.wait(timeout)
        self._reader.join(5)
        if self.process.stdout is not None and not self._reader.is_alive():
            self.process.stdout.close()
        return code

    def close(self) -> None:
        """A clean stop (SIGTERM), SIGKILL if it does not end in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> "LocalServiceProcess":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

