"""The argument classes of ``modelarts.estimatorV2`` (SDK page "Creating a Training Job").

>>> from modelarts.train_params import TrainingFiles, InputData, OutputData
>>> files = TrainingFiles(code_dir="obs://bucket/src/", boot_file="train.py")
>>> files.boot_file_url
'obs://bucket/src/train.py'
>>> InputData(obs_path="obs://bucket/data/", name="data_url").to_api()
{'name': 'data_url', 'remote': {'obs': {'obs_url': 'obs://bucket/data/'}}}

Paths are OBS URLs (``obs://bucket/key``); a bad one raises ``ValueError`` when
the object is made, before any request.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional

import attrs

from modelarts import rules

__all__ = ["InputData", "OutputData", "TrainingFiles"]


def _obs(name: str) -> Any:
    def check(_instance: Any, _attribute: Any, value: Any) -> None:
        if not isinstance(value, str) or not re.fullmatch(r"obs://[^/\s]+(/[^\s]*)?", value) or "/../" in f"{value}/":
            raise ValueError(f"{name} must be an OBS path like 'obs://bucket/dir/', got {value!r}")

    return check


def _name(_instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not rules.V2_IO_NAME.fullmatch(value):
        raise ValueError(f"{attribute.name} must be 1-64 letters, digits, '_', '-' or '.', got {value!r}")


def _optional_text(_instance: Any, attribute: Any, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{attribute.name} must be a string, got {value!r}")


@attrs.frozen
class TrainingFiles:
    """The code directory and the boot file (a path inside it, or relative to it)."""

    code_dir: str = attrs.field(validator=_obs("code_dir"))
    boot_file: str = attrs.field()

    @boot_file.validator
    def _check_boot(self, _attribute: Any, value: Any) -> None:
        if not isinstance(value, str) or not value.strip() or ".." in value.split("/"):
            raise ValueError(f"boot_file must be a file name or an OBS path, got {value!r}")
        if value.startswith("obs://") and not value.startswith(self.code_dir.rstrip("/") + "/"):
            raise ValueError(f"boot_file {value!r} must be inside code_dir {self.code_dir!r}")

    @property
    def boot_file_url(self) -> str:
        """The boot file as a full OBS path."""
        if self.boot_file.startswith("obs://"):
            return self.boot_file
        return self.code_dir.rstrip("/") + "/" + self.boot_file.lstrip("/")


class _ObsChannel:
    """What an input and an output send: ``{"name", "remote": {"obs": {"obs_url"}}, "local_dir"?}``."""

    name: str
    obs_path: str
    local_path: Optional[str]

    def to_api(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {"name": self.name, "remote": {"obs": {"obs_url": self.obs_path}}}
        if self.local_path:
            body["local_dir"] = self.local_path
        return body


@attrs.frozen
class InputData(_ObsChannel):
    """One input: an OBS path passed to the boot file as ``--<name>=<local path>``."""

    obs_path: str = attrs.field(validator=_obs("obs_path"))
    name: str = attrs.field(default="data_url", validator=_name)
    local_path: Optional[str] = attrs.field(default=None, validator=_optional_text)


@attrs.frozen
class OutputData(_ObsChannel):
    """One output: an OBS directory passed to the boot file as ``--<name>=<local path>``."""

    obs_path: str = attrs.field(validator=_obs("obs_path"))
    name: str = attrs.field(default="train_url", validator=_name)
    local_path: Optional[str] = attrs.field(default=None, validator=_optional_text)
