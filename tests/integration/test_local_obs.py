"""The local OBS endpoint driven by esdk-obs-python's ObsClient itself."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterator, List

import obs
import pytest

from modelarts.local import LocalService

from obs_helpers import client, obs_mode_client


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    with LocalService(tmp_path_factory.mktemp("obs"), kill_jobs_on_close=True) as running:
        yield running


@pytest.fixture(scope="module")
def cl(service: LocalService) -> Iterator[obs.ObsClient]:
    c = client(service.obs_endpoint, service.credentials)
    assert c.createBucket("data").status == 200
    yield c
    c.close()


def ok(resp: obs.model.GetResult) -> obs.model.GetResult:
    assert resp.status < 300, (resp.status, resp.errorCode, resp.errorMessage)
    return resp


def test_put_content_get_head_delete_round_trip(cl: obs.ObsClient, service: LocalService) -> None:
    key = "dir/ünïcode name (1).txt"
    put = ok(cl.putContent("data", key, "hello OBS"))
    assert put.body.etag.strip('"') == hashlib.md5(b"hello OBS").hexdigest()
    got = ok(cl.getObject("data", key, loadStreamInMemory=True))
    assert got.body.buffer == b"hello OBS"
    head = ok(cl.headObject("data", key))
    assert head.header and dict(head.header)["content-length"] == "9"
    meta = ok(cl.getObjectMetadata("data", key))
    assert meta.body.contentLength == 9 and meta.body.etag.strip('"') == put.body.etag.strip('"')
    # the object is the file a training job reads
    assert (service.obs_root / "data" / "dir" / "ünïcode name (1).txt").read_text() == "hello OBS"
    assert ok(cl.deleteObject("data", key)).status == 204
    gone = cl.headObject("data", key)
    assert gone.status == 404
    missing = cl.getObject("data", key, loadStreamInMemory=True)
    assert (missing.status, missing.errorCode) == (404, "NoSuchKey") and missing.requestId


def test_put_file_and_folder(cl: obs.ObsClient, tmp_path: Path) -> None:
    single = tmp_path / "one.bin"
    single.write_bytes(os.urandom(300_000))
    ok(cl.putFile("data", "files/one.bin", str(single)))
    folder = tmp_path / "tree"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (folder / "sub" / "b.txt").write_text("bb")
    results = cl.putFile("data", "files/tree", str(folder))  # one PUT per file: a list of (key, result)
    flat = [item for _, item in results if not isinstance(item, list)]
    flat += [inner for _, item in results if isinstance(item, list) for _, inner in item]
    assert len(flat) == 2 and all(item["status"] == 200 for item in flat)
    listed = ok(cl.listObjects("data", prefix="files/"))
    keys = sorted(item.key for item in listed.body.contents)
    assert keys == ["files/one.bin", "files/tree/a.txt", "files/tree/sub/b.txt"]
    back = ok(cl.getObject("data", "files/one.bin", loadStreamInMemory=True))
    assert back.body.buffer == single.read_bytes()


@pytest.mark.parametrize(
    "header, expected",
    [("bytes=10-19", slice(10, 20)), ("bytes=99990-", slice(99990, None)), ("bytes=-5", slice(-5, None)),
     ("bytes=0-0", slice(0, 1)), ("bytes=99995-200000", slice(99995, None))],
)
def test_ranged_get(cl: obs.ObsClient, header: str, expected: slice) -> None:
    data = os.urandom(100_000)
    ok(cl.putContent("data", "ranged.bin", data))
    request = obs.GetObjectHeader(range=header[6:])
    got = ok(cl.getObject("data", "ranged.bin", headers=request, loadStreamInMemory=True))
    assert got.status == 206 and got.body.buffer == data[expected]


def test_unsatisfiable_range_is_416(cl: obs.ObsClient) -> None:
    ok(cl.putContent("data", "small.txt", "12345"))
    got = cl.getObject("data", "small.txt", headers=obs.GetObjectHeader(range="10-20"), loadStreamInMemory=True)
    assert (got.status, got.errorCode) == (416, "InvalidRange")


def test_list_objects_paging_marker_and_delimiter(cl: obs.ObsClient) -> None:
    ok(cl.createBucket("paging"))
    keys: List[str] = [f"p/{i:03d}.txt" for i in range(25)] + ["p/sub/x.txt", "p/sub/y.txt", "q.txt"]
    for key in keys:
        ok(cl.putContent("paging", key, key))
    seen: List[str] = []
    marker = None
    pages = 0
    while True:
        page = ok(cl.listObjects("paging", prefix="p/", marker=marker, max_keys=10)).body
        seen += [item.key for item in page.contents]
        pages += 1
        if not page.is_truncated:
            break
        marker = page.next_marker
    assert pages == 3 and seen == sorted(k for k in keys if k.startswith("p/"))
    grouped = ok(cl.listObjects("paging", prefix="p/", delimiter="/", max_keys=1000)).body
    assert [p.prefix for p in grouped.commonPrefixs] == ["p/sub/"]
    assert len(grouped.contents) == 25 and grouped.contents[0].size == len("p/000.txt")
    top = ok(cl.listObjects("paging", delimiter="/")).body
    assert [p.prefix for p in top.commonPrefixs] == ["p/"] and [c.key for c in top.contents] == ["q.txt"]


def test_upload_file_multipart_and_download_file(cl: obs.ObsClient, tmp_path: Path, service: LocalService) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(3 * 1024 * 1024 + 12345))
    up = ok(cl.uploadFile("data", "big/big.bin", str(source), partSize=512 * 1024, taskNum=3, enableCheckpoint=True))
    assert up.body.etag.strip('"').endswith("-7")
    target = tmp_path / "back.bin"
    ok(cl.downloadFile("data", "big/big.bin", str(target), partSize=256 * 1024, taskNum=3, enableCheckpoint=True))
    assert target.read_bytes() == source.read_bytes()
    assert list((service.data_dir / "obs-uploads").iterdir()) == []
    assert list((service.data_dir / "obs-tmp").iterdir()) == []


def test_multipart_rules(cl: obs.ObsClient) -> None:
    upload = ok(cl.initiateMultipartUpload("data", "mp.bin")).body.uploadId
    small = ok(cl.uploadPart("data", "mp.bin", 1, upload, b"x" * 10, isFile=False)).body.etag
    last = ok(cl.uploadPart("data", "mp.bin", 2, upload, b"y" * 10, isFile=False)).body.etag
    parts = [obs.CompletePart(partNum=1, etag=small), obs.CompletePart(partNum=3, etag=last)]
    not_uploaded = cl.completeMultipartUpload("data", "mp.bin", upload, obs.CompleteMultipartUploadRequest(parts))
    assert not_uploaded.errorCode == "InvalidPart"
    parts = [obs.CompletePart(partNum=1, etag=small), obs.CompletePart(partNum=2, etag=last)]
    too_small = cl.completeMultipartUpload("data", "mp.bin", upload, obs.CompleteMultipartUploadRequest(parts))
    assert too_small.errorCode == "EntityTooSmall"
    listed = ok(cl.listParts("data", "mp.bin", upload)).body
    assert [p.partNumber for p in listed.parts] == [1, 2]
    assert ok(cl.abortMultipartUpload("data", "mp.bin", upload)).status == 204
    assert cl.abortMultipartUpload("data", "mp.bin", upload).errorCode == "NoSuchUpload"
    assert cl.headObject("data", "mp.bin").status == 404


def test_buckets_create_head_list_delete(cl: obs.ObsClient) -> None:
    ok(cl.createBucket("temporary-bucket"))
    assert ok(cl.createBucket("temporary-bucket")).status == 200  # as OBS: your own bucket again is fine
    assert ok(cl.headBucket("temporary-bucket")).status == 200
    assert "temporary-bucket" in [b.name for b in ok(cl.listBuckets()).body.buckets]
    ok(cl.putContent("temporary-bucket", "x", "1"))
    assert cl.deleteBucket("temporary-bucket").errorCode == "BucketNotEmpty"
    ok(cl.deleteObject("temporary-bucket", "x"))
    assert ok(cl.deleteBucket("temporary-bucket")).status == 204
    assert cl.headBucket("temporary-bucket").status == 404
    assert cl.createBucket("Not_Valid").errorCode == "InvalidBucketName"


def test_folder_markers_and_key_rules(cl: obs.ObsClient) -> None:
    ok(cl.putContent("data", "empty-folder/", ""))
    listed = ok(cl.listObjects("data", prefix="empty-folder/")).body
    assert [c.key for c in listed.contents] == ["empty-folder/"]
    too_long = cl.putContent("data", "k" * 1025, "x")
    assert too_long.errorCode == "KeyTooLongError"
    dots = cl.putContent("data", "a/../escape.txt", "x")
    assert dots.status == 400 and dots.errorCode == "InvalidArgument"


def test_empty_object(cl: obs.ObsClient, tmp_path: Path) -> None:
    ok(cl.putContent("data", "empty.txt", b""))
    assert ok(cl.getObject("data", "empty.txt", loadStreamInMemory=True)).body.size == 0
    target = tmp_path / "empty.txt"
    ok(cl.getObject("data", "empty.txt", downloadPath=str(target)))
    assert target.read_bytes() == b""


def test_obs_signature_mode(service: LocalService) -> None:
    c = obs_mode_client(service.obs_endpoint, service.credentials)
    put = ok(c.putContent("data", "obs-mode.txt", "signed the OBS way", metadata={"purpose": "test"}))
    assert put.status == 200
    assert ok(c.getObject("data", "obs-mode.txt", loadStreamInMemory=True)).body.buffer == b"signed the OBS way"
    c.close()


def test_signature_negotiation_probe(service: LocalService) -> None:
    import requests

    answer = requests.head(service.obs_endpoint + "/?apiversion", timeout=10)
    assert answer.status_code == 200 and answer.headers["x-obs-api"] == "3.0"
