"""Known-answer tests for the published SDK-HMAC-SHA256 signing vectors (``vectors/``), byte for byte,
and properties."""

from __future__ import annotations

import datetime as dt
import hashlib
import pathlib

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from modelarts import signer
from modelarts.auth import SignerAuth
from modelarts.credentials import AccessKey, StaticProvider

VECTORS = pathlib.Path(__file__).parent / "vectors"

OFFICIAL_URL = (
    "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs"
    "?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0"
)
OFFICIAL_HEADERS = {
    "Content-Type": "application/json",
    "Host": "service.region.example.com",
    "X-Sdk-Date": "20191115T033655Z",
}
OFFICIAL_AK, OFFICIAL_SK = "QTWAOYTTINDUT2QVKYUC", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
SDK_URL = "https://service.endpoint.myhuaweicloud.com/resources?size=1"
SDK_HEADERS = {"X-Sdk-Date": "20200608T023900Z", "TEST_UNDERSCORE": "TEST_VALUE"}


def test_official_canonical_request_matches_fixture() -> None:
    names = signer.signed_header_names(OFFICIAL_HEADERS)
    creq = signer.canonical_request(
        "GET",
        "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
        "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
        OFFICIAL_HEADERS,
        names,
        b"",
    )
    assert creq == (VECTORS / "official.creq").read_text()
    assert hashlib.sha256(creq.encode()).hexdigest() == "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"


def test_official_string_to_sign_and_signature() -> None:
    creq = (VECTORS / "official.creq").read_text()
    sts = signer.string_to_sign(creq, "20191115T033655Z")
    assert sts == (VECTORS / "official.sts").read_text()
    sig = signer.signature(OFFICIAL_SK, sts)
    assert sig == "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"


def test_official_authorization_header() -> None:
    added = signer.sign("GET", OFFICIAL_URL, OFFICIAL_HEADERS, b"", OFFICIAL_AK, OFFICIAL_SK)
    assert added == {"Authorization": (VECTORS / "official.authz").read_text()}


@pytest.mark.parametrize(
    "method, body, expected",
    [
        ("GET", None, "cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842"),
        ("POST", '{"name":"test","id":1}', "436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f"),
    ],
)
def test_sdk_unit_vectors(method: str, body: str, expected: str) -> None:
    added = signer.sign(method, SDK_URL, SDK_HEADERS, body, "AccessKey", "SecretKey")
    assert added["Host"] == "service.endpoint.myhuaweicloud.com"
    assert added["Authorization"] == (
        f"SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, Signature={expected}"
    )


def test_query_canonicalisation_vector() -> None:
    pairs = [("limit", 1), ("enable", True), ("test", "一 (&=?!#%.*)"), ("path", "/tmp/123"), ("multi", [1, 2, 3])]
    assert signer.canonical_query(pairs) == (
        "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123"
        "&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29"
    )


def test_repeated_query_keys_sort_by_value_and_blank_values_stay() -> None:
    assert signer.canonical_query("b=2&a=&b=1") == "a=&b=1&b=2"
    assert signer.canonical_query("") == ""


def test_non_ascii_path_is_encoded_per_segment() -> None:
    assert signer.canonical_uri("/v1/p/数据/a b") == "/v1/p/%E6%95%B0%E6%8D%AE/a%20b/"
    assert signer.canonical_uri("/v1/p/%E6%95%B0%E6%8D%AE/") == "/v1/p/%E6%95%B0%E6%8D%AE/"
    assert signer.canonical_uri("") == "/"


def test_port_stays_in_host() -> None:
    added = signer.sign("GET", "http://127.0.0.1:8443/v1/p/x", {"X-Sdk-Date": "20200608T023900Z"}, None, "a", "b")
    assert added["Host"] == "127.0.0.1:8443"
    default = signer.sign("GET", "http://127.0.0.1/v1/p/x", {"X-Sdk-Date": "20200608T023900Z"}, None, "a", "b")
    assert default["Authorization"] != added["Authorization"]


