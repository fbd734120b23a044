"""OBS path mapping and the aom-log line window (modelarts.local.obs, modelarts.local.logs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelarts.local.errors import InvalidArgument, LogNotFound, ParameterError
from modelarts.local.logs import log_file_names, read_window, resolve_log_file
from modelarts.local.obs import ObsPathError, local_path, split_obs_url


class TestObsPaths:
    @pytest.mark.parametrize(
        "url, parts",
        [
            ("/bucket/src/boot.py", ["bucket", "src", "boot.py"]),
            ("/bucket/src/", ["bucket", "src"]),
            ("obs://bucket/a//b/./c", ["bucket", "a", "b", "c"]),
            ("s3://bucket/x", ["bucket", "x"]),
        ],
    )
    def test_split(self, url: str, parts: list) -> None:
        assert split_obs_url(url) == parts

    @pytest.mark.parametrize("url", ["", "bucket/x", "/", "/b/../../etc/passwd", "/b/..", "/b/x\x00y", "/b\\x", None, 3])
    def test_refused(self, url: object) -> None:
        with pytest.raises(ObsPathError):
            split_obs_url(url)  # type: ignore[arg-type]

    def test_local_path(self, tmp_path: Path) -> None:
        assert local_path(tmp_path, "/bucket/src/boot.py") == tmp_path / "bucket" / "src" / "boot.py"

    def test_symlink_escape_is_refused(self, tmp_path: Path) -> None:
        root = tmp_path / "obs"
        (root / "bucket").mkdir(parents=True)
        (root / "bucket" / "out").symlink_to(tmp_path)
        with pytest.raises(ObsPathError, match="leaves the OBS root"):
            local_path(root, "/bucket/out/secret")


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "job-x.0"
    path.write_text("".join(f"line {n}\n" for n in range(1, 11)))
    return path


class TestReadWindow:
    def test_newest_lines_by_default(self, log_file: Path) -> None:
        answer = read_window(log_file, {"lines": "3"})
        assert answer == {"content": "line 8\nline 9\nline 10\n", "lines": 3, "start_line": "8", "end_line": "10"}

    def test_default_is_fifty_lines(self, log_file: Path) -> None:
        assert read_window(log_file, {})["lines"] == 10

    def test_next_records_after_base_line(self, log_file: Path) -> None:
        answer = read_window(log_file, {"base_line": "4", "lines": "2", "order": "desc"})
        assert answer["content"] == "line 5\nline 6\n" and (answer["start_line"], answer["end_line"]) == ("5", "6")

    def test_previous_records_before_base_line(self, log_file: Path) -> None:
        answer = read_window(log_file, {"base_line": "4", "lines": "2", "order": "asc"})
        assert answer["content"] == "line 2\nline 3\n"

    def test_nothing_new_keeps_the_marker(self, log_file: Path) -> None:
        answer = read_window(log_file, {"base_line": "10", "order": "desc"})
        assert answer == {"content": "", "lines": 0, "start_line": "10", "end_line": "10"}

    def test_empty_file(self, tmp_path: Path) -> None:
        (tmp_path / "empty").touch()
        assert read_window(tmp_path / "empty", {})["lines"] == 0

    @pytest.mark.parametrize(
        "query, error",
        [
            ({"lines": "501"}, ParameterError),
            ({"lines": "-1"}, ParameterError),
            ({"lines": "many"}, InvalidArgument),
            ({"order": "sideways"}, ParameterError),
            ({"base_line": "x1"}, ParameterError),
        ],
    )
    def test_bad_queries(self, log_file: Path, query: dict, error: type) -> None:
        with pytest.raises(error):
            read_window(log_file, query)


class TestResolveLogFile:
    def test_names(self) -> None:
        assert log_file_names("train", 2) == ["job-train.0", "job-train.1"]

    def test_known_file(self, log_file: Path) -> None:
        assert resolve_log_file(log_file.parent, "job-x.0", ["job-x.0"]) == log_file

    @pytest.mark.parametrize("name", ["../job-x.0", "/etc/passwd", "..", ".hidden", "a/b", "", None])
    def test_traversal_and_junk(self, log_file: Path, name: object) -> None:
        with pytest.raises(InvalidArgument):
            resolve_log_file(log_file.parent, name, ["job-x.0"])

    def test_unknown_name(self, log_file: Path) -> None:
        with pytest.raises(LogNotFound):
            resolve_log_file(log_file.parent, "job-y.0", ["job-x.0"])
