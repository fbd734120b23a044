"""The local OBS storage layer: atomic writes, key and bucket rules, listings, ETags, owners (no network)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path

import pytest

from modelarts.local.obs_buckets import Buckets, check_bucket_name
from modelarts.local.obs_errors import (
    AccessDenied,
    BadDigest,
    BucketAlreadyExists,
    IncompleteBody,
    InvalidArgument,
    InvalidBucketName,
    KeyTooLong,
    NoSuchBucket,
    NoSuchKey,
)
from modelarts.local.obs_objects import Objects, check_key
from modelarts.local.store import Database


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database(tmp_path / "state.db")


@pytest.fixture
def objects(db: Database, tmp_path: Path) -> Objects:
    return Objects(db, tmp_path / "obs-tmp")


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    path = tmp_path / "obs" / "bkt"
    path.mkdir(parents=True)
    return path


def put(objects: Objects, bucket: Path, key: str, data: bytes) -> str:
    temp, etag = objects.receive(io.BytesIO(data), len(data))
    return objects.commit(bucket, key, temp, etag).etag


def test_short_body_leaves_nothing_behind(objects: Objects, bucket: Path, tmp_path: Path) -> None:
    with pytest.raises(IncompleteBody):
        objects.receive(io.BytesIO(b"only part"), 100)
    assert list((tmp_path / "obs-tmp").iterdir()) == [] and list(bucket.iterdir()) == []


def test_content_md5_is_checked(objects: Objects, tmp_path: Path) -> None:
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(BadDigest):
        objects.receive(io.BytesIO(b"payload"), 7, wrong)
    right = base64.b64encode(hashlib.md5(b"payload").digest()).decode()
    temp, etag = objects.receive(io.BytesIO(b"payload"), 7, right)
    assert etag == hashlib.md5(b"payload").hexdigest() and temp.read_bytes() == b"payload"
    with pytest.raises(InvalidArgument):
        objects.receive(io.BytesIO(b"payload"), 7, "not base64!")
    assert [p.name for p in (tmp_path / "obs-tmp").iterdir()] == [temp.name]


def test_overwrite_replaces_whole_object(objects: Objects, bucket: Path) -> None:
    put(objects, bucket, "a/b.txt", b"first version, longer")
    etag = put(objects, bucket, "a/b.txt", b"second")
    info = objects.info(bucket, "a/b.txt")
    assert (info.size, info.etag, etag) == (6, hashlib.md5(b"second").hexdigest(), info.etag)


def test_etag_follows_files_rewritten_by_jobs(objects: Objects, bucket: Path) -> None:
    put(objects, bucket, "out/model.txt", b"v1")
    path = bucket / "out" / "model.txt"
    path.write_bytes(b"written by a training job")
    os.utime(path, ns=(1, 1))
    assert objects.info(bucket, "out/model.txt").etag == hashlib.md5(b"written by a training job").hexdigest()


@pytest.mark.parametrize("key", ["", "a//b", "./a", "a/../b", "a/.", "x\x00y"])
def test_keys_a_file_system_cannot_hold_are_refused(key: str) -> None:
    with pytest.raises(InvalidArgument):
        check_key(key)


def test_key_length_limits() -> None:
    assert check_key("k" * 255) and check_key("/".join(["d" * 200] * 5))
    with pytest.raises(KeyTooLong):
        check_key("é" * 513)  # 1,026 bytes of UTF-8
    with pytest.raises(KeyTooLong):
        check_key("n" * 256)  # one segment longer than a file name


def test_object_and_folder_cannot_share_a_name(objects: Objects, bucket: Path) -> None:
    put(objects, bucket, "a", b"file")
    with pytest.raises(InvalidArgument):
        put(objects, bucket, "a/b", b"under a file")
    put(objects, bucket, "d/x", b"x")
    with pytest.raises(InvalidArgument):
        put(objects, bucket, "d", b"over a folder")


def test_listing_prefix_marker_delimiter(objects: Objects, bucket: Path) -> None:
    for key in ["a/1", "a/2", "a/sub/3", "b", "c/4"]:
        put(objects, bucket, key, key.encode())
    objs, prefixes, truncated, _ = objects.listing(bucket, "", "", "/", 1000)
    assert [o.key for o in objs] == ["b"] and prefixes == ["a/", "c/"] and not truncated
    objs, prefixes, truncated, marker = objects.listing(bucket, "a/", "", "", 2)
    assert [o.key for o in objs] == ["a/1", "a/2"] and truncated and marker == "a/2"
    objs, _, truncated, _ = objects.listing(bucket, "a/", "a/2", "", 2)
    assert [o.key for o in objs] == ["a/sub/3"] and not truncated
    objs, prefixes, _, _ = objects.listing(bucket, "", "a/", "/", 1000)
    assert [o.key for o in objs] == ["b"] and prefixes == ["c/"]


def test_delete_prunes_empty_folders(objects: Objects, bucket: Path) -> None:
    put(objects, bucket, "x/y/z.txt", b"z")
    objects.delete(bucket, "x/y/z.txt")
    assert list(bucket.iterdir()) == []
    objects.delete(bucket, "never/there.txt")  # absent keys are fine, as OBS
    with pytest.raises(NoSuchKey):
        objects.info(bucket, "x/y/z.txt")


@pytest.mark.parametrize("name", ["ab", "A-bucket", "-abc", "abc-", "a..b", "a.-b", "192.168.1.1", "a" * 64, "a_b"])
def test_bucket_name_rules(name: str) -> None:
    with pytest.raises(InvalidBucketName):
        check_bucket_name(name)


def test_owners(db: Database, tmp_path: Path) -> None:
    root = tmp_path / "obs"
    buckets = Buckets(db, root, lambda: "main")
    (root / "legacy").mkdir()
    assert buckets.owner("legacy") == "main" and buckets.check("legacy", "main") == root / "legacy"
    with pytest.raises(AccessDenied):
        buckets.check("legacy", "other")
    buckets.create("theirs", "other")
    buckets.create("theirs", "other")  # again: fine for the owner
    with pytest.raises(BucketAlreadyExists):
        buckets.create("theirs", "main")
    with pytest.raises(NoSuchBucket):
        buckets.check("missing", "main")
    assert [name for name, _ in buckets.of("other")] == ["theirs"]
    assert [name for name, _ in buckets.of("main")] == ["legacy"]
    buckets.claim("newly", "other")
    assert buckets.owner("newly") == "other"
    with pytest.raises(AccessDenied):
        buckets.claim("legacy", "other")


def test_symbolic_links_are_never_followed(objects: Objects, bucket: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not an object")
    (bucket / "out").mkdir()
    (bucket / "out" / "link.txt").symlink_to(secret)
    (bucket / "escape").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(NoSuchKey):
        objects.info(bucket, "out/link.txt")
    with pytest.raises(NoSuchKey):
        objects.info(bucket, "escape/secret.txt")
    assert [o.key for o in objects.listing(bucket, "", "", "", 1000)[0]] == []
    with pytest.raises(InvalidArgument):
        put(objects, bucket, "escape/planted.txt", b"x")
    with pytest.raises(InvalidArgument):
        put(objects, bucket, "out/link.txt", b"x")
    assert secret.read_text() == "not an object" and not (tmp_path / "planted.txt").exists()


def test_an_account_owns_at_most_100_buckets(db: Database, tmp_path: Path) -> None:
    from modelarts.local.obs_errors import TooManyBuckets

    buckets = Buckets(db, tmp_path / "obs", lambda: "main")
    for index in range(100):
        buckets.create(f"bucket-{index:03d}", "acct")
    with pytest.raises(TooManyBuckets):
        buckets.create("one-too-many", "acct")
    buckets.create("bucket-000", "acct")  # your own again is still fine
    buckets.create("for-someone-else", "other")
