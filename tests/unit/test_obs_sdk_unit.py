"""session.obs without esdk-obs-python, the progress bar, and path parsing (no network)."""

from __future__ import annotations

import io
import sys

import pytest

from modelarts.obs_client import ObsExtraMissing
from modelarts.obs_errors import ObsError
from modelarts.obs_paths import ObsPath, parse_bucket_path, parse_obs_path
from modelarts.obs_progress import Progress, make_progress
from modelarts.session import Session

ENV = {"HUAWEICLOUD_SDK_AK": "AK", "HUAWEICLOUD_SDK_SK": "SK", "PROJECT_ID": "p1", "REGION_NAME": "cn-north-4"}


def test_without_the_extra_session_obs_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "obs", None)  # "import obs" now raises ImportError
    session = Session(environ=ENV)
    with pytest.raises(ObsExtraMissing, match=r"pip install 'modelarts\[obs\]'"):
        session.obs
    with pytest.raises(ImportError):
        session.obs_client


def test_obs_client_points_at_the_region_endpoint() -> None:
    client = Session(environ=ENV).obs_client
    assert client.server == "obs.cn-north-4.myhuaweicloud.com" and client.is_secure
    assert client._get_token().access_key_id == "AK"


@pytest.mark.parametrize(
    "text, expected",
    [("obs://b-1/dir/x.txt", ObsPath("b-1", "dir/x.txt")), ("OBS://bkt/", ObsPath("bkt", "")),
     ("obs://bkt/dir/", ObsPath("bkt", "dir/"))],
)
def test_parse_obs_path(text: str, expected: ObsPath) -> None:
    assert parse_obs_path(text) == expected


@pytest.mark.parametrize(
    "text, rule",
    [("s3://b/x", "obs://"), ("obs://b/x", "bucket name"), ("obs://bucket//x", "segments"),
     ("obs://bucket/" + "k" * 1025, "1024 bytes"), ("obs://bucket/a\x00", "NUL")],
)
def test_parse_obs_path_rules(text: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        parse_obs_path(text)


def test_parse_bucket_path_legacy_forms() -> None:
    assert parse_bucket_path("/bucket_x/dir1/".replace("_", "-")) == ObsPath("bucket-x", "dir1/")
    assert parse_bucket_path("bucket/dir1") == ObsPath("bucket", "dir1")
    with pytest.raises(ValueError, match="must name a bucket"):
        parse_bucket_path("/")


def test_text_progress_counts_cumulative_callbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", out)
    bar = Progress("upload", 300, 2, "text")
    bar.advance("a", 50)
    bar.advance("a", 100)  # ObsClient reports running totals
    bar.file_done("a", 100)
    bar.file_done("b", 200)
    bar.close()
    assert (bar.done_bytes, bar.done_files) == (300, 2)
    assert "2/2 files" in out.getvalue() and "300 B/300 B" in out.getvalue()


def test_progress_is_automatic_for_big_transfers_only(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    assert make_progress("x", 10, 1, None).sink is None
    assert make_progress("x", 64 * 1024 * 1024, 1, None).sink == "text"
    assert make_progress("x", 10, 100, None).sink == "text"
    assert make_progress("x", 64 * 1024 * 1024, 1, False).sink is None


def test_obs_error_dict() -> None:
    error = ObsError("AccessDenied", "no", 403, "RID")
    assert error.to_dict() == {"error_code": "AccessDenied", "error_msg": "no"} and error.request_id == "RID"
