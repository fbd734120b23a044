"""A malformed notebook credentials file is named by file and line, never quoted."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelarts.credentials import NotebookCredentialsFile
from modelarts.exceptions import ConfigurationError

SECRET = "Zq8vR2mXw4TtB6nYk1LpHs9Cj3Ud5Ef7Ga0Ib2Kc"


@pytest.mark.parametrize(
    "content, line",
    [
        (f"[default]\ndefault_access_key_id = AKEXAMPLE\n{SECRET}\n", "line 3"),
        (f"default_access_key_id = AKEXAMPLE\ndefault_secret_access_key {SECRET}\n", "line 2"),
        (f"[default]\ndefault_secret_access_key = {SECRET}\n[default]\nx = {SECRET}\n", "line 3"),
    ],
)
def test_parse_error_names_file_and_line_only(tmp_path: Path, content: str, line: str) -> None:
    path = tmp_path / "credentials"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigurationError) as info:
        NotebookCredentialsFile(str(path))()
    message = str(info.value)
    assert SECRET not in message and SECRET not in repr(info.value.__context__ or "")
    assert str(path) in message and line in message


def test_non_utf8_file_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_bytes(b"[default]\ndefault_secret_access_key = \xff" + SECRET.encode() + b"\n")
    with pytest.raises(ConfigurationError) as info:
        NotebookCredentialsFile(str(path))()
    assert SECRET not in str(info.value)
