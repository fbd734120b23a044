"""Progress of an OBS transfer: an ipywidgets bar in a notebook, a text bar in a terminal.

``progress=None`` (the default of the ``session.obs`` calls) shows a bar only
for transfers worth watching (at least 8 MiB or 20 files); ``True`` always,
``False`` never.  In a Jupyter kernel with ipywidgets the bar is an
``IntProgress`` with a label; elsewhere a one-line text bar is redrawn on
stderr when it is a terminal.  Updates are thread-safe and throttled.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, Dict, Optional

__all__ = ["AUTO_BYTES", "AUTO_FILES", "Progress", "make_progress"]

AUTO_BYTES = 8 * 1024 * 1024
AUTO_FILES = 20
_INTERVAL = 0.1


def _human(amount: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GiB"  # pragma: no cover


def _in_kernel() -> bool:
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None) if shell else None
    instance = get() if callable(get) else None
    return instance is not None and "IPKernelApp" in getattr(instance, "config", {})


class Progress:
    """Counts bytes and files of one transfer and draws them (``sink``: ``"widget"``, ``"text"`` or ``None``)."""

    def __init__(self, label: str, total_bytes: int, total_files: int, sink: Optional[str]) -> None:
        self.label = label
        self.total_bytes = max(total_bytes, 0)
        self.total_files = total_files
        self.done_bytes = 0
        self.done_files = 0
        self.sink = sink
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._per_file: Dict[str, int] = {}
        self._last_draw = 0.0
        self._widget: Any = None
        if sink == "widget":
            self._open_widget()

    def _open_widget(self) -> None:
        import ipywidgets
        from IPython.display import display

        bar = ipywidgets.IntProgress(min=0, max=max(self.total_bytes, 1), description=self.label[:20])
        text = ipywidgets.Label(value="")
        self._widget = (bar, text)
        display(ipywidgets.HBox([bar, text]))

    def advance(self, name: str, transferred: int) -> None:
        """``name`` has now ``transferred`` bytes done (cumulative, as ObsClient reports)."""
        with self._lock:
            self._advance(name, transferred)
            self._draw()

    def file_done(self, name: str, size: int) -> None:
        with self._lock:
            self._advance(name, size)
            self.done_files += 1
            self._per_file.pop(name, None)
            self._draw(force=self.done_files == self.total_files)

    def _advance(self, name: str, transferred: int) -> None:
        before = self._per_file.get(name, 0)
        if transferred > before:
            self._per_file[name] = transferred
            self.done_bytes += transferred - before

    def summary(self) -> str:
        seconds = max(time.monotonic() - self.started, 1e-6)
        return (
            f"{self.label}: {self.done_files}/{self.total_files} files, {_human(self.done_bytes)}"
            f"/{_human(self.total_bytes)} ({_human(self.done_bytes / seconds)}/s)"
        )

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.sink is None or (not force and now - self._last_draw < _INTERVAL):
            return
        self._last_draw = now
        if self._widget is not None:
            bar, text = self._widget
            bar.value = min(self.done_bytes, bar.max)
            text.value = self.summary()
        elif self.sink == "text":
            width = 30
            filled = int(width * self.done_bytes / self.total_bytes) if self.total_bytes else width
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.summary()}")
            sys.stderr.flush()

    def close(self) -> None:
        with self._lock:
            self._draw(force=True)
            if self.sink == "text":
                sys.stderr.write("\n")
                sys.stderr.flush()


def make_progress(label: str, total_bytes: int, total_files: int, progress: Optional[bool]) -> Progress:
    """A :class:`Progress` drawing where it should (see the module docs)."""
    show = progress if progress is not None else (total_bytes >= AUTO_BYTES or total_files >= AUTO_FILES)
    sink: Optional[str] = None
    if show:
        if _in_kernel():
            try:
                import ipywidgets  # noqa: F401

                sink = "widget"
            except ImportError:
                sink = "text"
        elif sys.stderr is not None and sys.stderr.isatty():
            sink = "text"
        elif progress:
            sink = "text"
    return Progress(label, total_bytes, total_files, sink)
