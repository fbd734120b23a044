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


def test_notebook_progress_is_a_widget(monkeypatch: pytest.MonkeyPatch) -> None:
    import ipywidgets

    from modelarts import obs_progress

    shown = []
    monkeypatch.setattr(obs_progress, "_in_kernel", lambda: True)
    monkeypatch.setattr("IPython.display.display", lambda widget: shown.append(widget))
    bar = make_progress("upload", 1000, 1, True)
    assert bar.sink == "widget" and isinstance(shown[0], ipywidgets.HBox)
    bar.file_done("f", 1000)
    bar.close()
    progress, label = shown[0].children
    assert progress.value == 1000 and "1/1 files" in label.value


class _Result:
    def __init__(self, status: int, **body: object) -> None:
        self.status, self.errorCode, self.errorMessage, self.requestId, self.reason = status, None, None, "R", "OK"
        self.body = type("Body", (), body)()


def test_upload_integrity_is_checked(tmp_path) -> None:
    from modelarts.obs_errors import ObsIntegrityError
    from modelarts.obs_transfer import Transfer

    class Lying:
        def putFile(self, *args: object, **kwargs: object) -> _Result:
            return _Result(200, etag='"00000000000000000000000000000000"')

    (tmp_path / "f.txt").write_text("data")
    with pytest.raises(ObsIntegrityError, match="differs from the MD5"):
        Transfer(Lying()).upload_file(tmp_path / "f.txt", ObsPath("bkt", "f.txt"), Progress("u", 4, 1, None))


def test_download_integrity_is_checked_and_nothing_is_left(tmp_path) -> None:
    from modelarts.obs_errors import ObsIntegrityError
    from modelarts.obs_transfer import Transfer

    class Corrupting:
        def getObject(self, bucket: str, key: str, downloadPath: str, progressCallback: object = None) -> _Result:
            with open(downloadPath, "wb") as out:
                out.write(b"corrupted")
            return _Result(200)

    etag = "8d777f385d3dfec8815d20f7496026dc"  # md5("data") would be this for b"data"
    with pytest.raises(ObsIntegrityError):
        Transfer(Corrupting()).download_file(ObsPath("bkt", "f.txt"), tmp_path / "f.txt", Progress("d", 4, 1, None),
                                             size=9, etag=etag)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ObsIntegrityError, match="got 9 bytes"):
        Transfer(Corrupting()).download_file(ObsPath("bkt", "f.txt"), tmp_path / "f.txt", Progress("d", 4, 1, None),
                                             size=4, etag=etag)
