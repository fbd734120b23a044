"""Put files where the local ModelArts service looks for OBS paths.

On ModelArts, training code and data live in OBS: you upload them with the
OBS console, ``obsutil`` or the OBS SDK, and give the job OBS paths such as
``/bucket/src/train.py``.  The local service has no OBS of its own: it reads
``/bucket/key`` from ``<data dir>/obs/bucket/key``, and its data directory is
the one holding the credentials file named by ``$CREDENTIAL_PROFILES_FILE``.
The documentation notebooks use :func:`put` (or :func:`put_examples`) in place
of an upload; everything else they do is the same on ModelArts.

>>> put("/bucket/src/hello.py", "print('hello')")    # doctest: +SKIP
'/bucket/src/hello.py'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

from modelarts.local.obs import local_path

__all__ = ["EXAMPLES", "listdir", "obs_root", "put", "put_examples"]

#: The boot scripts of the notebooks' example jobs, by OBS path.
EXAMPLES = {
    # Three short "epochs" (about a second), then a model file in train_url.
    "/bucket/src/train.py": '''\
import argparse, os, time

parser = argparse.ArgumentParser()
parser.add_argument("--data_url")
parser.add_argument("--train_url")
parser.add_argument("--epochs", type=int, default=3)
args, _ = parser.parse_known_args()
for epoch in range(1, args.epochs + 1):
    time.sleep(0.3)
    print(f"epoch {epoch}/{args.epochs}: loss={1 / (epoch + 1):.3f}", flush=True)
os.makedirs(args.train_url, exist_ok=True)
with open(os.path.join(args.train_url, "model.txt"), "w") as model:
    model.write("weights\\n")
print("model saved", flush=True)
''',
    # Trains until it is stopped.
    "/bucket/src/train_forever.py": '''\
import time

print("training until stopped", flush=True)
while True:
    time.sleep(0.2)
''',
    # Fails at once, the way a typo in a training script does.
    "/bucket/src/train_broken.py": '''\
print("loading data", flush=True)
raise FileNotFoundError("no training data in data_url")
''',
}


def obs_root() -> Path:
    """``<data dir>/obs`` of the local service this kernel's ``Session()`` talks to."""
    try:
        credentials_file = os.environ["CREDENTIAL_PROFILES_FILE"]
    except KeyError:
        raise RuntimeError(
            "CREDENTIAL_PROFILES_FILE is not set: start JupyterLab with `modelarts-local lab` "
            "(or run the notebooks with pytest --nbval / tools/refresh-notebooks.py)"
        ) from None
    return Path(credentials_file).resolve().parent / "obs"


def put(obs_path: str, text: str) -> str:
    """Write ``text`` to ``obs_path`` in the local OBS (creating its folders); return ``obs_path``."""
    target = local_path(obs_root(), obs_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return obs_path


def put_examples() -> List[str]:
    """Upload the example boot scripts and one data file; their OBS paths."""
    put("/bucket/data/train/reviews.csv", "text,label\ngreat,1\nawful,0\n")
    return [put(path, text) for path, text in EXAMPLES.items()]


def listdir(obs_path: str) -> List[str]:
    """The names under an OBS folder, sorted (``[]`` if it does not exist)."""
    folder = local_path(obs_root(), obs_path)
    return sorted(entry.name for entry in folder.iterdir()) if folder.is_dir() else []