def test_empty_and_nonempty_bodies_hash_differently() -> None:
    assert signer.payload_hash(b"") == signer.EMPTY_SHA256 == signer.payload_hash(None) == signer.payload_hash("")
    assert signer.payload_hash(b"{}") == hashlib.sha256(b"{}").hexdigest()
    assert signer.payload_hash(b"x", {"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}) == "UNSIGNED-PAYLOAD"
    assert signer.payload_hash(b"", {"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}) == signer.EMPTY_SHA256


def test_parse_authorization_round_trip_and_rejects_garbage() -> None:
    parsed = signer.parse_authorization((VECTORS / "official.authz").read_text())
    assert parsed.access_key == OFFICIAL_AK
    assert parsed.signed_headers == ("content-type", "host", "x-sdk-date")
    assert OFFICIAL_SK not in repr(parsed) and parsed.signature not in repr(parsed)
    for bad in ["", "Basic abc", "SDK-HMAC-SHA256 Access=a,SignedHeaders=host,Signature=00", "SDK-HMAC-SHA256 Access=a"]:
        with pytest.raises(ValueError):
            signer.parse_authorization(bad)


def test_dates() -> None:
    moment = dt.datetime(2019, 11, 15, 3, 36, 55, tzinfo=dt.timezone.utc)
    assert signer.format_date(moment) == "20191115T033655Z"
    assert signer.parse_date("20191115T033655Z") == moment
    eastern = moment.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert signer.format_date(eastern) == "20191115T033655Z"
    for bad in ["2019-11-15", "20191115T033655", "20191315T033655Z", ""]:
        with pytest.raises(ValueError):
            signer.parse_date(bad)


def test_auth_base_signs_what_the_server_can_verify_and_resigns_with_fresh_date() -> None:
    clock = iter([dt.datetime(2026, 1, 1, 0, 0, s, tzinfo=dt.timezone.utc) for s in (1, 2)])
    key = AccessKey("AK", "SK", security_token="tok")
    auth = SignerAuth(StaticProvider(key), project_id="p1", clock=lambda: next(clock))
    prepared = requests.Request("POST", "http://127.0.0.1:9/v1/p1/x?b=2&a=1", data=b'{"k":1}',
                                headers={"Content-Type": "application/json"}).prepare()
    auth(prepared)
    first = prepared.headers["Authorization"]
    assert prepared.url.endswith("?a=1&b=2")
    parsed = signer.parse_authorization(first)
    assert parsed.signed_headers == ("content-type", "host", "x-project-id", "x-sdk-date", "x-security-token")
    # The server's view: recompute from the raw request.
    creq = signer.canonical_request("POST", "/v1/p1/x", "a=1&b=2", prepared.headers, parsed.signed_headers, prepared.body)
    expected = signer.signature("SK", signer.string_to_sign(creq, prepared.headers["X-Sdk-Date"]))
    assert parsed.signature == expected
    auth(prepared)  # a resend: stale headers go, a new date is signed
    assert prepared.headers["X-Sdk-Date"] == "20260101T000002Z"
    assert prepared.headers["Authorization"] != first


def test_auth_base_signs_bytes_header_values_as_the_text_sent() -> None:
    """requests sends a bytes header value as its bytes; the signature must cover that text, not ``b'...'``."""
    clock = lambda: dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)  # noqa: E731
    auth = SignerAuth(StaticProvider(AccessKey("AK", "SK")), clock=clock)
    as_bytes = requests.Request("POST", "http://127.0.0.1:9/x", data=b"{}",
                                headers={"Content-Type": b"application/json"}).prepare()
    as_text = requests.Request("POST", "http://127.0.0.1:9/x", data=b"{}",
                               headers={"Content-Type": "application/json"}).prepare()
    auth(as_bytes)
    auth(as_text)
    assert as_bytes.headers["Authorization"] == as_text.headers["Authorization"]


def test_auth_base_refuses_streaming_bodies() -> None:
    auth = SignerAuth(StaticProvider(AccessKey("AK", "SK")))
    prepared = requests.Request("POST", "http://127.0.0.1:9/x", data=iter([b"a"])).prepare()
    with pytest.raises(TypeError, match="streaming"):
        auth(prepared)


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(pairs=st.lists(st.tuples(_text, _text), max_size=6))
def test_wire_query_round_trips_to_the_same_canonical_form(pairs: list) -> None:
    canonical = signer.canonical_query(pairs)
    assert signer.canonical_query(canonical) == canonical  # what the server rebuilds from the wire


@settings(max_examples=200, deadline=None)
@given(segments=st.lists(_text.filter(lambda s: "/" not in s), min_size=1, max_size=4))
def test_canonical_uri_is_idempotent(segments: list) -> None:
    uri = signer.canonical_uri("/" + "/".join(segments))
    assert signer.canonical_uri(uri) == uri and uri.endswith("/")
