#!/usr/bin/env python3
"""Re-execute the documentation notebooks and store their fresh outputs.

    python tools/refresh-notebooks.py                     # every notebooks/*.ipynb, in order
    python tools/refresh-notebooks.py notebooks/06_*.ipynb

The notebooks run as ``pytest --nbval`` runs them: one local ModelArts service
(``notebooks/docservice.py``) for the whole run, its environment exported to
each kernel, a kernel in this Python environment (nbval's
``--nbval-current-env`` kernel) started in ``notebooks/``.  Every code cell is
executed top to bottom in a fresh kernel; outputs, execution counts and the
widget state (``store_widget_state=True``) are written back.  Cells tagged
``raises-exception`` may fail; any other error stops the run and leaves that
notebook unchanged.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import List

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
import docservice  # noqa: E402

CELL_TIMEOUT = 300


def refresh(path: Path, env: dict) -> None:
    """Execute ``path`` in a fresh current-environment kernel and save it."""
    nb = nbformat.read(path, as_version=4)
    with docservice.exported(env):
        km = KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME, kernel_spec_manager=NbvalKernelspecManager())
        client = NotebookClient(
            nb,
            km=km,
            timeout=CELL_TIMEOUT,
            store_widget_state=True,
            record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        try:
            client.execute()
        finally:
            if km.has_kernel:  # nbclient leaves a kernel it did not start running
                km.shutdown_kernel(now=True)
    # Keep the notebook's own kernelspec (nbclient would write the nbval pseudo-kernel's name).
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nbformat.validate(nb)
    nbformat.write(nb, path)


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or sorted(NOTEBOOKS.glob("*.ipynb"))
    with docservice.running() as service:
        env = service.env()
        for path in paths:
            started = time.monotonic()
            refresh(path, env)
            print(f"refreshed {path.name} in {time.monotonic() - started:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
