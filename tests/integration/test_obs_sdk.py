"""``session.obs`` / ``session.obs_client`` against the local OBS endpoint."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Dict, Iterator

import obs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelarts.local import LocalService
from modelarts.obs_errors import ObsError, ObsNotFoundError
from modelarts.session import Session

from signing import temporary_credentials


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    with LocalService(tmp_path_factory.mktemp("obs-sdk"), kill_jobs_on_close=True) as running:
        yield running


@pytest.fixture(scope="module")
def session(service: LocalService) -> Iterator[Session]:
    with Session(environ=service.env()) as value:  # exactly what a notebook does: Session() with no arguments
        value.obs.create_bucket("sdk")
        yield value


def tree(root: Path) -> Dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_documented_forms_keyword_and_positional(session: Session, tmp_path: Path) -> None:
    src = tmp_path / "work"
    (src / "pkg").mkdir(parents=True)
    (src / "train.py").write_text("print('train')\n")
    (src / "pkg" / "util.py").write_text("X = 1\n")
    assert session.obs.upload_file(src_local_file=str(src / "train.py"), dst_obs_dir="obs://sdk/dir1/") == \
        "obs://sdk/dir1/train.py"
    assert session.obs.upload_dir(src_local_dir=str(src), dst_obs_dir="obs://sdk/dir1/") == "obs://sdk/dir1/work/"
    assert session.obs.list("obs://sdk/dir1/") == [
        "obs://sdk/dir1/train.py", "obs://sdk/dir1/work/pkg/util.py", "obs://sdk/dir1/work/train.py"]
    out = tmp_path / "out"
    session.obs.download_file(src_obs_file="obs://sdk/dir1/train.py", dst_local_dir=f"{out}/")
    assert (out / "train.py").read_text() == "print('train')\n"
    session.obs.download_dir(src_obs_dir="obs://sdk/dir1/work/", dst_local_dir=str(out))
    assert tree(out / "work") == tree(src)
    positional = tmp_path / "positional"
    session.obs.download_dir("obs://sdk/dir1/work/", str(positional))  # as public notebooks call it
    assert tree(positional / "work") == tree(src)
    assert session.obs.list("obs://sdk/dir1/", recursive=False) == ["obs://sdk/dir1/train.py", "obs://sdk/dir1/work/"]


def test_copy_in_all_four_directions(session: Session, tmp_path: Path) -> None:
    src = tmp_path / "code"
    (src / "a").mkdir(parents=True)
    (src / "a" / "x.txt").write_text("x")
    (src / "boot.py").write_text("print(1)")
    assert session.obs.copy(str(src / "boot.py"), "obs://sdk/copy/") == "obs://sdk/copy/boot.py"
    assert session.obs.copy(src_path=str(src / "boot.py"), dst_path="obs://sdk/copy/renamed.py") == \
        "obs://sdk/copy/renamed.py"
    assert session.obs.copy(str(src), "obs://sdk/copy/dirs/") == "obs://sdk/copy/dirs/code/"
    assert session.obs.copy(str(src), "obs://sdk/copy/flat/", keep_last_dir=False) == "obs://sdk/copy/flat/"
    assert session.obs.exists("obs://sdk/copy/flat/a/x.txt") and session.obs.exists("obs://sdk/copy/dirs/code/a/")
    back = tmp_path / "back"
    session.obs.copy("obs://sdk/copy/renamed.py", str(back / "file.py"))
    assert (back / "file.py").read_text() == "print(1)"
    session.obs.copy("obs://sdk/copy/boot.py", f"{back}/")
    assert (back / "boot.py").read_text() == "print(1)"
    session.obs.copy("obs://sdk/copy/dirs/code/", str(back))
    assert tree(back / "code") == tree(src)
    session.obs.copy("obs://sdk/copy/dirs/code/", str(back / "flat"), keep_last_dir=False)
    assert tree(back / "flat") == tree(src)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda o: o.upload_file("x.txt", "bucket/dir/"), "must start with 'obs://'"),
        (lambda o: o.upload_file("x.txt", "obs://sdk/dir"), "ending with '/'"),
        (lambda o: o.upload_dir("x", "obs://Bad_Bucket/dir/"), "bucket name"),
        (lambda o: o.download_file("obs://sdk/dir/", "/tmp/"), "must name an object"),
        (lambda o: o.download_file("obs://sdk/a.txt", "/tmp/out"), "ending with '/'"),
        (lambda o: o.download_dir("obs://sdk/dir", "/tmp/"), "ending with '/'"),
        (lambda o: o.copy("/tmp/a", "/tmp/b"), "exactly one obs://"),
        (lambda o: o.copy("obs://sdk/a/../b", "/tmp/b"), "'..'"),
        (lambda o: o.remove("obs://sdk/"), "delete_bucket"),
    ],
)
def test_path_rules_are_value_errors_before_any_request(session: Session, call, message: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def no_request(*args: object, **kwargs: object) -> None:
        raise AssertionError("a request was sent")

    monkeypatch.setattr(session.obs_client, "_make_request_with_retry", no_request)
    with pytest.raises(ValueError, match=message):
        call(session.obs)


def test_typed_errors_and_errors_return(service: LocalService, session: Session, tmp_path: Path) -> None:
    with pytest.raises(ObsNotFoundError) as caught:
        session.obs.download_file("obs://sdk/missing.txt", f"{tmp_path}/")
    assert caught.value.error_code == "NoSuchKey" and caught.value.error_msg
    with pytest.raises(ObsNotFoundError):
        session.obs.download_dir("obs://sdk/no-such-folder/", str(tmp_path))
    with Session(environ=service.env(), errors="return") as returning:
        answer = returning.obs.download_file("obs://sdk/missing.txt", f"{tmp_path}/")
        assert answer["error_code"] == "NoSuchKey" and "missing.txt" in answer["error_msg"]
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_another_accounts_bucket_is_a_typed_access_denied(service: LocalService, session: Session,
                                                          tmp_path: Path) -> None:
    other = service.add_account("sdk-other")
    env = dict(service.env(), CREDENTIAL_PROFILES_FILE=str(service.data_dir / "users" / "sdk-other.sdk-other.ini"),
               PROJECT_ID=other.project_id)
    (tmp_path / "f.txt").write_text("x")
    with Session(environ=env) as theirs:
        assert theirs.project_id == other.project_id
        with pytest.raises(ObsError) as caught:
            theirs.obs.upload_file(str(tmp_path / "f.txt"), "obs://sdk/planted/")
        assert caught.value.error_code == "AccessDenied" and caught.value.status == 403


def test_password_session_uses_temporary_credentials(service: LocalService, tmp_path: Path) -> None:
    creds = service.credentials
    env = {k: v for k, v in service.env().items() if k != "CREDENTIAL_PROFILES_FILE"}
    with Session(username=creds.username, password=creds.password, environ=env) as by_password:
        client = by_password.obs_client
        assert isinstance(client, obs.ObsClient)
        (tmp_path / "p.txt").write_text("by password")
        by_password.obs.upload_file(str(tmp_path / "p.txt"), "obs://sdk/password/")
        keys = client._get_token()
        assert keys.security_token and keys.access_key_id != creds.access_key  # temporary AK/SK + token from IAM
        got = client.getObject("sdk", "password/p.txt", loadStreamInMemory=True)
        assert got.body.buffer == b"by password"


def test_temporary_access_key_session(service: LocalService, session: Session) -> None:
    temp = temporary_credentials(service.endpoint, service.credentials)
    with Session(access_key=temp.access_key, secret_key=temp.secret_key, security_token=temp.security_token,
                 project_id=temp.project_id, environ=service.env()) as with_token:
        assert with_token.obs.exists("obs://sdk/") is True


def test_legacy_upload_data_and_download_data(session: Session, tmp_path: Path) -> None:
    files = []
    for name in ("sdk1.txt", "sdk2.txt"):
        (tmp_path / name).write_text(name)
        files.append(str(tmp_path / name))
    session.upload_data(bucket_path="/sdk/legacy/", path=files[0])
    session.upload_data(bucket_path="/sdk/legacy/list/", path=files)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "in.txt").write_text("in")
    session.upload_data(bucket_path="sdk/legacy/", path=str(folder))
    assert session.obs.list("obs://sdk/legacy/") == [
        "obs://sdk/legacy/folder/in.txt", "obs://sdk/legacy/list/sdk1.txt", "obs://sdk/legacy/list/sdk2.txt",
        "obs://sdk/legacy/sdk1.txt"]
    session.download_data(bucket_path="/sdk/legacy/sdk1.txt", path=str(tmp_path / "down.txt"))
    assert (tmp_path / "down.txt").read_text() == "sdk1.txt"
    session.download_data(bucket_path="/sdk/legacy/list/", path=str(tmp_path / "listed"))
    assert sorted(os.listdir(tmp_path / "listed")) == ["sdk1.txt", "sdk2.txt"]


def test_bucket_helpers(session: Session) -> None:
    assert session.create_bucket(bucket="helper-bucket") == "helper-bucket"
    assert session.create_directory(bucket="helper-bucket", directory="/dir1/dir2/") == "obs://helper-bucket/dir1/dir2/"
    assert session.obs.exists("obs://helper-bucket/dir1/dir2/")
    assert session.get_obs_client() is session.obs_client
    default = session.default_bucket()
    assert session.obs.exists(f"obs://{default}/")
    assert session.obs.remove("obs://helper-bucket/dir1/") == 1
    session.delete_bucket(bucket="helper-bucket")
    assert not session.obs.exists("obs://helper-bucket/")


def test_multipart_resumable_path_and_integrity(session: Session, tmp_path: Path) -> None:
    transfer = session.obs.transfer
    old = (transfer.multipart_threshold, transfer.part_size)
    transfer.multipart_threshold, transfer.part_size = 256 * 1024, 128 * 1024
    try:
        data = os.urandom(1024 * 1024 + 17)
        (tmp_path / "big.bin").write_bytes(data)
        url = session.obs.upload_file(str(tmp_path / "big.bin"), "obs://sdk/mp/")
        head = session.obs_client.getObjectMetadata("sdk", "mp/big.bin")
        assert url == "obs://sdk/mp/big.bin" and head.body.etag.strip('"').endswith("-9")
        session.obs.download_file(url, f"{tmp_path}/back/")
        assert (tmp_path / "back" / "big.bin").read_bytes() == data
    finally:
        transfer.multipart_threshold, transfer.part_size = old


names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\\x00"),
                min_size=1, max_size=12).filter(lambda n: n not in (".", "..") and len(n.encode()) <= 100)
trees = st.dictionaries(st.lists(names, min_size=1, max_size=3).map(tuple), st.binary(max_size=2048),
                        min_size=1, max_size=8)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=trees)
def test_round_trips_are_byte_identical(session: Session, tmp_path_factory: pytest.TempPathFactory,
                                        layout: Dict[tuple, bytes]) -> None:
    root = tmp_path_factory.mktemp("tree")
    src = root / "src"
    src.mkdir()
    written: Dict[str, bytes] = {}
    for parts, content in layout.items():
        target = src.joinpath(*parts)
        if any(p.is_file() for p in list(target.parents)[: len(parts) - 1]) or target.is_dir():
            continue  # a name used both as file and folder: not a tree
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written["/".join(parts)] = content
    (src / "empty-dir").mkdir()  # empty folders are not uploaded (documented)
    prefix = f"obs://sdk/hyp/{root.name}/"
    session.obs.copy(str(src), prefix)
    back = root / "back"
    session.obs.copy(prefix + "src/", str(back))
    assert tree(back / "src") == tree(src) == {k: v for k, v in sorted(written.items())}
    assert session.obs.remove(prefix) == len(written)
    shutil.rmtree(root)


def test_a_job_reads_what_was_uploaded_and_its_outputs_come_back(session: Session, tmp_path: Path) -> None:
    from modelarts import JobState
    from modelarts.estimator import Estimator

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(
        "import argparse, os\n"
        "p = argparse.ArgumentParser(); p.add_argument('--data_url'); p.add_argument('--train_url')\n"
        "a, _ = p.parse_known_args()\n"
        "rows = open(os.path.join(a.data_url, 'rows.txt')).read().split()\n"
        "os.makedirs(os.path.join(a.train_url, 'm'), exist_ok=True)\n"
        "open(os.path.join(a.train_url, 'm', 'out.txt'), 'w').write(str(len(rows)))\n"
    )
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "rows.txt").write_text("a b c d\n")
    session.obs.copy(str(tmp_path / "src"), "obs://sdk/job/")
    session.obs.copy(str(tmp_path / "data"), "obs://sdk/job/")
    estimator = Estimator(modelarts_session=session, code_dir="/sdk/job/src/", boot_file="/sdk/job/src/train.py",
                          output_path="/sdk/job/output/", log_url="/sdk/job/log/",
                          train_instance_type="modelarts.vm.cpu.2u", train_instance_count=1)
    job = estimator.fit(inputs="/sdk/job/data/", wait=False, job_name="obs_round_trip_job")
    assert job.wait(timeout=120) is JobState.COMPLETED
    session.obs.copy("obs://sdk/job/output/", str(tmp_path / "results"), keep_last_dir=False)
    assert (tmp_path / "results" / "m" / "out.txt").read_text() == "4"
    job.delete_job()
